/**
 * The configuration parser's worker, as the daemon runs it: the built
 * dist/config-worker.js (./scripts/setup builds it).
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfigText } from '../../../src/config/load.js';
import { defaultWorkerFile, loadOffThread } from '../../../src/config/load-off-thread.js';
import { minimalConfig } from '../../unit/config/minimal.js';

const EXAMPLE = new URL('../../../examples/anycastd.yaml', import.meta.url).pathname;

/** A flow-style configuration of `n` services × 10 real servers (JSON is YAML). */
function largeConfig(n: number): string {
  const base = minimalConfig();
  const services = Array.from({ length: n }, (_, s) => ({
    name: `svc${s}`,
    vip: `198.51.${100 + (s >> 8)}.${s & 255}`,
    ports: [{ port: 80 }],
    reals: Array.from({ length: 10 }, (_, r) => ({ address: `10.${s >> 8}.${s & 255}.${r + 1}` })),
  }));
  return JSON.stringify({ ...base, services });
}

beforeAll(() => {
  if (!existsSync(defaultWorkerFile()))
    throw new Error(`${defaultWorkerFile()} is missing: run ./scripts/setup (it builds dist/)`);
});

describe('parsing in a worker thread', () => {
  it('gives the same frozen configuration as parsing in the thread itself', async () => {
    const here = await loadConfigFile(EXAMPLE);
    const there = await loadOffThread({ file: EXAMPLE });
    expect(here.config).toBeDefined();
    expect(there.issues).toBeUndefined();
    expect(isDeepStrictEqual(there.config, here.config)).toBe(true);
    const warnings = (r: object) => (r as { warnings?: unknown }).warnings;
    expect(warnings(there)).toEqual(warnings(here));
    expect(Object.isFrozen(there.config)).toBe(true);
    expect(Object.isFrozen(there.config?.services[0]?.reals[0])).toBe(true);
  });

  it('reports the same located problems', async () => {
    const text = 'director:\n  name: lb1\nservices: []\nbogus: 1\n';
    const there = await loadOffThread({ text });
    expect(there.issues).toEqual(parseConfigText(text).issues);
    expect(there.issues?.length).toBeGreaterThan(0);
  });

  it('follows include from the file it reads, and names the included files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'acd-include-'));
    const main = join(dir, 'anycastd.yaml');
    writeFileSync(main, JSON.stringify(minimalConfig({}, { include: 'more.yaml' })));
    const more = { ...minimalConfig().services[0], name: 'more', vip: '198.51.100.11' };
    writeFileSync(join(dir, 'more.yaml'), JSON.stringify({ services: [more] }));
    const here = await loadConfigFile(main);
    const there = await loadOffThread({ file: main });
    if (!there.config || !here.config) throw new Error(JSON.stringify(there.issues ?? here.issues));
    expect(there.included?.map((f) => f.file)).toEqual(['more.yaml']);
    expect(there.sha256).toBe(here.sha256);
    expect(isDeepStrictEqual(there.config, here.config)).toBe(true);
    expect(there.config.services.map((x) => x.name)).toEqual(['web', 'more']);
  });

  it('refuses a file it cannot read, naming it', async () => {
    const r = await loadOffThread({ file: '/nonexistent/anycastd.yaml' });
    expect(r.issues?.[0]?.message).toMatch(/cannot read \/nonexistent\/anycastd\.yaml/);
  });

  it('keeps the event loop turning while a large file parses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'anycastd-parse-'));
    const file = join(dir, 'large.yaml');
    writeFileSync(file, largeConfig(2000));
    let last = performance.now();
    let worst = 0;
    const tick = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
    }, 5);
    const started = performance.now();
    const r = await loadOffThread({ file });
    const took = performance.now() - started;
    clearInterval(tick);
    expect(r.issues).toBeUndefined();
    expect(r.config?.services.length).toBe(2000);
    // Parsed on this thread, the loop would not have turned at all for `took` ms.
    expect(worst).toBeLessThan(took / 2);
  });

  it('refuses a parse that runs out of the memory it is given, and this thread lives on', async () => {
    const r = await loadOffThread({ text: largeConfig(4000) }, { maxHeapMb: 8 });
    expect(r.issues?.[0]?.message).toBe(
      "parsing needs more than 8 MiB of memory (the parser's limit)",
    );
  });

  it('stops a parse that runs past its deadline', async () => {
    const r = await loadOffThread({ text: largeConfig(4000) }, { timeoutMs: 1 });
    expect(r.issues?.[0]?.message).toBe('parsing took longer than 0.001 s and was stopped');
  });

  it('answers parses asked at once one at a time, each its own, and parses again after one ended its thread', async () => {
    const good = JSON.stringify(minimalConfig());
    const bad = JSON.stringify(minimalConfig({ vip: '224.0.0.1' }));
    const [a, b, c] = await Promise.all([
      loadOffThread({ text: good }),
      loadOffThread({ text: bad }),
      loadOffThread({ text: good }),
    ]);
    expect(a.config?.services[0]?.vip).toBe('198.51.100.10');
    expect(b.issues?.[0]?.path).toBe('services[0].vip');
    expect(c.config?.services[0]?.vip).toBe('198.51.100.10');
    // Out of memory, then past its deadline: each ends the thread; the next parse starts one.
    expect(
      (await loadOffThread({ text: largeConfig(4000) }, { maxHeapMb: 8 })).issues,
    ).toHaveLength(1);
    expect((await loadOffThread({ text: good })).config?.director.name).toBe(
      a.config?.director.name,
    );
    expect(
      (await loadOffThread({ text: largeConfig(4000) }, { timeoutMs: 1 })).issues,
    ).toHaveLength(1);
    expect((await loadOffThread({ text: good })).config?.director.name).toBe(
      a.config?.director.name,
    );
  });

  it('says so when the parser cannot start', async () => {
    const r = await loadOffThread({ file: EXAMPLE }, { workerFile: '/nonexistent/worker.js' });
    expect(r.issues?.[0]?.message).toMatch(/configuration parser/);
  });
});
