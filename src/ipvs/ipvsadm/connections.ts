/**
 * `ipvsadm -L -c` (connection entries), byte for byte, pure: the heading and
 * one line per entry, with `--persistent-conn` the persistence engine's
 * columns too (on the entries that have an engine). Column widths are ipvsadm's, including the heading's widths
 * for the last columns, which differ from the lines' own.
 */
import type { Connection } from '../connections.js';
import type { Protocol } from '../model.js';
import { addrPort } from './format.js';
import type { Names } from './names.js';

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

export function connectionsHead(persistent: boolean): string {
  return (
    'IPVS connection entries\n' +
    (persistent
      ? `pro expire ${pad('state', 11)} ${pad('source', 18)} ${pad('virtual', 18)} ${pad('destination', 18)} ${pad('pe name', 16)} pe_data\n`
      : `pro expire ${pad('state', 11)} ${pad('source', 18)} ${pad('virtual', 18)} destination\n`)
  );
}

const PROTOCOLS: Record<string, Protocol> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };

export function connectionLine(
  c: Connection,
  persistent: boolean,
  names: Names,
  numeric: boolean,
): string {
  const proto = PROTOCOLS[c.protocol];
  const client = addrPort(names, numeric, c.family, c.client, c.clientPort, proto);
  const virtual = addrPort(names, numeric, c.family, c.virtual, c.virtualPort, proto);
  const dest = addrPort(names, numeric, c.destFamily, c.dest, c.destPort, proto);
  const m = Math.floor(c.expires / 60);
  const s = c.expires % 60;
  const expire = `${m < 10 ? '0' : ''}${m}:${s < 10 ? '0' : ''}${s}`;
  const head = `${pad(c.protocol, 3)} ${pad(expire, 6)} ${pad(c.state, 11)} ${pad(client, 18)} ${pad(virtual, 18)} `;
  // ipvsadm adds the engine's columns only to entries that have an engine.
  return persistent && c.peName !== undefined
    ? `${head}${pad(dest, 16)} ${pad(c.peName, 18)} ${c.peData ?? ''}\n`
    : `${head}${dest}\n`;
}

/** Every address the entries hold, for name lookups. */
export function connectionAddresses(
  conns: readonly Connection[],
): [Connection['family'], string][] {
  return conns.flatMap((c) => [
    [c.family, c.client] as [Connection['family'], string],
    [c.family, c.virtual] as [Connection['family'], string],
    [c.destFamily, c.dest] as [Connection['family'], string],
  ]);
}
