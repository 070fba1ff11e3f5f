/**
 * A fleet on real packets, through the demo's own steps (test/lab/demo.ts):
 * two directors running anycastd announce the VIP to a BIRD router with ECMP
 * and forward client connections over direct routing to three real servers;
 * a real server dies and is drained, a director is cut off and dropped by the
 * router, both come back, and anycastd stops cleanly.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requirePrograms } from '../lab/bgp-fabric.js';
import { runDemo } from '../lab/demo.js';
import { useNetnsLab } from '../lab/vitest.js';

describe('a fleet: ECMP over directors, direct routing to real servers', () => {
  const lab = useNetnsLab();
  beforeAll(requirePrograms);

  it('passes every step of the fleet demo', async () => {
    const lines: string[] = [];
    const result = await runDemo(lab(), {
      main: join(process.cwd(), 'dist/main.js'),
      print: (line) => lines.push(line),
    });
    const failed = result.steps.filter((s) => !s.ok).map((s) => s.title);
    expect(failed, lines.join('\n')).toEqual([]);
    expect(result.steps.map((s) => s.ok)).toEqual(Array<boolean>(9).fill(true));
    // The router dropped the cut-off director within its hold time (3 s) plus polling.
    const cut = result.steps.find((s) => s.title.includes('is cut off'));
    const dropped = Number(
      /after ([\d.]+) s \(BGP hold time/.exec(cut?.detail.join('\n') ?? '')?.[1],
    );
    expect(dropped, lines.join('\n')).toBeLessThan(5);
  });
});
