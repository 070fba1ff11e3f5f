/** /proc/net/ip_vs_conn lines in, `ipvsadm -L -c` lines out. */
import { describe, expect, it } from 'vitest';
import { parseConnectionLine } from '../../../src/ipvs/connections.js';
import { connectionLine, connectionsHead } from '../../../src/ipvs/ipvsadm/connections.js';
import { numericNames, type Names } from '../../../src/ipvs/ipvsadm/names.js';

const V4 = 'TCP C0A80006 C816 AC100064 01BB 0A000011 01BB ESTABLISHED    847';
const V6 =
  'UDP 2001:0db8:0000:0000:0000:0000:0000:0001 D431 2001:0db8:0000:0000:0000:0000:0000:00aa 0035 2001:0db8:0000:0000:0000:0000:0001:0002 0035 UDP             59';
const PE =
  'UDP C0A80006 13C4 AC100064 13C4 0A000011 13C4 UDP             120 sip 3a6b2d1c@example.org';

describe('parseConnectionLine', () => {
  it('reads an IPv4 entry: hex addresses and ports, state, seconds left', () => {
    expect(parseConnectionLine(V4)).toEqual({
      protocol: 'TCP',
      family: 'ipv4',
      client: '192.168.0.6',
      clientPort: 51222,
      virtual: '172.16.0.100',
      virtualPort: 443,
      destFamily: 'ipv4',
      dest: '10.0.0.17',
      destPort: 443,
      state: 'ESTABLISHED',
      expires: 847,
      peName: undefined,
      peData: undefined,
    });
  });

  it('reads IPv6 entries in the full form and canonicalizes them', () => {
    expect(parseConnectionLine(V6)).toMatchObject({
      family: 'ipv6',
      client: '2001:db8::1',
      virtual: '2001:db8::aa',
      virtualPort: 53,
      dest: '2001:db8::1:2',
    });
  });

  it('keeps the persistence engine name and data', () => {
    expect(parseConnectionLine(PE)).toMatchObject({
      peName: 'sip',
      peData: '3a6b2d1c@example.org',
    });
  });

  it('skips the heading and what it cannot read', () => {
    expect(
      parseConnectionLine(
        'Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData',
      ),
    ).toBeUndefined();
    expect(parseConnectionLine('TCP C0A8 C816 AC100064 01BB 0A000011 01BB NONE 1')).toBeUndefined();
    expect(parseConnectionLine('')).toBeUndefined();
  });
});

describe('ipvsadm -L -c format', () => {
  it('prints the heading and lines with ipvsadm widths', () => {
    expect(connectionsHead(false)).toBe(
      'IPVS connection entries\n' +
        'pro expire state       source             virtual            destination\n',
    );
    const c = parseConnectionLine(V4);
    if (!c) throw new Error('unparsed');
    expect(connectionLine(c, false, numericNames, true)).toBe(
      'TCP 14:07  ESTABLISHED 192.168.0.6:51222  172.16.0.100:443   10.0.0.17:443\n',
    );
  });

  it('brackets IPv6 addresses and prints minutes past an hour as they come', () => {
    const c = parseConnectionLine(V6);
    if (!c) throw new Error('unparsed');
    expect(connectionLine({ ...c, expires: 7384 }, false, numericNames, true)).toBe(
      'UDP 123:04 UDP         [2001:db8::1]:54321 [2001:db8::aa]:53  [2001:db8::1:2]:53\n',
    );
  });

  it('adds the persistence engine columns with --persistent-conn', () => {
    expect(connectionsHead(true).split('\n')[1]).toBe(
      'pro expire state       source             virtual            destination        pe name          pe_data',
    );
    const c = parseConnectionLine(PE);
    if (!c) throw new Error('unparsed');
    expect(connectionLine(c, true, numericNames, true)).toBe(
      'UDP 02:00  UDP         192.168.0.6:5060   172.16.0.100:5060  10.0.0.17:5060   sip                3a6b2d1c@example.org\n',
    );
  });

  it('prints entries without an engine as without --persistent-conn', () => {
    const c = parseConnectionLine(V4);
    if (!c) throw new Error('unparsed');
    expect(connectionLine(c, true, numericNames, true)).toBe(
      connectionLine(c, false, numericNames, true),
    );
  });

  it('uses host and service names when not numeric', () => {
    const names: Names = {
      host: (_f, a) => (a === '10.0.0.17' ? 'web1.example' : undefined),
      port: (p, proto) => (p === 443 && proto === 'tcp' ? 'https' : undefined),
      portOf: () => undefined,
    };
    const c = parseConnectionLine(V4);
    if (!c) throw new Error('unparsed');
    expect(connectionLine(c, false, names, false)).toBe(
      'TCP 14:07  ESTABLISHED 192.168.0.6:51222  172.16.0.100:https web1.example:https\n',
    );
  });
});
