/**
 * Mutated configurations: a valid file changed in its text (tokens YAML
 * gives meaning to, cuts, copies) or in its structure (a value swapped for
 * one at or past a limit, a key dropped or added, a list grown).
 */
import { parse, stringify } from 'yaml';
import type { Rng } from './random.js';

const TOKENS = [
  '[',
  ']',
  '{',
  '}',
  ':',
  ': ',
  '- ',
  ',',
  '&a ',
  '*a',
  '<<: *a\n',
  '!!binary ',
  '!!str ',
  '!!map ',
  '? ',
  '|\n',
  '>-\n',
  '#',
  '"',
  "'",
  '\t',
  '\r\n',
  '\n',
  '\0',
  '\uFEFF',
  '%YAML 1.1\n',
  '---\n',
  '...\n',
  '  ',
  '\\',
  '0x10',
  '.inf',
  '~',
  '\u202e',
  '\ud800',
  '😀',
  '1e400',
  '-0',
];

/** Values at or past some limit, of every type. */
const EDGES: unknown[] = [
  0,
  -1,
  1,
  65535,
  65536,
  2 ** 31,
  2 ** 31 - 1,
  2 ** 53 + 1,
  1e308,
  -1e308,
  0.5,
  '',
  ' ',
  'a\r\nHost: x',
  'a\u0000b',
  '\u0085',
  'x'.repeat(5000),
  '0.0.0.0',
  '224.0.0.1',
  '255.255.255.255',
  '127.0.0.1',
  '::',
  '::1',
  'fe80::1',
  '10.0.0.1/33',
  '2001:db8::1',
  '198.51.100.10',
  '1s',
  '0s',
  '-1s',
  '100ms',
  '99999d',
  '1.5s',
  'tcp',
  'udp',
  'sctp',
  'rr',
  'mh',
  'nope',
  '../../etc/passwd',
  '/dev/zero',
  'unix:///tmp/x.sock',
  '0.0.0.0:9100',
  '*',
  null,
  true,
  false,
  [],
  {},
  [[[[[[]]]]]],
  { a: { b: { c: {} } } },
];

type Json = unknown;

function paths(value: Json, at: (string | number)[] = [], out: (string | number)[][] = []) {
  out.push(at);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...at, i], out));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) paths(v, [...at, k], out);
  return out;
}

function get(value: Json, path: (string | number)[]): Json {
  let v = value;
  for (const p of path) v = (v as Record<string | number, Json>)[p];
  return v;
}

function mutateStructure(root: Json, rng: Rng): Json {
  const all = paths(root);
  const path = rng.pick(all);
  if (path.length === 0) return rng.pick(EDGES);
  const parent = get(root, path.slice(0, -1)) as Record<string | number, Json>;
  const key = path[path.length - 1] as string | number;
  const op = rng.int(6);
  if (op === 0 && !Array.isArray(parent)) delete parent[key];
  else if (op === 1 && !Array.isArray(parent)) parent[`unknown_${rng.int(100)}`] = rng.pick(EDGES);
  else if (op === 2 && Array.isArray(parent)) {
    const copies = 1 + rng.int(40);
    for (let i = 0; i < copies; i++) parent.push(structuredClone(parent[key as number]));
  } else if (op === 3) parent[key] = String(parent[key]);
  else parent[key] = structuredClone(rng.pick(EDGES));
  return root;
}

function mutateText(text: string, rng: Rng): string {
  const at = rng.int(text.length + 1);
  const len = 1 + rng.int(40);
  switch (rng.int(5)) {
    case 0:
      return text.slice(0, at) + rng.pick(TOKENS) + text.slice(at);
    case 1:
      return text.slice(0, at) + text.slice(at + len);
    case 2:
      return text.slice(0, at) + text.slice(at, at + len).repeat(1 + rng.int(8)) + text.slice(at);
    case 3:
      return text.slice(0, at);
    default:
      return text.slice(0, at) + String.fromCharCode(rng.int(0x3000)) + text.slice(at + 1);
  }
}

/** One mutant of `text`: one to four changes, in the text or (when it parses) in its structure. */
export function mutateConfig(text: string, rng: Rng): string {
  let out = text;
  const changes = 1 + rng.int(4);
  for (let i = 0; i < changes; i++) {
    if (rng.chance(0.5)) {
      try {
        out = stringify(mutateStructure(parse(out, { logLevel: 'silent' }) as Json, rng));
        continue;
      } catch {
        // Not YAML (any more): change the text instead.
      }
    }
    out = mutateText(out, rng);
  }
  return out;
}
