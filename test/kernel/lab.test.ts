import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run } from '../lab/exec.js';
import { useNetnsLab } from '../lab/vitest.js';

describe('kernel lab', () => {
  const lab = useNetnsLab();

  it('runs on a kernel with IPVS loaded', () => {
    expect(readFileSync('/proc/modules', 'utf8')).toMatch(/^ip_vs /m);
    expect(readFileSync('/proc/net/ip_vs', 'utf8')).toContain('IP Virtual Server version');
  });

  it('creates an IPVS service with ipvsadm in a namespace and reads it back', async () => {
    const ns = await lab().namespace('t');
    await ns.run('ipvsadm', ['-A', '-t', '192.0.2.10:80', '-s', 'rr']);
    await ns.run('ipvsadm', [
      '-a',
      '-t',
      '192.0.2.10:80',
      '-r',
      '198.51.100.1:80',
      '-g',
      '-w',
      '3',
    ]);
    const saved = await ns.run('ipvsadm', ['-S', '-n']);
    expect(saved.stdout).toBe(
      '-A -t 192.0.2.10:80 -s rr\n-a -t 192.0.2.10:80 -r 198.51.100.1:80 -g -w 3\n',
    );
  });

  it('gives every test an empty IPVS table of its own', async () => {
    const first = await lab().namespace('one');
    const second = await lab().namespace('two');
    await first.run('ipvsadm', ['-A', '-u', '192.0.2.53:53', '-s', 'wrr']);
    expect((await second.run('ipvsadm', ['-S', '-n'])).stdout).toBe('');
    // The namespace the test runner lives in is untouched as well.
    expect((await run('ipvsadm', ['-S', '-n'])).stdout).toBe('');
  });
});
