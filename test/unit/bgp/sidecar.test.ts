import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GobgpSidecar } from '../../../src/bgp/sidecar.js';
import { CliError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log.js';

describe('spawned sidecar', () => {
  it('without gobgpd: fails with the apt command and exit 4, having written nothing', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'acd-sidecar-')), 'state');
    const sidecar = new GobgpSidecar({
      speaker: { asn: 65001, routerId: '10.0.0.1' },
      stateDir: dir,
      binary: '/nonexistent/gobgpd',
      log: createLogger({ level: 'silent' }),
    });
    const err = await sidecar.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(4);
    expect((err as CliError).message).toContain('apt-get install gobgpd');
    expect(() => readdirSync(dir)).toThrow(/ENOENT/);
  });
});
