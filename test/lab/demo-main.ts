/**
 * The fleet demo's program: node .lab/bench-build/test/lab/demo-main.js
 * [--directors N] [--reals N] [--requests N] [--logs DIR]. It needs a kernel with IPVS;
 * scripts/demo boots one (user-mode Linux) when the host has none.
 * Exit code: 0 when every step passed, 1 when one failed, 2 for bad usage,
 * 4 when something it needs is missing.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { requirePrograms } from './bgp-fabric.js';
import { runDemo } from './demo.js';
import { run } from './exec.js';
import { NetnsLab } from './netns.js';

// This file runs from .lab/bench-build/test/lab/.
const MAIN = fileURLToPath(new URL('../../../../dist/main.js', import.meta.url));

function count(
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
) {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`demo: --${name} ${value}: use a whole number from ${min} to ${max}`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        directors: { type: 'string' },
        reals: { type: 'string' },
        requests: { type: 'string' },
        logs: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  if (values.help) {
    console.log(
      'usage: demo [--directors 2..8] [--reals 3..9] [--requests 20..1000] [--logs DIR]\n' +
        "  --logs DIR  write each director's anycastd log to DIR/DIRECTOR.log",
    );
    return 0;
  }
  const str = (k: string) => (typeof values[k] === 'string' ? values[k] : undefined);
  const directors = count('directors', str('directors'), 2, 2, 8);
  const reals = count('reals', str('reals'), 3, 3, 9);
  const requests = count('requests', str('requests'), 60, 20, 1000);

  try {
    await requirePrograms();
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run ./scripts/setup`);
    await run('modprobe', ['-q', 'ip_vs'], { allowFailure: true });
    if (!existsSync('/proc/net/ip_vs'))
      throw new Error('this kernel has no IPVS: run ./scripts/demo, which boots one that has');
  } catch (error) {
    console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
    return 4;
  }

  const lab = await NetnsLab.create();
  try {
    const result = await runDemo(lab, {
      main: MAIN,
      directors,
      reals,
      requests,
      logs: str('logs') === undefined ? undefined : resolve(str('logs') ?? ''),
      print: (line) => console.log(line),
    });
    const passed = result.steps.filter((s) => s.ok).length;
    console.log(
      result.ok
        ? `demo passed: ${passed} steps in ${(result.ms / 1000).toFixed(1)} s`
        : `demo FAILED at step ${passed + 1} ("${result.steps.at(-1)?.title ?? '?'}") after ${(result.ms / 1000).toFixed(1)} s`,
    );
    return result.ok ? 0 : 1;
  } finally {
    await lab.cleanup();
  }
}

process.exitCode = await main();
