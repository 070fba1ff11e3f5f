/**
 * File checks, as keepalived's FILE_CHECK reads a tracked file: the first
 * line holds a number. In `status` mode 0 passes and anything else fails (a
 * tool or an operator writes 1 to take a server out); in `weight` mode the
 * number is the real server's weight. Only the first bytes of a regular file
 * are read: the file is a flag, not a document. It is opened non-blocking, so
 * a FIFO or a device cannot hold one of libuv's few threads; a read that
 * still hangs (a stuck network file system) fails at the timeout.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { formatDuration } from '../../input/duration.js';
import { type Probe, type ProbeResult, type ProbeRun, errorReason, fail, pass } from '../probe.js';
import type { FileProbe } from '../spec.js';

/** Enough for any number and a line break; more is not looked at. */
const READ_BYTES = 64;
/** IPVS keeps a weight in an int. */
const MAX_WEIGHT = 2147483647;

export function fileProbe(spec: FileProbe): Probe {
  return {
    run(run: ProbeRun): Promise<ProbeResult> {
      return new Promise((resolve) => {
        let done = false;
        const finish = (r: ProbeResult) => {
          if (done) return;
          done = true;
          resolve(r);
        };
        run.onExpire(() =>
          finish(fail(`timeout after ${formatDuration(run.timeoutMs)} reading ${spec.path}`)),
        );
        void readStart(spec.path).then(
          (text) => finish(judge(spec, text)),
          (err: unknown) => finish(judgeMissing(spec, err)),
        );
      });
    },
    close() {},
  };
}

async function readStart(path: string): Promise<string> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    if (!(await handle.stat()).isFile()) throw new NotRegular();
    const buffer = Buffer.alloc(READ_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, READ_BYTES, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

export function judge(spec: Pick<FileProbe, 'mode' | 'path'>, text: string): ProbeResult {
  const first = (text.split('\n')[0] ?? '').trim();
  if (!/^[+-]?\d+$/.test(first))
    return fail(
      `${spec.path}: ${first === '' ? 'empty' : JSON.stringify(first.slice(0, 20))}, not a number`,
    );
  const n = Number(first);
  if (spec.mode === 'status') return n === 0 ? pass(`${spec.path}: 0`) : fail(`${spec.path}: ${n}`);
  if (n < 0 || n > MAX_WEIGHT) return fail(`${spec.path}: weight ${n} is not in 0..${MAX_WEIGHT}`);
  return pass(`${spec.path}: weight ${n}`, n);
}

class NotRegular extends Error {}

function judgeMissing(spec: FileProbe, err: unknown): ProbeResult {
  if (err instanceof NotRegular) return fail(`${spec.path}: not a regular file`);
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT')
    return spec.missing === 'up'
      ? pass(`${spec.path}: not there`)
      : fail(`${spec.path}: no such file`);
  return fail(`${spec.path}: ${errorReason(err)}`);
}
