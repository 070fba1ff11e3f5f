/**
 * compose.yaml as Docker Compose itself reads it: Debian's docker-compose
 * (1.29) validates the file against its schema without a container engine.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../lab/exec.js';

async function composeConfig(file: string) {
  const found = await run('sh', ['-c', 'command -v docker-compose'], { allowFailure: true });
  if (found.code !== 0)
    throw new Error(
      'docker-compose is missing: apt-get install --no-install-recommends docker-compose (./scripts/setup does)',
    );
  return run('docker-compose', ['-f', file, 'config', '-q'], { allowFailure: true });
}

describe('compose.yaml', () => {
  it('is a valid Compose file', async () => {
    const r = await composeConfig('compose.yaml');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('would be refused if it were not (the check can fail)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'acd-compose-'));
    const broken = join(dir, 'compose.yaml');
    writeFileSync(
      broken,
      readFileSync('compose.yaml', 'utf8').replace(
        'stop_grace_period: 30s',
        'stop_grace_perod: 30s',
      ),
    );
    const r = await composeConfig(broken);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("'stop_grace_perod'");
  });
});
