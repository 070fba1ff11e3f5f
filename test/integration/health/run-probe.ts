/** Runs one probe the way the engine does: expire at the timeout, then close. */
import { ProbeRun, type ProbeResult } from '../../../src/health/probe.js';
import { createProbe } from '../../../src/health/probes/index.js';
import { parseCheckOrThrow } from '../../../src/health/spec.js';

export async function probeOnce(
  input: Record<string, unknown>,
): Promise<ProbeResult & { ms: number }> {
  const spec = parseCheckOrThrow({ address: '127.0.0.1', interval: '5s', timeout: '1s', ...input });
  const probe = createProbe(spec.probe);
  const run = new ProbeRun(spec.timing.timeoutMs);
  const timer = setTimeout(() => run.expire(), run.timeoutMs);
  const started = performance.now();
  try {
    const result = await probe.run(run);
    return { ...result, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
    probe.close();
  }
}
