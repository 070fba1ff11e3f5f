/**
 * The fast reading of configuration text must give exactly what the `yaml`
 * package's document gives, for every text it accepts: compared here on
 * scalars of every form YAML 1.2's core schema resolves (and forms it does
 * not), in every place a configuration has them, and on the shipped files.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { fastYamlValue } from '../../../src/config/fast-yaml.js';
import { parseConfigText } from '../../../src/config/load.js';

const exact = (text: string): unknown => {
  const doc = parseDocument(text, { uniqueKeys: true });
  return doc.errors.length ? 'error' : doc.toJS();
};

// Plain scalars: numbers in every notation, near-numbers, nulls, booleans, YAML 1.1's words.
const SCALARS = [
  '0',
  '7',
  '-0',
  '+12',
  '0755',
  '007',
  '09',
  '1_000',
  '1__0',
  '0o17',
  '0o8',
  '0O17',
  '-0o7',
  '0x1F',
  '0X1F',
  '0x_1',
  '+0x1F',
  '0b101',
  '12e',
  '1e3',
  '1E3',
  '1.0e+3',
  '1.5e-3',
  '.5',
  '+.5',
  '-.5',
  '5.',
  '0.',
  '0.1',
  '-1.25',
  '.inf',
  '-.Inf',
  '+.INF',
  '.NaN',
  '.nan',
  '.NAN',
  'inf',
  'nan',
  '~',
  'null',
  'Null',
  'NULL',
  'nULL',
  '',
  'true',
  'True',
  'TRUE',
  'tRUE',
  'false',
  'False',
  'FALSE',
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  '2001-12-14',
  '2001-12-14T21:59:43.10-05:00',
  '12:30',
  '1:20:30',
  '10.1.0.1',
  '2001:db8::1',
  '198.51.100.10/32',
  '80/tcp',
  '1s',
  '2.5s',
  '-',
  'a b',
  'a: b',
  '"a\\tb"',
  "'it''s'",
  '"\\u00e9"',
  '"\\x41"',
  'é',
  '"80"',
  "'true'",
  '"null"',
  '""',
  "''",
];

describe('fast reading of configuration text', () => {
  it('gives what the yaml package gives, for every scalar form, as a value, a key and in lists', () => {
    let fastOnes = 0;
    for (const s of SCALARS) {
      for (const text of [
        `v: ${s}\n`,
        `${s === '' ? '""' : s}: 1\n`,
        `v: [${s === '' ? '""' : s}, x]\n`,
        `v:\n  - ${s}\n  - {k: ${s}}\n`,
      ]) {
        const fast = fastYamlValue(text);
        if (fast === undefined) continue;
        fastOnes++;
        expect(fast, `fast reading of ${JSON.stringify(text)}`).toEqual(exact(text));
      }
    }
    // The fast reading is taken for nearly all of them, not left to the exact one.
    expect(fastOnes).toBeGreaterThan(SCALARS.length * 3);
  });

  it('gives the same for block scalars, flow styles, comments and documents', () => {
    for (const text of [
      'v: |\n  a\n  b\n',
      'v: >\n  a\n  b\n\n  c\n',
      'v: |-\n  a\n',
      'v: >+\n  a\n\n',
      'v: "multi\n  line"\n',
      'v: plain\n  continued\n',
      '# comment\nv: 1 # trailing\n',
      '---\nv: 1\n',
      '---\nv: 1\n...\n',
      'a: {b: [1, 2, {c: d}], e: }\n',
      'a:\n- 1\n- - 2\n  - 3\n',
      '"quoted key": 1\n\'single\': 2\n',
    ]) {
      const fast = fastYamlValue(text);
      expect(fast, `fast reading of ${JSON.stringify(text)}`).toEqual(exact(text));
    }
  });

  it('leaves to the exact reading what only it handles: aliases, tags, directives, several documents, errors', () => {
    for (const text of [
      'a: &x 1\nb: *x\n',
      'a: !!str 5\n',
      '%YAML 1.1\n---\na: yes\n',
      'a: 1\n---\nb: 2\n',
      'a: 1\na: 2\n',
      'a: [1\n',
      '- 1\n- 2\n',
      'just text\n',
      '',
      '__proto__: {x: 1}\n',
    ])
      expect(fastYamlValue(text), JSON.stringify(text)).toBeUndefined();
  });

  it('reads the shipped configurations as the exact reading does, and to the same result', () => {
    for (const file of [
      'examples/anycastd.yaml',
      'examples/compose-anycastd.yaml',
      'examples/demo/director1.yaml',
      'examples/demo/director2.yaml',
    ]) {
      const text = readFileSync(file, 'utf8');
      const fast = fastYamlValue(text);
      expect(fast, `${file}: taken by the fast reading`).toBeDefined();
      expect(fast, file).toEqual(exact(text));
      expect(parseConfigText(text).issues, file).toBeUndefined();
    }
  });

  it('still locates problems and warnings by line', () => {
    const r = parseConfigText(
      [
        'director: {name: d1, router_id: 10.0.0.1}',
        'bgp: {asn: 65001, peers: [{address: 10.0.0.9, asn: 65000}]}',
        'services:',
        '  - name: web',
        '    vip: 198.51.100.10',
        '    ports: [{port: 80}]',
        '    reals:',
        '      - {address: 10.1.0.300}',
        '',
      ].join('\n'),
    );
    expect(r.issues?.map((i) => [i.path, i.line])).toEqual([['services[0].reals[0].address', 8]]);
  });
});
