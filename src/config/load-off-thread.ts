/**
 * Parsing a configuration in a worker thread, for the running daemon (reload
 * by SIGHUP or the API, and the API's plan). The YAML parser and the checks of
 * a large or hostile file take seconds of CPU; on the daemon's own thread they
 * would hold back health checks, the reconcile loop and the API for as long.
 * The worker's heap has the same limit as the daemon's, so whatever
 * `anycastd validate` accepts is accepted here too; running out of it ends the
 * worker, not the daemon, and is reported as a problem like any other.
 */
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../package-root.js';
import { deepFreeze } from './deep-freeze.js';
import type { LoadResult } from './load.js';

export type ParseRequest = { file: string } | { text: string };

export interface OffThreadOptions {
  /** The worker's script; by default the built one, dist/config-worker.js. */
  workerFile?: string;
  /** The worker's heap limit; by default the daemon's own. */
  maxHeapMb?: number;
  /** A parse still running after this long is stopped and refused. */
  timeoutMs?: number;
}

/** Parses taking longer than this are stopped: far above a 10,000-service file in the kernel lab. */
export const PARSE_TIMEOUT_MS = 600_000;

export function defaultWorkerFile(): string {
  return join(packageRoot(), 'dist', 'config-worker.js');
}

export function loadOffThread(
  request: ParseRequest,
  options: OffThreadOptions = {},
): Promise<LoadResult> {
  const maxHeapMb =
    options.maxHeapMb ?? Math.ceil(getHeapStatistics().heap_size_limit / (1024 * 1024));
  const timeoutMs = options.timeoutMs ?? PARSE_TIMEOUT_MS;
  const refused = (message: string): LoadResult => ({ issues: [{ path: '', message }] });
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(options.workerFile ?? defaultWorkerFile(), {
        workerData: request,
        resourceLimits: { maxOldGenerationSizeMb: maxHeapMb },
      });
    } catch (err) {
      resolve(refused(`cannot start the configuration parser: ${(err as Error).message}`));
      return;
    }
    const timer = setTimeout(() => {
      settle(refused(`parsing took longer than ${timeoutMs / 1000} s and was stopped`));
      void worker.terminate();
    }, timeoutMs);
    let settled = false;
    const settle = (r: LoadResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    worker.once('message', (r: LoadResult) => {
      settle(r.config ? { ...r, config: deepFreeze(r.config) } : r);
      void worker.terminate();
    });
    worker.once('error', (err: Error & { code?: string }) => {
      settle(
        refused(
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? `parsing needs more than ${maxHeapMb} MiB of memory (the parser's limit)`
            : `the configuration parser failed: ${err.message}`,
        ),
      );
    });
    worker.once('exit', (code) => {
      settle(refused(`the configuration parser ended (exit ${code}) without a result`));
    });
  });
}
