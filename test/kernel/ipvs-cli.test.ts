import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anycastd } from '../lab/cli.js';
import { useIpvs } from './ipvs-fixture.js';

const RULES = `# web tier
-A -t 192.0.2.10:80 -s mh -b mh-port
-a -t 192.0.2.10:80 -r 10.0.0.1:80 -g -w 1
-a -t 192.0.2.10:80 -r 10.0.0.2 -g -w 2

-a -t 192.0.2.10:80 -r 10.0.0.3:80 -g -w 0
-a -t 192.0.2.10:80 -r 3405803877:80 -g -w 70000
-A -u 192.0.2.10:53 -s rr -o
-a -u 192.0.2.10:53 -r 10.0.0.4:5353 -m
-A -t [2001:db8::10]:443 -s wlc -p 600 -M 64
-a -t [2001:db8::10]:443 -r [2001:db8::2]:443 -g
-A -f 7 -s sh -b sh-fallback
-a -f 7 -r 10.0.0.5:0 -i --tun-type gue --tun-port 6080 --tun-remcsum
`;

const SAVED = `-A -t 192.0.2.10:80 -s mh -b mh-port
-a -t 192.0.2.10:80 -r 203.0.113.101:80 -g -w 70000
-a -t 192.0.2.10:80 -r 10.0.0.1:80 -g -w 1
-a -t 192.0.2.10:80 -r 10.0.0.2:80 -g -w 2
-a -t 192.0.2.10:80 -r 10.0.0.3:80 -g -w 0
-A -u 192.0.2.10:53 -s rr -o
-a -u 192.0.2.10:53 -r 10.0.0.4:5353 -m -w 1
-A -t [2001:db8::10]:443 -s wlc -p 600 -M 64
-a -t [2001:db8::10]:443 -r [2001:db8::2]:443 -g -w 1
-A -f 7 -s sh -b sh-fallback
-a -f 7 -r 10.0.0.5:0 -i -w 1 --tun-type gue --tun-port 6080 --tun-remcsum
`;

describe('anycastd ipvs commands against the kernel', () => {
  const t = useIpvs();
  const run = (...argv: string[]) => anycastd([...argv, '--netns', t().ns.name]);
  const runStdin = (stdin: string, ...argv: string[]) =>
    anycastd([...argv, '--netns', t().ns.name], stdin);

  it('restore applies rules from stdin; save and list print what ipvsadm prints', async () => {
    const { ipvsadm } = t();
    const restored = await runStdin(RULES, 'ipvs', 'restore');
    expect(restored.stderr).toMatch(/^restore: 11 of 11 operations applied in \d+\.\d\d s\n$/);
    expect(restored.code).toBe(0);
    expect(await ipvsadm('-S', '-n')).toBe(SAVED);
    expect((await run('ipvs', 'save', '-n')).stdout).toBe(SAVED);
    for (const variant of [
      ['-n'],
      ['-n', '--stats'],
      ['-n', '--tun-info'],
      ['-n', '--thresholds'],
      [],
    ]) {
      expect((await run('ipvs', 'list', ...variant)).stdout).toBe(await ipvsadm('-L', ...variant));
    }
    expect((await run('ipvs', 'list', '-n', '-t', '192.0.2.10:80')).stdout).toBe(
      await ipvsadm('-L', '-n', '-t', '192.0.2.10:80'),
    );
    expect((await run('ipvs', 'list', '-n', '-f', '7')).stdout).toBe(
      await ipvsadm('-L', '-n', '-f', '7'),
    );
    expect((await run('ipvs', 'list', '--timeout')).stdout).toBe(await ipvsadm('-L', '--timeout'));
  });

  it('restore reads a file, and what save writes restores to the same table', async () => {
    const { ipvs, ipvsadm } = t();
    const dir = mkdtempSync(join(tmpdir(), 'anycastd-rules-'));
    writeFileSync(join(dir, 'rules'), RULES);
    expect((await run('ipvs', 'restore', join(dir, 'rules'), '--quiet')).code).toBe(0);
    const saved = (await run('ipvs', 'save', '-n')).stdout;
    await ipvs.flush();
    expect((await runStdin(saved, 'ipvs', 'restore', '-q')).code).toBe(0);
    expect(await ipvsadm('-S', '-n')).toBe(SAVED);
  });

  it('refuses the whole input when a line is wrong, naming each line', async () => {
    const { ipvsadm } = t();
    const bad = `-A -t 192.0.2.10:80 -s rr
-a -t 192.0.2.10:80 -r 10.0.0.1 -w 2147483648
-A -t 192.0.2.11:80 -s fastest
-a -t 192.0.2.10:80 -r 3405803877
-A -t 10.0.0.300:80
-a -t 192.0.2.10:80 -r 10.0.0.2 -m --tun-type gue
-Q
`;
    const r = await runStdin(bad, 'ipvs', 'restore');
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      [
        'stdin:2: -w weight: 2147483648 is not in 0..2147483647',
        'stdin:3: service.scheduler: "fastest" is not one of rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh twos',
        'stdin:4: -r: "3405803877" is not an address (a number alone is not one)',
        'stdin:5: -t: "10.0.0.300:80" is not an address (or a host name that resolves)',
        'stdin:6: tunnel options need -i (tunnelling)',
        'stdin:7: unknown option -Q',
        'anycastd: 6 lines refused; nothing was applied',
        '',
      ].join('\n'),
    );
    expect(await ipvsadm('-S', '-n')).toBe('');
  });

  it('reports operations the kernel refuses by line, keeps the rest', async () => {
    const { ipvsadm } = t();
    const rules = `-A -t 192.0.2.10:80 -s rr
-A -t 192.0.2.10:80 -s rr
-a -t 192.0.2.10:80 -r 10.0.0.1:80
-d -t 192.0.2.10:80 -r 10.0.0.9:80
`;
    const r = await runStdin(rules, 'ipvs', 'restore');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'stdin:2: add service TCP 192.0.2.10:80: EEXIST (service already exists)\n',
    );
    expect(r.stderr).toContain(
      'stdin:4: delete destination 10.0.0.9:80 from TCP 192.0.2.10:80: ENOENT (no such destination)\n',
    );
    expect(r.stderr).toContain('restore: 2 of 4 operations applied');
    expect(await ipvsadm('-S', '-n')).toBe(
      '-A -t 192.0.2.10:80 -s rr\n-a -t 192.0.2.10:80 -r 10.0.0.1:80 -g -w 1\n',
    );
  });

  it('checks without applying on --dry-run', async () => {
    const { ipvsadm } = t();
    const r = await runStdin(RULES, 'ipvs', 'restore', '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('restore: 11 operations checked, none applied (dry run)\n');
    expect(await ipvsadm('-S', '-n')).toBe('');
  });

  it('says when a service or a namespace does not exist', async () => {
    const missing = await run('ipvs', 'list', '-n', '-t', '192.0.2.99:80');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('anycastd: No such service\n');
    const nons = await anycastd(['ipvs', 'list', '-n', '--netns', 'no-such-namespace']);
    expect(nons.code).toBe(4);
    expect(nons.stderr).toMatch(
      /network namespace no-such-namespace: cannot open \/run\/netns\/no-such-namespace \(ENOENT\)/,
    );
    const usage = await run('ipvs', 'list', '-t', '192.0.2.1:80', '--timeout');
    expect(usage.code).toBe(2);
  });
});
