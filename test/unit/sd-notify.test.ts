import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sdNotify } from '../../src/sd-notify.js';
import { notifySocket as listen } from '../lab/notify-socket.js';

describe('sdNotify', () => {
  it('sends the state to $NOTIFY_SOCKET, a path or an abstract name', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'acd-notify-')), 'notify');
    const sock = listen(path);
    expect(sdNotify('READY=1\nSTATUS=running', { NOTIFY_SOCKET: path })).toBe(true);
    expect(sock.read()).toBe('READY=1\nSTATUS=running');
    expect(sock.read()).toBeUndefined();
    sock.close();

    const name = `@acd-notify-${process.pid}`;
    const abstract = listen(name);
    expect(sdNotify('STOPPING=1', { NOTIFY_SOCKET: name })).toBe(true);
    expect(abstract.read()).toBe('STOPPING=1');
    abstract.close();
  });

  it('does nothing without $NOTIFY_SOCKET, and says why it cannot reach a named one', () => {
    expect(sdNotify('READY=1', {})).toBe(false);
    expect(() => sdNotify('READY=1', { NOTIFY_SOCKET: '/nonexistent/notify' })).toThrow(
      /sd_notify to \/nonexistent\/notify failed: errno 2/,
    );
    expect(() => sdNotify('READY=1', { NOTIFY_SOCKET: `/${'x'.repeat(200)}` })).toThrow(
      /is not a unix socket path/,
    );
  });
});
