import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as C from '../../../src/ipvs/codec/constants.js';

const HEADER = '/usr/include/linux/ip_vs.h';

/** Every enum member and numeric #define of the uapi header, by name. */
function readHeader(): Map<string, number> {
  if (!existsSync(HEADER)) {
    throw new Error(`${HEADER} is missing: apt-get install -y linux-libc-dev`);
  }
  const text = readFileSync(HEADER, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  const values = new Map<string, number>();
  for (const m of text.matchAll(/#define\s+(\w+)\s+\(?\s*(0x[0-9a-fA-F]+|\d+)\s*\)?\s*$/gm)) {
    values.set(m[1] as string, Number(m[2]));
  }
  for (const m of text.matchAll(/#define\s+(\w+)\s+\(\s*1\s*<<\s*(\d+)\s*\)/g)) {
    values.set(m[1] as string, 1 << Number(m[2]));
  }
  for (const block of text.matchAll(/enum\s*\{([^}]*)\}/g)) {
    let next = 0;
    for (const raw of (block[1] as string).split(',')) {
      const entry = raw.trim();
      if (!entry) continue;
      const [name, value] = entry.split('=').map((s) => s.trim()) as [string, string | undefined];
      next = value === undefined ? next : Number(value);
      values.set(name, next);
      next += 1;
    }
  }
  return values;
}

describe('IPVS constants', () => {
  const header = readHeader();
  const groups: [string, Record<string, number>][] = [
    ['IPVS_CMD_', C.IPVS_CMD],
    ['IPVS_CMD_ATTR_', C.IPVS_CMD_ATTR],
    ['IPVS_SVC_ATTR_', C.IPVS_SVC_ATTR],
    ['IPVS_DEST_ATTR_', C.IPVS_DEST_ATTR],
    ['IPVS_DAEMON_ATTR_', C.IPVS_DAEMON_ATTR],
    ['IPVS_STATS_ATTR_', C.IPVS_STATS_ATTR],
    ['IPVS_INFO_ATTR_', C.IPVS_INFO_ATTR],
    ['IP_VS_SVC_F_', C.IP_VS_SVC_F],
    ['IP_VS_CONN_F_', C.IP_VS_CONN_F],
    ['IP_VS_CONN_F_TUNNEL_TYPE_', C.IP_VS_CONN_F_TUNNEL_TYPE],
    ['IP_VS_TUNNEL_ENCAP_FLAG_', C.IP_VS_TUNNEL_ENCAP_FLAG],
    ['IP_VS_STATE_', C.IP_VS_STATE],
  ];

  it.each(groups)('%s* match linux/ip_vs.h', (prefix, ours) => {
    for (const [name, value] of Object.entries(ours)) {
      expect({ name: prefix + name, value }).toEqual({
        name: prefix + name,
        value: header.get(prefix + name),
      });
    }
  });

  it('knows the genetlink family name, version and name lengths', () => {
    expect(header.get('IPVS_GENL_VERSION')).toBe(C.IPVS_GENL_VERSION);
    expect(readFileSync(HEADER, 'utf8')).toContain(
      `#define IPVS_GENL_NAME\t\t"${C.IPVS_GENL_NAME}"`,
    );
    expect(header.get('IP_VS_SCHEDNAME_MAXLEN')).toBe(C.IP_VS_SCHEDNAME_MAXLEN);
    expect(header.get('IP_VS_PENAME_MAXLEN')).toBe(C.IP_VS_PENAME_MAXLEN);
    expect(header.get('IP_VS_IFNAME_MAXLEN')).toBe(C.IP_VS_IFNAME_MAXLEN);
  });
});
