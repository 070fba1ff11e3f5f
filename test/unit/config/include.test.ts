import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_INCLUDE_DEPTH } from '../../../src/config/include.js';
import {
  type LoadResult,
  formatLocatedIssues,
  loadConfigFile,
  locate,
  parseConfigText,
} from '../../../src/config/load.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'anycastd-include-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

const MAIN_HEAD = `director: {name: lb1, router_id: 192.0.2.11}
bgp: {asn: 65001, peers: [{address: 192.0.2.1, asn: 65000}]}
`;

function service(name: string, vip: string, real = '10.1.0.1'): string {
  return `  - name: ${name}
    vip: ${vip}
    ports: [{port: 80}]
    reals:
      - address: ${real}
`;
}

/** The loaded configuration; a refusal fails the test with its problems. */
function valid(r: LoadResult) {
  if (r.issues) throw new Error(`refused:\n${formatLocatedIssues(r.issues)}`);
  return r;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('include', () => {
  it('adds the services of every matched file, main first, then each glob in name order', async () => {
    const main = `${MAIN_HEAD}include: [conf.d/*.yaml, extra.yaml]\nservices:\n${service('main', '198.51.100.1')}`;
    const file = write('anycastd.yaml', main);
    const b = `services:\n${service('b', '198.51.100.3')}`;
    const a = `services:\n${service('a1', '198.51.100.2')}${service('a2', '198.51.100.4')}`;
    const extra = `services:\n${service('x', '198.51.100.5')}`;
    write('conf.d/b.yaml', b);
    write('conf.d/a.yaml', a);
    write('conf.d/ignored.yml.bak', 'not: [yaml');
    write('extra.yaml', extra);
    const r = valid(await loadConfigFile(file));
    expect(r.config.services.map((s) => s.name)).toEqual(['main', 'a1', 'a2', 'b', 'x']);
    expect(r.included).toEqual([
      { file: 'conf.d/a.yaml', sha256: sha(a) },
      { file: 'conf.d/b.yaml', sha256: sha(b) },
      { file: 'extra.yaml', sha256: sha(extra) },
    ]);
    const whole = createHash('sha256').update(main);
    for (const [n, t] of [
      ['conf.d/a.yaml', a],
      ['conf.d/b.yaml', b],
      ['extra.yaml', extra],
    ])
      whole.update(`\0${n}\0`).update(t!);
    expect(r.sha256).toBe(whole.digest('hex'));
    expect(r.warnings).toEqual([]);
    // The expanded document is a configuration of its own, without include.
    const again = parseConfigText(JSON.stringify(r.expanded));
    expect(again.config?.services.map((s) => s.name)).toEqual(['main', 'a1', 'a2', 'b', 'x']);
  });

  it('a main file may leave every service to its includes; nested patterns are relative to the including file', async () => {
    const file = write('etc/anycastd.yaml', `${MAIN_HEAD}include: sites/eu.yaml\n`);
    write('etc/sites/eu.yaml', `include: [eu/*.yaml]\nservices:\n${service('eu', '198.51.100.1')}`);
    write('etc/sites/eu/ams.yaml', `services:\n${service('ams', '198.51.100.2')}`);
    const r = valid(await loadConfigFile(file));
    expect(r.config.services.map((s) => s.name)).toEqual(['eu', 'ams']);
    expect(r.included?.map((p) => p.file)).toEqual(['sites/eu.yaml', 'sites/eu/ams.yaml']);
  });

  it('a problem in an included file names that file and its line there', async () => {
    const file = write(
      'anycastd.yaml',
      `${MAIN_HEAD}include: conf.d/*.yaml\nservices:\n${service('main', '198.51.100.1')}`,
    );
    write(
      'conf.d/a.yaml',
      `services:\n${service('a', '198.51.100.2')}${service('bad', '198.51.100.3', '10.1.0.300')}`,
    );
    const r = await loadConfigFile(file);
    expect(r.issues).toHaveLength(1);
    const [i] = r.issues!;
    expect(i).toMatchObject({
      file: 'conf.d/a.yaml',
      path: 'services[2].reals[0].address',
      line: 11,
    });
    expect(i!.message).toContain('10.1.0.300');
    expect(locate(i!)).toBe('services[2].reals[0].address (conf.d/a.yaml line 11)');
  });

  it('a problem across files (one VIP and port twice) is reported where the later one is', async () => {
    const file = write(
      'anycastd.yaml',
      `${MAIN_HEAD}include: b.yaml\nservices:\n${service('main', '198.51.100.1')}`,
    );
    write('b.yaml', `services:\n${service('again', '198.51.100.1')}`);
    const r = await loadConfigFile(file);
    expect(r.issues?.length).toBeGreaterThan(0);
    expect(r.issues?.every((i) => i.file === 'b.yaml' && i.path.startsWith('services[1]'))).toBe(
      true,
    );
  });

  it('refuses a cycle and a file reached twice, naming the chain', async () => {
    const file = write('anycastd.yaml', `${MAIN_HEAD}include: [a.yaml, b.yaml]\n`);
    write('a.yaml', `include: c.yaml\nservices:\n${service('a', '198.51.100.1')}`);
    write('c.yaml', `include: a.yaml\nservices:\n${service('c', '198.51.100.2')}`);
    write('b.yaml', `include: anycastd.yaml\nservices:\n${service('b', '198.51.100.3')}`);
    symlinkSync(join(dir, 'a.yaml'), join(dir, 'a-link.yaml'));
    write('anycastd2.yaml', `${MAIN_HEAD}include: [a-link.yaml, c.yaml]\n`);
    const r = await loadConfigFile(file);
    expect(r.issues?.map((i) => [i.file, i.path, i.message])).toEqual([
      ['c.yaml', 'include', '"a.yaml" includes itself: a.yaml → c.yaml → a.yaml'],
      [
        'b.yaml',
        'include',
        '"anycastd.yaml" includes itself: anycastd.yaml → b.yaml → anycastd.yaml',
      ],
    ]);
    const twice = await loadConfigFile(join(dir, 'anycastd2.yaml'));
    // a-link.yaml is a.yaml, which includes c.yaml: the main file's own c.yaml is the second.
    expect(twice.issues?.map((i) => [i.file, i.path, i.message])).toEqual([
      ['c.yaml', 'include', '"a.yaml" includes itself: a.yaml → c.yaml → a.yaml'],
      [
        undefined,
        'include[1]',
        '"c.yaml" is included already (by a-link.yaml): its services would be there twice',
      ],
    ]);
  });

  it('an included file holds services and include only', async () => {
    const file = write('anycastd.yaml', `${MAIN_HEAD}include: a.yaml\n`);
    write('a.yaml', `bgp: {asn: 65002}\nservices:\n${service('a', '198.51.100.1')}`);
    const r = await loadConfigFile(file);
    expect(r.issues).toEqual([
      {
        file: 'a.yaml',
        path: 'bgp',
        line: 1,
        message: `only services and include may be in an included file; bgp belongs in the main file (anycastd.yaml)`,
      },
    ]);
  });

  it('a missing file is a problem; a glob that matches nothing is a warning', async () => {
    const file = write(
      'anycastd.yaml',
      `${MAIN_HEAD}include: [conf.d/*.yaml, gone.yaml]\nservices:\n${service('m', '198.51.100.1')}`,
    );
    const r = await loadConfigFile(file);
    expect(r.issues).toHaveLength(1);
    expect(r.issues![0]).toMatchObject({ path: 'include[1]', line: 3 });
    expect(r.issues![0]!.message).toMatch(/^cannot read "gone.yaml": ENOENT/);
    write(
      'anycastd.yaml',
      `${MAIN_HEAD}include: [conf.d/*.yaml]\nservices:\n${service('m', '198.51.100.1')}`,
    );
    const ok = valid(await loadConfigFile(file));
    expect(ok.warnings).toEqual([
      { path: 'include[0]', line: 3, message: '"conf.d/*.yaml" matches no file' },
    ]);
    expect(ok.included).toEqual([]);
  });

  it('YAML errors and wrong values of include are located', async () => {
    const file = write('anycastd.yaml', `${MAIN_HEAD}include: [a.yaml, 7]\n`);
    write('a.yaml', 'services: [\n');
    const r = await loadConfigFile(file);
    expect(r.issues?.map((i) => [i.file, i.path])).toEqual([
      ['a.yaml', ''],
      [undefined, 'include[1]'],
    ]);
    expect(r.issues![0]!.message).toMatch(/^YAML: /);
    expect(r.issues![1]!.message).toBe('7 is not a path or glob');
  });

  it(`refuses includes nested more than ${MAX_INCLUDE_DEPTH} deep`, async () => {
    const file = write('anycastd.yaml', `${MAIN_HEAD}include: f1.yaml\n`);
    for (let n = 1; n <= MAX_INCLUDE_DEPTH + 1; n++)
      write(
        `f${n}.yaml`,
        `include: f${n + 1}.yaml\nservices:\n${service(`s${n}`, `198.51.100.${n}`)}`,
      );
    const r = await loadConfigFile(file);
    expect(r.issues?.map((i) => [i.file, i.message])).toEqual([
      [
        `f${MAX_INCLUDE_DEPTH - 1}.yaml`,
        `"f${MAX_INCLUDE_DEPTH}.yaml": includes are nested more than ${MAX_INCLUDE_DEPTH} deep`,
      ],
    ]);
  });

  it('text without its file cannot include', () => {
    const r = parseConfigText(
      `${MAIN_HEAD}include: a.yaml\nservices:\n${service('m', '198.51.100.1')}`,
    );
    expect(r.issues?.map((i) => [i.path, i.line])).toEqual([['include', 3]]);
    expect(r.issues?.[0]?.message).toContain('include needs the file it is in');
  });

  it('a file without include reads as before: its sha256 is the text’s', async () => {
    const text = `${MAIN_HEAD}services:\n${service('m', '198.51.100.1')}`;
    const r = valid(await loadConfigFile(write('anycastd.yaml', text)));
    expect(r.sha256).toBe(sha(text));
    expect(r.included).toBeUndefined();
  });
});
