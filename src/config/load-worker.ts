/**
 * The parsing worker's entry point (dist/config-worker.js): reads and parses
 * each configuration it is sent and posts the result back. It runs in a worker thread so
 * that a slow or hostile configuration costs that thread, never the daemon's
 * event loop (src/config/load-off-thread.ts).
 */
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { loadConfigFile, parseConfigText } from './load.js';
import type { WorkerReply, WorkerRequest } from './load-off-thread.js';

// Parsing is background work next to health checks: on Linux the nice value
// belongs to the thread (pid 0 is the calling one), so only this one yields.
// At nice 10 instead, checks ran up to 200 ms late (p99) while hostile files
// were refused one after another on an oversubscribed machine (BENCHMARKS.md).
try {
  setPriority(0, 19);
} catch {
  // Not allowed here: parse at the daemon's own priority.
}
// Kept between parses: one request at a time, each answered with its id.
parentPort?.on('message', (message: WorkerRequest) => {
  void (async () => {
    const { id, request } = message;
    const result =
      'file' in request ? await loadConfigFile(request.file) : parseConfigText(request.text);
    // The expanded document is for `plan` to send; the daemon has no use for a second copy.
    if (result.config) delete result.expanded;
    parentPort?.postMessage({ id, result } satisfies WorkerReply);
  })();
});
