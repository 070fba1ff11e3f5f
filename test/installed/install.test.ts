/**
 * The Debian package as an operator gets it: what `dpkg -i` installs, and that
 * the installed program runs on its own runtime, not the machine's node. Runs
 * in the kernel lab with systemd as PID 1 (./scripts/test installed), on its
 * throw-away root.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../lab/exec.js';
import { ensureInstalled, system, VERSION } from '../lab/deb.js';

describe('the installed package', () => {
  beforeAll(async () => {
    await ensureInstalled();
  });

  it('is installed with its conffiles, and runs on its own runtime', async () => {
    const status = await system('dpkg-query', [
      '-W',
      '-f',
      '${Status} ${Version}\n${Conffiles}',
      'anycastd',
    ]);
    expect(status.stdout).toContain(`install ok installed ${VERSION}`);
    expect(status.stdout).toContain('/etc/anycastd/anycastd.yaml');
    expect(status.stdout).toContain('/etc/default/anycastd-sidecar-guard');

    const manifest = JSON.parse(readFileSync('/usr/lib/anycastd/package.json', 'utf8')) as unknown;
    expect(manifest).toMatchObject({ name: 'anycastd', version: VERSION });
    // No PATH at all: no node of the machine's can be found, the bundled one is named outright.
    const version = await run('/usr/bin/anycastd', ['version', '--json'], {
      env: {},
      allowFailure: true,
    });
    expect(version.code, version.stderr).toBe(0);
    const info = JSON.parse(version.stdout) as { version: string; node: string };
    expect(info).toMatchObject({ version: VERSION, node: `v${bundledNodeVersion()}` });
  });

  it('validates its example configuration from the default path', async () => {
    const r = await system('anycastd', ['validate']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toContain('/etc/anycastd/anycastd.yaml');
  });

  it('has a manual page, bash completion and units systemd accepts', async () => {
    const man = await system('man', ['--warnings', '-P', 'cat', 'anycastd']);
    expect(man.code, man.stderr).toBe(0);
    expect(man.stderr).toBe('');
    expect(man.stdout).toContain('anycastd sidecar-guard');
    const completion = await system('bash', [
      '-c',
      'source /usr/share/bash-completion/completions/anycastd && complete -p anycastd',
    ]);
    expect(completion.stdout.trim()).toBe('complete -F _anycastd anycastd');
    const verify = await system('systemd-analyze', [
      'verify',
      '--man=yes',
      'anycastd.service',
      'anycastd-sidecar-guard.service',
    ]);
    expect({ code: verify.code, said: verify.stdout + verify.stderr }).toEqual({
      code: 0,
      said: '',
    });
  });
});

/** The Node.js version scripts/lib/runtime.sh pins (and the package bundles). */
function bundledNodeVersion(): string {
  const m = /^NODE_VERSION=(\S+)$/m.exec(readFileSync('scripts/lib/runtime.sh', 'utf8'));
  if (!m?.[1]) throw new Error('scripts/lib/runtime.sh has no NODE_VERSION');
  return m[1];
}
