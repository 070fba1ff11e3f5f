/**
 * The fleet demo's steps with the installed program on both directors: the
 * package's /usr/bin/anycastd (its runtime is checked in install.test.ts and
 * systemd.test.ts), not the build tree.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { requirePrograms } from '../lab/bgp-fabric.js';
import { ensureInstalled } from '../lab/deb.js';
import { runDemo } from '../lab/demo.js';
import { useNetnsLab } from '../lab/vitest.js';

describe('a fleet whose directors run the installed package', () => {
  const lab = useNetnsLab();
  beforeAll(async () => {
    await requirePrograms();
    await ensureInstalled();
  });

  it('passes every step of the fleet demo', async () => {
    const lines: string[] = [];
    const result = await runDemo(lab(), {
      main: '/usr/bin/anycastd',
      print: (line) => lines.push(line),
    });
    const failed = result.steps.filter((s) => !s.ok).map((s) => s.title);
    expect(failed, lines.join('\n')).toEqual([]);
    expect(result.steps.map((s) => s.ok)).toEqual(Array<boolean>(9).fill(true));
  });
});
