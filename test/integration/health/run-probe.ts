/** Runs one check from user-shaped input, on loopback unless told otherwise. */
import type { ProbeResult } from '../../../src/health/probe.js';
import { runOnce } from '../../../src/health/run-once.js';
import { parseCheckOrThrow } from '../../../src/health/spec.js';

export function probeOnce(input: Record<string, unknown>): Promise<ProbeResult & { ms: number }> {
  return runOnce(
    parseCheckOrThrow({ address: '127.0.0.1', interval: '5s', timeout: '1s', ...input }),
  );
}
