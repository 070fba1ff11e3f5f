/**
 * Parsing a configuration in a worker thread, for the running daemon (reload
 * by SIGHUP or the API, and the API's plan). The YAML parser and the checks of
 * a large or hostile file take seconds of CPU; on the daemon's own thread they
 * would hold back health checks, the reconcile loop and the API for as long.
 * The worker's heap has the same limit as the daemon's, so whatever
 * `anycastd validate` accepts is accepted here too; running out of it ends the
 * worker, not the daemon, and is reported as a problem like any other.
 *
 * The worker is kept between parses: starting one loads the whole parser
 * (in the kernel lab about 2.7 s of a 3.4 s reload of 100 services). A parse
 * that refuses the file, runs out of memory or runs past its deadline ends it,
 * and the next parse starts another. Parses run one at a time, in the order asked.
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

/** A parse request as the worker receives it. */
export interface WorkerRequest {
  id: number;
  request: ParseRequest;
}

/** The worker's answer. */
export interface WorkerReply {
  id: number;
  result: LoadResult;
}

interface Kept {
  worker: Worker;
  file: string;
  maxHeapMb: number;
  /** Set while a parse is out: the worker's end answers it. */
  pending: ((r: LoadResult) => void) | undefined;
  gone: boolean;
}

let kept: Kept | undefined;
let nextId = 1;
let queue: Promise<unknown> = Promise.resolve();

const refused = (message: string): LoadResult => ({ issues: [{ path: '', message }] });

function spawn(file: string, maxHeapMb: number): Kept {
  const worker = new Worker(file, { resourceLimits: { maxOldGenerationSizeMb: maxHeapMb } });
  const k: Kept = { worker, file, maxHeapMb, pending: undefined, gone: false };
  // Idle, it never keeps the process alive; it is referenced while a parse is out.
  worker.unref();
  const end = (r: LoadResult) => {
    k.gone = true;
    if (kept === k) kept = undefined;
    const p = k.pending;
    k.pending = undefined;
    p?.(r);
  };
  worker.on('error', (err: Error & { code?: string }) =>
    end(
      refused(
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `parsing needs more than ${maxHeapMb} MiB of memory (the parser's limit)`
          : `the configuration parser failed: ${err.message}`,
      ),
    ),
  );
  worker.on('exit', (code) =>
    end(refused(`the configuration parser ended (exit ${code}) without a result`)),
  );
  return k;
}

/** Starts the parser now, so that the first reload does not wait for it to load. */
export function prewarmParser(options: OffThreadOptions = {}): void {
  const file = options.workerFile ?? defaultWorkerFile();
  const maxHeapMb = options.maxHeapMb ?? defaultHeapMb();
  if (kept && !kept.gone && kept.file === file && kept.maxHeapMb === maxHeapMb) return;
  try {
    kept = spawn(file, maxHeapMb);
  } catch {
    // The first parse says why.
  }
}

function defaultHeapMb(): number {
  return Math.ceil(getHeapStatistics().heap_size_limit / (1024 * 1024));
}

export function loadOffThread(
  request: ParseRequest,
  options: OffThreadOptions = {},
): Promise<LoadResult> {
  const next = queue.then(() => parseOnce(request, options));
  queue = next.catch(() => undefined);
  return next;
}

function parseOnce(request: ParseRequest, options: OffThreadOptions): Promise<LoadResult> {
  const file = options.workerFile ?? defaultWorkerFile();
  const maxHeapMb = options.maxHeapMb ?? defaultHeapMb();
  const timeoutMs = options.timeoutMs ?? PARSE_TIMEOUT_MS;
  if (kept && (kept.gone || kept.file !== file || kept.maxHeapMb !== maxHeapMb)) {
    void kept.worker.terminate();
    kept = undefined;
  }
  if (!kept) {
    try {
      kept = spawn(file, maxHeapMb);
    } catch (err) {
      return Promise.resolve(
        refused(`cannot start the configuration parser: ${(err as Error).message}`),
      );
    }
  }
  const k = kept;
  const id = nextId++;
  return new Promise<LoadResult>((resolve) => {
    let settled = false;
    const settle = (r: LoadResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      k.worker.off('message', onMessage);
      k.pending = undefined;
      if (!k.gone) k.worker.unref();
      resolve(r);
    };
    const timer = setTimeout(() => {
      settle(refused(`parsing took longer than ${timeoutMs / 1000} s and was stopped`));
      k.gone = true;
      if (kept === k) kept = undefined;
      void k.worker.terminate();
    }, timeoutMs);
    const onMessage = (reply: WorkerReply) => {
      if (reply.id !== id) return;
      const r = reply.result;
      settle(r.config ? { ...r, config: deepFreeze(r.config) } : r);
      // A refused file (perhaps a hostile one) leaves its garbage in the thread's
      // heap: that thread is ended; the one that read a good file is kept.
      if (!r.config) {
        k.gone = true;
        if (kept === k) kept = undefined;
        void k.worker.terminate();
      }
    };
    k.pending = settle;
    k.worker.on('message', onMessage);
    k.worker.ref();
    k.worker.postMessage({ id, request } satisfies WorkerRequest);
  });
}
