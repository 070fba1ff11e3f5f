import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gobgpdConfig } from '../../../src/bgp/gobgpd-config.js';
import { run } from '../../lab/exec.js';

// gobgpd itself judges the files: its dry run reads a config and exits 1 on any error.
async function dryRun(file: string) {
  const found = await run('sh', ['-c', 'command -v gobgpd'], { allowFailure: true });
  if (found.code !== 0) throw new Error('gobgpd is missing: apt-get install gobgpd');
  return run('gobgpd', ['--dry-run', '-f', file], { allowFailure: true });
}

describe('gobgpd configuration files', () => {
  it('the examples in gobgp/ are valid', async () => {
    expect((await dryRun('gobgp/gobgpd.toml')).code).toBe(0);
    expect((await dryRun('gobgp/gobgpd-fleet.toml')).code).toBe(0);
  });

  it('the file spawn mode writes is valid, and the dry run does refuse a broken one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'acd-gobgpd-'));
    const good = join(dir, 'good.toml');
    writeFileSync(
      good,
      gobgpdConfig({
        asn: 4200000001,
        routerId: '10.0.0.2',
        listenAddresses: ['10.0.0.2', 'fd00::2'],
      }),
    );
    expect((await dryRun(good)).code).toBe(0);
    // With the fleet guard's import policy for two other directors.
    writeFileSync(
      good,
      gobgpdConfig({ asn: 65001, routerId: '10.0.0.2' }, ['10.0.0.3', 'fd00::3']),
    );
    expect((await dryRun(good)).code).toBe(0);
    const bad = join(dir, 'bad.toml');
    writeFileSync(bad, gobgpdConfig({ asn: 65001, routerId: '10.0.0.2' }).replace('65001', '"x"'));
    const refused = await dryRun(bad);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('global.config.as');
  });
});
