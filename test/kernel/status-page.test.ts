/**
 * The status page in a real browser: `anycastd run` on a real kernel's IPVS,
 * its read-only listener opened by headless Chromium in the same namespace,
 * and what the page shows as a real server goes down and comes back, read
 * from the page's DOM while the page refreshes itself. Screenshots of each
 * moment are kept under .lab/artifacts/.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requirePrograms } from '../lab/bgp-fabric.js';
import { Browser, type Page, requireBrowser } from '../lab/browser.js';
import { eventually } from '../lab/eventually.js';
import { useNetnsLab } from '../lab/vitest.js';

const MAIN = join(process.cwd(), 'dist/main.js');
const ARTIFACTS = join(process.cwd(), '.lab/artifacts');
const PORT = 9761;

const config = (dir: string) => `
director: {name: paged, router_id: 10.5.0.1}
api: {listen: "unix://${dir}/api.sock"}
metrics: {listen: ${PORT}}
state_file: ${dir}/state.json
bgp:
  asn: 65001
  sidecar: {mode: spawn, state_dir: ${dir}/gobgp}
  # Nobody answers there: the page shows the session as not established.
  peers: [{address: 10.5.0.9, asn: 65000}]
services:
  - name: web
    vip: 198.51.100.50
    ports: [{port: 80}]
    check: {type: file, path: "${dir}/{address}.state", interval: 1s, timeout: 900ms, rise: 1, fall: 2}
    reals:
      - {address: 10.5.1.1}
      - {address: 10.5.1.2}
`;

/** What the page shows, read from its DOM as a user would see it. */
interface Shown {
  director: string;
  error: string;
  vips: { vip: string; route: string; why: string; healthy: string }[];
  reals: { real: string; health: string; result: string; history: string[] }[];
  peers: { peer: string; state: string }[];
}

// null until the page has loaded (opening a tab does not wait for it).
const READ_PAGE = `(() => {
  if (!document.getElementById('director')) return null;
  const rows = (id) => [...document.querySelectorAll('#' + id + ' tbody tr')];
  const text = (tr, i) => tr.children[i] ? tr.children[i].textContent : '';
  return {
    director: document.getElementById('director').textContent,
    error: document.getElementById('error').textContent,
    vips: rows('vips').map((tr) => ({ vip: text(tr, 0), route: text(tr, 1), why: text(tr, 2), healthy: text(tr, 6) })),
    reals: rows('reals').map((tr) => ({
      real: text(tr, 1), health: text(tr, 2), result: text(tr, 3),
      history: [...tr.children[5].querySelectorAll('span')].map((s) => s.textContent + ' | ' + s.title),
    })),
    peers: rows('peers').map((tr) => ({ peer: text(tr, 0), state: text(tr, 2) })),
  };
})()`;

describe('the status page in a browser', () => {
  const lab = useNetnsLab();
  beforeAll(async () => {
    await requirePrograms();
    await requireBrowser();
  });

  it('shows a real server going down and coming back, refreshing itself', async () => {
    const ns = await lab().namespace('page');
    await ns.ip('link', 'set', 'lo', 'up');
    const dir = mkdtempSync(join(tmpdir(), 'acd-page-'));
    const state = (address: string, text: string) =>
      writeFileSync(join(dir, `${address}.state`), text);
    state('10.5.1.1', '0\n');
    state('10.5.1.2', '0\n');
    const file = join(dir, 'anycastd.yaml');
    writeFileSync(file, config(dir));
    const daemon = ns.spawn('node', [MAIN, 'run', '--config', file]);
    // The listener is up once the daemon says so; anycastd takes up to a minute to start here.
    await daemon.waitFor(/"event":"metrics_listening"|read-only listener/, 120_000);
    const browser = Browser.launch(ns);
    mkdirSync(ARTIFACTS, { recursive: true });
    let page: Page | undefined;
    try {
      // Chromium takes half a minute to start in the kernel lab.
      page = await browser.open(`http://127.0.0.1:${PORT}/`);
      const p = page;
      const shown = () => p.evaluate<Shown | null>(READ_PAGE);
      const real = (s: Shown, address: string) => s.reals.find((r) => r.real === address);
      let last: Shown | undefined;
      const until = (what: string, ok: (s: Shown) => boolean, timeoutMs = 60_000) =>
        eventually(
          what,
          async () => {
            last = (await shown()) ?? undefined;
            return last !== undefined && ok(last);
          },
          {
            timeoutMs,
            explain: async () =>
              `the page showed:\n${JSON.stringify(last, null, 1)}\nanycastd:\n${daemon.output().slice(-3000)}`,
            stop: () =>
              daemon.child.exitCode !== null
                ? `anycastd exited:\n${daemon.output().slice(-3000)}`
                : browser.process.child.exitCode !== null
                  ? `chromium exited:\n${browser.process.output().slice(-3000)}`
                  : undefined,
          },
        );

      await until(
        'both real servers up and the VIP announced',
        (s) =>
          real(s, '10.5.1.1')?.health === 'up' &&
          real(s, '10.5.1.2')?.health === 'up' &&
          s.vips[0]?.route === 'announce',
        180_000,
      );
      expect(last?.director).toBe('paged');
      expect(last?.error).toBe('');
      expect(last?.vips.map((v) => [v.vip, v.why, v.healthy])).toEqual([
        ['198.51.100.50', 'healthy', '2 of 2, needs 1'],
      ]);
      expect(last?.peers.map((x) => x.peer)).toEqual(['10.5.0.9']);
      expect(last?.peers[0]?.state).not.toBe('ESTABLISHED');
      // No change yet after the first verdicts: no history.
      expect(real(last as Shown, '10.5.1.1')?.history).toEqual([]);
      writeFileSync(join(ARTIFACTS, 'status-page-up.png'), await p.screenshot());

      // Down: its file says 1. Two failures a second apart, then the page's next read (3 s).
      state('10.5.1.1', '1\n');
      await until('10.5.1.1 shown down, with why', (s) => {
        const r = real(s, '10.5.1.1');
        return r?.health === 'down' && r.result === `${dir}/10.5.1.1.state: 1`;
      });
      const down = real(last as Shown, '10.5.1.1');
      expect(down?.history).toHaveLength(1);
      expect(down?.history[0]).toMatch(/^down \d+ s ago \| up → down: .*10\.5\.1\.1\.state: 1$/);
      expect(real(last as Shown, '10.5.1.2')?.health).toBe('up');
      // One of two left: still announced (min_healthy 1), and the page says so.
      expect(last?.vips[0]?.route).toBe('announce');
      expect(last?.vips[0]?.healthy).toBe('1 of 2, needs 1');
      const png = await p.screenshot();
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      writeFileSync(join(ARTIFACTS, 'status-page-down.png'), png);

      // Back.
      state('10.5.1.1', '0\n');
      await until('10.5.1.1 shown up again', (s) => real(s, '10.5.1.1')?.health === 'up');
      const back = real(last as Shown, '10.5.1.1');
      // Newest first.
      expect(back?.history.map((h) => h.split(' ')[0])).toEqual(['up', 'down']);
      writeFileSync(join(ARTIFACTS, 'status-page-back.png'), await p.screenshot());

      // The filter: only what matches is listed.
      await p.evaluate(`(() => {
        const f = document.getElementById('filter');
        f.value = '10.5.1.2';
        f.dispatchEvent(new Event('input'));
      })()`);
      const filtered = await shown();
      expect(filtered?.reals.map((r) => r.real)).toEqual(['10.5.1.2']);
    } finally {
      await browser.close();
      daemon.kill('SIGTERM');
      await daemon.exited;
    }
  }, 420_000);
});
