/** `anycastd validate` as it ships: the built dist/main.js, on a configuration split by `include`. */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../lab/exec.js';

const MAIN = 'dist/main.js';

beforeAll(() => {
  if (!existsSync(MAIN))
    throw new Error(`${MAIN} is missing: run ./scripts/setup (it builds dist/)`);
});

function service(name: string, vip: string, reals: string[]): string {
  const r = reals.map((a) => `{address: ${a}}`).join(', ');
  return `  - name: ${name}\n    vip: ${vip}\n    ports: [{port: 80}]\n    reals: [${r}]\n`;
}

function splitConfig(aReals: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'acd-validate-include-'));
  mkdirSync(join(dir, 'services.d'));
  writeFileSync(
    join(dir, 'anycastd.yaml'),
    'director: {name: lb1, router_id: 192.0.2.11}\n' +
      'bgp: {asn: 65001, peers: [{address: 192.0.2.1, asn: 65000}]}\n' +
      'include: services.d/*.yaml\n' +
      `services:\n${service('main', '198.51.100.1', ['10.1.0.1'])}`,
  );
  writeFileSync(
    join(dir, 'services.d/b.yaml'),
    `services:\n${service('b', '198.51.100.3', ['10.1.0.1'])}`,
  );
  writeFileSync(
    join(dir, 'services.d/a.yaml'),
    `services:\n${service('a', '198.51.100.2', aReals)}`,
  );
  return join(dir, 'anycastd.yaml');
}

describe('anycastd validate (built) with include', () => {
  it('counts the services of every file and names the files in name order', async () => {
    const file = splitConfig(['10.1.0.1']);
    const text = await run(process.execPath, [MAIN, 'validate', '-c', file]);
    expect(text.stdout).toBe(
      `${file}: valid — director lb1, 3 VIPs, 3 services (3 IPVS services), 3 real servers, ` +
        '1 BGP peers, from 3 files (services.d/a.yaml, services.d/b.yaml)\n',
    );
    const json = await run(process.execPath, [MAIN, 'validate', '-c', file, '--json']);
    const r = JSON.parse(json.stdout) as { services: number; included: { file: string }[] };
    expect(r.services).toBe(3);
    expect(r.included.map((f) => f.file)).toEqual(['services.d/a.yaml', 'services.d/b.yaml']);
  });

  it('puts a problem in the included file, at its line there, exit 3', async () => {
    const file = splitConfig(['10.1.0.1', '10.1.0.1']);
    const r = await run(process.execPath, [MAIN, 'validate', '-c', file], { allowFailure: true });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      `${file}: 1 problem\n` +
        '  services[1].reals[1].address (services.d/a.yaml line 5): 10.1.0.1 is already services[1].reals[0]\n',
    );
  });
});
