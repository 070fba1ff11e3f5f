/**
 * The Debian package as an operator gets it: what dpkg and lintian say of the
 * file, what `dpkg -i` installs, and that the installed program runs on its
 * own runtime, not the machine's node. Runs in the kernel lab with systemd as
 * PID 1 (scripts/test package), on its throw-away root.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../lab/exec.js';
import { debPath, ensureInstalled, system, VERSION } from './deb.js';

describe('the .deb file', () => {
  it('has the control fields, conffiles and layout of the package', async () => {
    const info = await system('dpkg-deb', ['--info', debPath()]);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toContain(`Version: ${VERSION}\n`);
    expect(info.stdout).toContain('Architecture: amd64\n');
    expect(info.stdout).toMatch(/Depends: .*gobgpd.*iproute2/);
    expect(info.stdout).toContain('Recommends: ipvsadm');
    const contents = await system('dpkg-deb', ['--contents', debPath()]);
    const files = contents.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(/\s+/).slice(5).join(' '));
    for (const f of [
      './usr/bin/anycastd',
      './usr/lib/anycastd/node/bin/node',
      './usr/lib/anycastd/dist/main.js',
      './usr/lib/anycastd/node_modules/koffi/package.json',
      './usr/lib/anycastd/node_modules/netlink/prebuilds/linux-x64/node.napi.node',
      './usr/lib/anycastd/proto/gobgp/gobgp.proto',
      './etc/anycastd/anycastd.yaml',
      './lib/systemd/system/anycastd.service',
      './lib/systemd/system/anycastd-sidecar-guard.service',
      './usr/lib/modules-load.d/anycastd.conf',
      './usr/share/man/man8/anycastd.8.gz',
      './usr/share/bash-completion/completions/anycastd',
      './usr/share/doc/anycastd/copyright',
    ]) {
      expect(files, f).toContain(f);
    }
    // Only linux-x64 native code: nothing for other architectures or libcs.
    expect(files.filter((f) => /prebuilds\/(?!linux-x64)|musl|arm64|ia32/.test(f))).toEqual([]);
  });

  it('is clean under lintian', async () => {
    const r = await system('lintian', [
      '--fail-on',
      'error,warning',
      '--tag-display-limit',
      '0',
      debPath(),
    ]);
    const tags = r.stdout.split('\n').filter((l) => /^[EWIPX]: /.test(l));
    expect({ code: r.code, tags }, r.stdout + r.stderr).toEqual({ code: 0, tags: [] });
  });
});

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
