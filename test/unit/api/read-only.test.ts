/**
 * The read-only listener: /metrics, /status.json and the page, and nothing
 * that changes state, whatever the method or path.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../../../src/api/http-listener.js';
import { startReadOnly } from '../../../src/api/read-only.js';
import { createLogger } from '../../../src/log.js';

let server: ApiServer;
let base: string;
const status = { director: 'lb1', vips: [{ vip: '198.51.100.10', route: 'announce' }] };

/** A port nothing listens on now, on loopback. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  const port = await freePort();
  server = await startReadOnly(
    { kind: 'tcp', host: '127.0.0.1', port },
    {
      status: () => status,
      metrics: () => Promise.resolve('anycastd_ipvs_ok 1\n'),
    },
    createLogger({ level: 'silent' }),
  );
  base = `http://127.0.0.1:${port}`;
});
afterAll(() => server.close());

describe('the read-only listener', () => {
  it('serves the metrics, the status as JSON and the page', async () => {
    const m = await fetch(`${base}/metrics`);
    expect(m.status).toBe(200);
    expect(m.headers.get('content-type')).toContain('text/plain');
    expect(await m.text()).toBe('anycastd_ipvs_ok 1\n');
    const s = await fetch(`${base}/status.json`);
    expect(s.status).toBe(200);
    expect(await s.json()).toEqual(status);
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('<title>anycastd</title>');
    // Self-contained: no script, style or image from anywhere else.
    expect(html).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//);
    expect(html).toContain('fetch("status.json"');
  });

  it('refuses every change and every other path', async () => {
    for (const path of ['/reload', '/drain', '/undrain', '/plan', '/metrics']) {
      const r = await fetch(`${base}${path}`, { method: 'POST', body: '{"target":"lb1"}' });
      expect(r.status, path).toBe(405);
      expect(r.headers.get('allow')).toBe('GET, HEAD');
      expect(((await r.json()) as { message: string }).message).toContain('read-only');
    }
    const r = await fetch(`${base}/status`);
    expect(r.status).toBe(404);
    expect(((await r.json()) as { message: string }).message).toBe(
      'no /status (/, /status.json, /metrics)',
    );
  });

  it('answers HEAD without a body', async () => {
    const r = await fetch(`${base}/metrics`, { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-length')).toBe('19');
    expect(await r.text()).toBe('');
  });
});
