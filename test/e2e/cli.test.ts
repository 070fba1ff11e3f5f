import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run } from '../lab/exec.js';

// The built program, run the way a user runs it (the package's bin entry).
const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
  version: string;
  bin: Record<string, string>;
};
const bin = manifest.bin.anycastd as string;

describe('the installed anycastd program', () => {
  it('is executable and answers --help with exit 0', async () => {
    const r = await run(bin, ['--help']);
    expect(r.stdout).toContain('Usage: anycastd');
    expect(r.stdout).toContain('Exit codes:');
  });

  it('prints its version', async () => {
    const r = await run(bin, ['version']);
    expect(r.stdout.startsWith(`anycastd ${manifest.version} `)).toBe(true);
  });

  it('exits 2 with a message on stderr for an unknown command', async () => {
    const r = await run(bin, ['no-such-command'], { allowFailure: true });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('unknown command "no-such-command"');
  });
});
