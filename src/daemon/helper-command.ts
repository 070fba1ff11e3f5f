/**
 * Runs a helper program of the daemon (iproute2) in a process group of its
 * own. A SIGTERM or Ctrl-C sent to anycastd's whole group (a terminal, a
 * service manager) must reach anycastd alone: it finishes its pass and
 * drains. A helper killed by the same signal in the middle of a pass made
 * that pass fail and withdraw every route at once, skipping the drain.
 */
import { spawn } from 'node:child_process';

export interface HelperResult {
  stdout: string;
  stderr: string;
}

/** A failed helper: `stderr` carries what it printed, for callers that match on it. */
export class HelperFailed extends Error {
  constructor(
    message: string,
    readonly stderr: string,
    readonly code: number | null,
  ) {
    super(message);
    this.name = 'HelperFailed';
  }
}

export function runHelper(
  file: string,
  args: readonly string[],
  timeoutMs = 15_000,
): Promise<HelperResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const command = [file, ...args].join(' ');
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new HelperFailed(`Command failed: ${command}: ${e.message}`, '', null));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString();
      const stderr = Buffer.concat(err).toString();
      if (code === 0) resolve({ stdout, stderr });
      else
        reject(
          new HelperFailed(
            `Command failed: ${command}${signal ? ` (killed by ${signal})` : ''}\n${stderr}`,
            stderr,
            code,
          ),
        );
    });
  });
}
