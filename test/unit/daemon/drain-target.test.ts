import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigOrThrow } from '../../../src/config/parse.js';
import { applyDrain, resolveDrainTarget } from '../../../src/daemon/drain-target.js';
import { NO_DRAINS } from '../../../src/daemon/health-view.js';
import { loadDrains, saveDrains } from '../../../src/daemon/state-file.js';

const config = parseConfigOrThrow({
  director: { name: 'lb1', router_id: '192.0.2.11' },
  bgp: { asn: 65001, peers: [{ address: '192.0.2.1', asn: 65000 }] },
  services: [
    {
      name: 'web',
      vip: '198.51.100.10',
      ports: [{ port: 80 }, { port: 443 }],
      reals: [{ address: '10.1.0.1' }],
    },
    {
      name: 'v6',
      vip: '2001:db8::10',
      ports: [{ port: 80 }],
      reals: [{ address: '2001:db8:1::1' }],
    },
  ],
});

describe('drain targets', () => {
  it.each([
    ['director', { kind: 'director' }],
    ['198.51.100.10', { kind: 'vip', vip: '198.51.100.10' }],
    ['2001:DB8::10', { kind: 'vip', vip: '2001:db8::10' }],
    ['web', { kind: 'service', name: 'web' }],
    ['198.51.100.10:443', { kind: 'service', name: 'web' }],
    ['[2001:db8::10]:80', { kind: 'service', name: 'v6' }],
    ['10.1.0.1', { kind: 'real', address: '10.1.0.1' }],
  ])('%s', (text, want) => {
    expect(resolveDrainTarget(text, config)).toEqual(want);
  });

  it.each([
    ['10.9.9.9', '10.9.9.9 is neither a VIP nor a real server of this configuration'],
    ['198.51.100.10:8080', 'no service listens on 198.51.100.10:8080'],
    [
      'nope',
      '"nope" is not "director", a VIP, a service (name or VIP:PORT) or a real server address',
    ],
  ])('refuses %s', (text, message) => {
    expect(resolveDrainTarget(text, config)).toBe(message);
  });

  it('drains and undrains exactly one target, and survives a restart through the state file', async () => {
    let d = applyDrain(NO_DRAINS, { kind: 'real', address: '10.1.0.1' }, true);
    d = applyDrain(d, { kind: 'director' }, true);
    d = applyDrain(d, { kind: 'service', name: 'web' }, true);
    d = applyDrain(d, { kind: 'director' }, false);
    expect(d.director).toBe(false);
    expect([...d.reals, ...d.services]).toEqual(['10.1.0.1', 'web']);
    const file = join(mkdtempSync(join(tmpdir(), 'acd-state-')), 'sub', 'state.json');
    expect(await loadDrains(file)).toEqual(NO_DRAINS);
    await saveDrains(file, d);
    const back = await loadDrains(file);
    expect([...back.reals]).toEqual(['10.1.0.1']);
    expect([...back.services]).toEqual(['web']);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ version: 1 });
    writeFileSync(file, '{"hello": 1}');
    await expect(loadDrains(file)).rejects.toThrow(/not an anycastd state file/);
  });
});
