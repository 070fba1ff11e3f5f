/**
 * exec check: run a program with an argument vector (never through a shell),
 * as `user` (nobody by default), in a clean environment (PATH, the target and
 * the check's own `env`: none of the daemon's variables, which may hold
 * secrets), in a session of its own; at the timeout its process group is
 * killed, and once the run is over so is anything it left behind, even
 * outside the group (exec-leftovers.ts). Exit 0 is up; the verdict is the program's exit, not the end of its
 * output (a background child may hold that open). With dynamic weight,
 * keepalived's MISC_DYNAMIC convention: 1 is down, 2..255 is up with weight
 * code − 2.
 */
import { formatDuration } from '../../input/duration.js';
import { spawn } from 'node:child_process';
import { type Probe, type ProbeResult, type ProbeRun, errorReason, fail, pass } from '../probe.js';
import type { ExecProbe } from '../spec.js';
import { beginRun } from './exec-leftovers.js';
import { resolveIdentity } from './exec-user.js';

/** Output kept for the reason of a failed run. */
const OUTPUT_TAIL = 200;
/** After the program exits, how long its output may take to drain before the verdict. */
const DRAIN_MS = 100;
/** The search path a check gets unless its `env` sets PATH. */
export const EXEC_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function execProbe(spec: ExecProbe): Probe {
  const [file, ...args] = spec.command as [string, ...string[]];
  const env: NodeJS.ProcessEnv = {
    PATH: EXEC_PATH,
    ANYCASTD_TARGET_ADDRESS: spec.target.address,
    ANYCASTD_TARGET_PORT: spec.target.port ? String(spec.target.port) : '',
    ...spec.env,
  };

  // Looked up once per check; a missing account fails every run with the reason.
  const identity = resolveIdentity(spec.user, spec.group);

  function judge(code: number, output: string): ProbeResult {
    const tail = output.trim() ? `: ${output.trim().slice(-OUTPUT_TAIL)}` : '';
    if (!spec.dynamicWeight) return code === 0 ? pass('exit 0') : fail(`exit ${code}${tail}`);
    if (code === 0) return pass('exit 0');
    if (code === 1) return fail(`exit 1${tail}`);
    return pass(`exit ${code}: weight ${code - 2}`, code - 2);
  }

  return {
    run(run: ProbeRun): Promise<ProbeResult> {
      return new Promise((resolve) => {
        let done = false;
        let output = '';
        if ('error' in identity) {
          resolve(fail(`cannot run ${file}: ${identity.error}`));
          return;
        }
        const lease = beginRun();
        const finish = (r: ProbeResult) => {
          if (done) return;
          done = true;
          lease.end();
          resolve(r);
        };
        // Node sets the group, drops supplementary groups, then sets the user.
        const child = spawn(file, args, {
          env: { ...env, ...lease.env },
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
          uid: identity.uid,
          gid: identity.gid,
        });
        if (child.pid !== undefined) lease.spawned(child.pid);
        const collect = (chunk: Buffer) => {
          output = (output + chunk.toString('utf8')).slice(-4 * OUTPUT_TAIL);
        };
        child.stdout.on('data', collect);
        child.stderr.on('data', collect);
        const killGroup = () => {
          if (child.pid === undefined) return;
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            // Already gone.
          }
        };
        run.onExpire(() => {
          killGroup();
          finish(fail(`timeout after ${formatDuration(run.timeoutMs)}, killed`));
        });
        child.once('error', (err) => finish(fail(`cannot run ${file}: ${errorReason(err)}`)));
        child.once('exit', (code, signal) => {
          if (child.pid !== undefined) lease.exited(child.pid);
          // Children the program left behind must not outlive the check.
          killGroup();
          const verdict = () => {
            if (signal) finish(fail(`killed by ${signal}`));
            else finish(judge(code ?? 1, output));
          };
          // The output read so far is in; what is still in the pipes follows shortly,
          // unless something outside the group holds them open.
          const drained = setTimeout(() => {
            child.stdout.destroy();
            child.stderr.destroy();
            verdict();
          }, DRAIN_MS);
          child.once('close', () => {
            clearTimeout(drained);
            verdict();
          });
        });
      });
    },
    close() {},
  };
}
