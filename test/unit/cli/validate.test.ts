import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anycastd } from '../../lab/cli.js';

const cli = (...argv: string[]) => anycastd(argv);

describe('anycastd validate', () => {
  it('says what a valid file declares, exit 0', async () => {
    const r = await cli('validate', '--config', 'examples/anycastd.yaml');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'examples/anycastd.yaml: valid — director lb-fra-1, 3 VIPs, 3 services (5 IPVS services), 7 real servers, 2 BGP peers\n',
    );
    const json = await cli('validate', '-c', 'examples/anycastd.yaml', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: true, realServers: 7, peers: 2 });
  });

  it('lists every problem with its line, exit 3', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'acd-validate-')), 'bad.yaml');
    writeFileSync(
      file,
      [
        'director: {name: lb1, router_id: 192.0.2.11}',
        'bgp: {asn: 65001, peers: [{address: 192.0.2.1, asn: 65000}]}',
        'services:',
        '  - name: web',
        '    vip: 198.51.100.10',
        '    ports: [{port: 80}]',
        '    reals:',
        '      - address: 10.1.0.1',
        '      - address: 10.1.0.1',
        '    announce: {min_healthy: 3}',
      ].join('\n'),
    );
    const r = await cli('validate', '--config', file);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      `${file}: 2 problems\n` +
        '  services[0].reals[1].address (line 9): 10.1.0.1 is already services[0].reals[0]\n' +
        '  services[0].announce.min_healthy (line 10): 3 healthy real servers can never be met: services[0] has 2\n',
    );
    const json = await cli('validate', '--config', file, '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({
      valid: false,
      issues: [{ line: 9 }, { line: 10 }],
    });
  });

  it('warns about valid settings known to hurt, with their lines, and still exits 0', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'acd-validate-')), 'warn.yaml');
    writeFileSync(
      file,
      [
        'director: {name: lb1, router_id: 192.0.2.11}',
        'ipvs_sysctls: {sloppy_tcp: 0}',
        'bgp: {asn: 65001, peers: [{address: 192.0.2.1, asn: 65000}]}',
        'services:',
        '  - name: web',
        '    vip: 198.51.100.10',
        '    ports: [{port: 80}]',
        '    scheduler: mh',
        '    reals: [{address: 10.1.0.1}]',
      ].join('\n'),
    );
    const r = await cli('validate', '--config', file);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(
        `^${file}: warning: ipvs_sysctls\\.sloppy_tcp \\(line 2\\): is 0 while service web hashes with mh`,
      ),
    );
    expect(r.stdout).toContain('1 BGP peers, 1 warning\n');
    const json = await cli('validate', '--config', file, '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({
      valid: true,
      warnings: [{ path: 'ipvs_sysctls.sloppy_tcp', line: 2 }],
    });
  });

  it('refuses an unreadable file (3), and reads /etc/anycastd/anycastd.yaml without --config', async () => {
    const r = await cli('validate', '--config', '/nonexistent.yaml');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('cannot read /nonexistent.yaml: ENOENT');
    const u = await cli('validate');
    // Where the package is installed, the file is there and is what gets read.
    if (existsSync('/etc/anycastd/anycastd.yaml'))
      expect(u.stdout + u.stderr).toContain('/etc/anycastd/anycastd.yaml');
    else {
      expect(u.code).toBe(3);
      expect(u.stderr).toContain('cannot read /etc/anycastd/anycastd.yaml: ENOENT');
    }
  });

  it('prints the JSON Schema', async () => {
    const r = await cli('validate', '--schema');
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout) as {
      properties: Record<string, unknown>;
      required: string[];
    };
    expect(Object.keys(schema.properties)).toEqual([
      'director',
      'api',
      'metrics',
      'resync_interval',
      'ipvs_sysctls',
      'ipvs_timeouts',
      'state_file',
      'notify',
      'bgp',
      'defaults',
      'services',
      'include',
    ]);
    expect(schema.required).toEqual(['director', 'bgp', 'services']);
  });
});
