/**
 * One run of a check outside the engine (the `check` command, tests): the
 * probe is created, run with its timeout enforced as the engine enforces it,
 * and closed.
 */
import { type ProbeResult, ProbeRun } from './probe.js';
import { createProbe } from './probes/index.js';
import type { CheckSpec } from './spec.js';

export async function runOnce(spec: CheckSpec): Promise<ProbeResult & { ms: number }> {
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
