/**
 * The parsing worker's entry point (dist/config-worker.js): reads and parses
 * one configuration and posts the result back. It runs in a worker thread so
 * that a slow or hostile configuration costs that thread, never the daemon's
 * event loop (src/config/load-off-thread.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadConfigFile, parseConfigText } from './load.js';
import type { ParseRequest } from './load-off-thread.js';

const request = workerData as ParseRequest;
const result =
  'file' in request ? await loadConfigFile(request.file) : parseConfigText(request.text);
parentPort?.postMessage(result);
