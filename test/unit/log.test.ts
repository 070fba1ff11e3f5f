import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, destination };
}

describe('logger', () => {
  it('writes one JSON event per line with the level and pid', () => {
    const { lines, destination } = capture();
    createLogger({ level: 'info', destination }).info(
      { event: 'vip_announced', vip: '192.0.2.10' },
      'announced',
    );
    const event = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(event).toMatchObject({
      level: 'info',
      pid: process.pid,
      event: 'vip_announced',
      vip: '192.0.2.10',
      msg: 'announced',
    });
  });

  it('writes text for a terminal: time, level, component, event, message, then the fields', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', format: 'text', destination });
    log
      .child({ component: 'daemon' })
      .warn({ event: 'vip_state', vip: '192.0.2.10', reason: 'web: 0 of 2 up' }, 'withdraw');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z WARN {2}daemon vip_state: withdraw vip=192\.0\.2\.10 reason="web: 0 of 2 up"\n$/,
    );
  });

  it('redacts passwords and tokens at any of the first three levels', () => {
    const { lines, destination } = capture();
    createLogger({ level: 'info', destination }).info({
      password: 'p1',
      token: 't1',
      bgp: { password: 'p2', peer: { password: 'p3' } },
      api: { token: 't2' },
    });
    const text = lines.join('');
    for (const secret of ['p1', 'p2', 'p3', 't1', 't2']) expect(text).not.toContain(`"${secret}"`);
    expect(text).toContain('"[redacted]"');
  });

  it('drops events below its level', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'warn', destination });
    log.info('not shown');
    log.warn('shown');
    expect(lines).toHaveLength(1);
  });
});
