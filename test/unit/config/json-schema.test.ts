/**
 * The shipped JSON Schema, as an editor's validator (Ajv, draft 2020-12)
 * reads it: it takes the example configuration, refuses every structural
 * error `validate` refuses in a corpus of broken files, describes every
 * field, and is what `anycastd validate --schema` prints.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configJsonSchema } from '../../../src/config/json-schema.js';
import { parseConfig } from '../../../src/config/parse.js';
import { minimalConfig } from './minimal.js';

const schema = configJsonSchema();
const ajv = new Ajv2020({ allErrors: true, strict: false });
const validate = ajv.compile(schema);

/** A field of a check at each level a check can be set. */
const atEveryCheckLevel = (check: Record<string, unknown> | unknown[]) => [
  minimalConfig({}, { defaults: { check } }),
  minimalConfig({ check }),
  minimalConfig({ reals: [{ address: '10.1.0.1', check }] }),
];

const BROKEN: [string, unknown][] = [
  ['an unknown top-level field', minimalConfig({}, { colour: 'blue' })],
  ['no director', { ...minimalConfig(), director: undefined }],
  ['an ASN that is text', minimalConfig({}, { bgp: { asn: 'x', peers: [] } })],
  ['a peer without an address', minimalConfig({}, { bgp: { asn: 65001, peers: [{ asn: 1 }] } })],
  ['an unknown scheduler', minimalConfig({ scheduler: 'fastest' })],
  ['a port out of range', minimalConfig({ ports: [{ port: 70000 }] })],
  ['a protocol that is not one', minimalConfig({ ports: [{ port: 80, protocol: 'icmp' }] })],
  ['no real servers', minimalConfig({ reals: [] })],
  ['a negative weight', minimalConfig({ reals: [{ address: '10.1.0.1', weight: -1 }] })],
  ['a service name with a space', minimalConfig({ name: 'web tls' })],
  ['an unknown service field', minimalConfig({ backends: [] })],
  ['an unknown flag', minimalConfig({ flags: ['fast'] })],
  ['metrics.listen that is not text or a port', minimalConfig({}, { metrics: { listen: true } })],
  ...atEveryCheckLevel({ type: 'nope' }).map((c): [string, unknown] => [
    'a check type that is not one',
    c,
  ]),
  ...atEveryCheckLevel({ type: 'tcp', colour: 1 }).map((c): [string, unknown] => [
    'an unknown check field',
    c,
  ]),
  ...atEveryCheckLevel({ type: 'http', command: ['/bin/true'] }).map((c): [string, unknown] => [
    "a field of another check type (exec's command on http)",
    c,
  ]),
  ...atEveryCheckLevel({ type: 'tcp', rise: 0 }).map((c): [string, unknown] => ['rise 0', c]),
  ...atEveryCheckLevel({ type: 'http', method: 'DELETE' }).map((c): [string, unknown] => [
    'an HTTP method it does not send',
    c,
  ]),
  ...atEveryCheckLevel({ type: 'file', path: 'relative/path' }).map((c): [string, unknown] => [
    'a file check with a relative path',
    c,
  ]),
  ...atEveryCheckLevel({ type: 'file', path: '/x', mode: 'both' }).map((c): [string, unknown] => [
    'a file check mode that is not one',
    c,
  ]),
  ...atEveryCheckLevel([{ type: 'tcp' }, { type: 'tcp', colour: 1 }]).map(
    (c): [string, unknown] => ['an unknown field in a list of checks', c],
  ),
  ...atEveryCheckLevel([]).map((c): [string, unknown] => ['an empty list of checks', c]),
  ...atEveryCheckLevel({ type: 'dns', name: 7 }).map((c): [string, unknown] => [
    'a DNS name that is a number',
    c,
  ]),
];

describe('the JSON Schema', () => {
  it('takes the example configuration and the smallest one', () => {
    const example = parse(readFileSync('examples/anycastd.yaml', 'utf8')) as unknown;
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(minimalConfig()), JSON.stringify(validate.errors)).toBe(true);
    expect(
      validate(
        minimalConfig({ check: { type: 'http', path: '/ready', status: [200, '300-302'] } }),
      ),
      JSON.stringify(validate.errors),
    ).toBe(true);
    // Several checks, all of which must pass.
    expect(
      validate(
        minimalConfig({ check: [{ type: 'tcp' }, { type: 'file', path: '/run/lb/{address}' }] }),
      ),
      JSON.stringify(validate.errors),
    ).toBe(true);
    // A check without type completes the level above (here the default TCP check).
    expect(validate(minimalConfig({ check: { interval: '5s', fall: 2 } }))).toBe(true);
  });

  it.each(BROKEN)('refuses %s, as validate does', (_what, doc) => {
    expect(parseConfig(doc).issues, 'validate refuses it').toBeDefined();
    expect(validate(doc), 'the schema refuses it').toBe(false);
  });

  it('describes every field, check fields included', () => {
    const undescribed: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (!node || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      for (const [key, child] of Object.entries((n.properties as Record<string, object>) ?? {})) {
        if (!('description' in child)) undescribed.push(`${path}${key}`);
        walk(child, `${path}${key}.`);
      }
      walk(n.items, `${path}[].`);
      for (const k of ['anyOf', 'oneOf', 'allOf'])
        for (const alt of (n[k] as unknown[]) ?? []) walk(alt, path);
    };
    walk(schema, '');
    walk((schema.$defs as Record<string, unknown>).check, 'check.');
    expect(undescribed).toEqual([]);
  });

  it('is the file shipped beside the example', () => {
    expect(JSON.parse(readFileSync('examples/anycastd.schema.json', 'utf8'))).toEqual(
      JSON.parse(JSON.stringify(schema)),
    );
  });
});
