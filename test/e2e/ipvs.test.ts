import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../lab/exec.js';
import { useNetnsLab } from '../lab/vitest.js';

const bin = join(process.cwd(), 'dist/main.js');

const RULES = `-A -t 192.0.2.10:80 -s mh -b mh-port
-a -t 192.0.2.10:80 -r 10.0.0.1:80 -g -w 1
-a -t 192.0.2.10:80 -r 10.0.0.2:80 -g -w 2
-A -u [2001:db8::53]:53 -s rr
-a -u [2001:db8::53]:53 -r [2001:db8::1]:53 -m -w 3
`;

describe('anycastd ipvs, the installed program', () => {
  const lab = useNetnsLab();

  it('restores a rules file and prints the table as ipvsadm does', async () => {
    const ns = await lab().namespace('e2e');
    const dir = mkdtempSync(join(tmpdir(), 'anycastd-e2e-'));
    writeFileSync(join(dir, 'rules'), RULES);
    const restored = await ns.run(bin, ['ipvs', 'restore', join(dir, 'rules')]);
    expect(restored.stderr).toMatch(/^restore: 5 of 5 operations applied in /);
    const ipvsadm = (...args: string[]) => ns.run('ipvsadm', args).then((r) => r.stdout);
    expect((await ns.run(bin, ['ipvs', 'save', '-n'])).stdout).toBe(await ipvsadm('-S', '-n'));
    expect((await ns.run(bin, ['ipvs', 'list', '-n'])).stdout).toBe(await ipvsadm('-L', '-n'));
    // The same through --netns, from outside the namespace.
    expect((await run(bin, ['ipvs', 'list', '-n', '--stats', '--netns', ns.name])).stdout).toBe(
      await ipvsadm('-L', '-n', '--stats'),
    );
  });

  it('tells a user without CAP_NET_ADMIN what is missing, exit 4', async () => {
    const ns = await lab().namespace('noroot');
    const r = await ns.run(
      'setpriv',
      [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        '--inh-caps=-all',
        bin,
        'ipvs',
        'restore',
      ],
      { input: '-A -t 192.0.2.10:80 -s rr\n', allowFailure: true },
    );
    expect(r.stderr).toContain(
      'permission denied: IPVS needs root or the CAP_NET_ADMIN capability',
    );
    expect(r.code).toBe(4);
    expect((await ns.run('ipvsadm', ['-S', '-n'])).stdout).toBe('');
  });

  it('exits 3 and applies nothing when a rule is wrong', async () => {
    const ns = await lab().namespace('bad');
    const r = await ns.run(bin, ['ipvs', 'restore'], {
      input: '-A -t 192.0.2.10:80 -s rr\n-a -t 192.0.2.10:80 -r 10.0.0.1 -w 2147483648\n',
      allowFailure: true,
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('stdin:2: -w weight: 2147483648 is not in 0..2147483647');
    expect((await ns.run('ipvsadm', ['-S', '-n'])).stdout).toBe('');
  });
});
