/**
 * The control API's answers to requests that are not what it expects: every
 * one a 4xx with a JSON body naming the problem, and the server still there.
 */
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi } from '../../../src/api/client.js';
import { type ApiServer, ServiceUnavailable, startApi } from '../../../src/api/server.js';
import { createLogger } from '../../../src/log.js';

const socket = join(mkdtempSync(join(tmpdir(), 'acd-api-')), 'api.sock');
const drains: string[] = [];
let api: ApiServer;

beforeAll(async () => {
  api = await startApi(
    { kind: 'unix', path: socket },
    undefined,
    {
      status: () => ({ up: true }),
      metrics: () => Promise.resolve(''),
      reload: () => Promise.resolve({ ok: true, message: 'reloaded' }),
      drain: (target) => {
        drains.push(target);
        return Promise.resolve({ ok: true, message: `drained ${target}` });
      },
      plan: (text) =>
        text === 'needs the kernel'
          ? Promise.reject(new ServiceUnavailable('cannot plan without the kernel'))
          : Promise.resolve({ ok: true, message: 'no change' }),
    },
    createLogger({ level: 'silent' }),
    { requestTimeoutMs: 500 },
  );
});
afterAll(() => api.close());

/** One raw HTTP/1.1 exchange: what a hostile client can write that no client library would. */
function raw(request: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(socket);
    let text = '';
    s.on('data', (d: Buffer) => (text += d.toString()));
    s.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    s.on('error', reject);
    s.end(request);
  });
}

const post = (path: string, body: string) =>
  raw(
    `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );

describe('the control API refuses malformed requests with a 4xx naming the problem', () => {
  it.each([
    ['not JSON', '/drain', '{target: web', 400, 'request body is not JSON'],
    ['null', '/drain', 'null', 400, 'request body must be a JSON object'],
    ['an array', '/plan', '[1,2]', 400, 'request body must be a JSON object'],
    ['a number', '/reload', '7', 400, 'request body must be a JSON object'],
    ['the wrong field', '/drain', '{"name":"web"}', 400, 'body must be {"target": "..."}'],
    ['too large', '/plan', JSON.stringify({ config: 'x'.repeat(70_000) }), 413, 'over 65536 bytes'],
  ])('a body that is %s', async (_what, path, body, status, message) => {
    const r = await post(path, body);
    expect(r.status).toBe(status);
    const answer = JSON.parse(r.body) as { ok: boolean; message: string };
    expect(answer.ok).toBe(false);
    expect(answer.message).toContain(message);
  });

  it('a plan the daemon cannot make now: 503 with the reason, not a 500', async () => {
    const r = await post('/plan', JSON.stringify({ config: 'needs the kernel' }));
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body)).toEqual({ ok: false, message: 'cannot plan without the kernel' });
  });

  it('a request target that is not a path', async () => {
    const r = await raw('GET http://[::1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toEqual({
      ok: false,
      message: 'request target "http://[::1" is not a path',
    });
  });

  it('a body that never finishes: 408 at the request deadline, not a held connection', async () => {
    const started = performance.now();
    const s = connect(socket);
    let text = '';
    s.on('data', (d: Buffer) => (text += d.toString()));
    const closed = new Promise<void>((resolve) => s.on('close', () => resolve()));
    s.write('POST /drain HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"tar');
    await closed;
    const ms = performance.now() - started;
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    // The deadline (500 ms) plus Node's check interval (250 ms here), with slack for a busy machine.
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(5_000);
  });

  it('still serves well-formed requests afterwards', async () => {
    const r = await callApi(`unix://${socket}`, 'POST', '/drain', { target: 'web' });
    expect(r.status).toBe(200);
    expect(drains).toEqual(['web']);
    expect((await callApi(`unix://${socket}`, 'GET', '/status')).status).toBe(200);
  });
});
