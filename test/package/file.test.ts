/**
 * The Debian package file that scripts/release builds, as dpkg and lintian
 * see it (./scripts/test package builds it, then runs this on the host).
 */
import { describe, expect, it } from 'vitest';
import { debPath, system, VERSION } from '../lab/deb.js';

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
      './usr/share/doc/anycastd/examples/monitoring/anycastd-alerts.yaml',
      './usr/share/doc/anycastd/examples/monitoring/grafana-anycastd.json',
    ]) {
      expect(files, f).toContain(f);
    }
    // Native code for linux-x64 with glibc only: nothing for other architectures or libcs.
    const native = files.filter((f) => f.endsWith('.node'));
    expect(native.length).toBeGreaterThanOrEqual(2);
    expect(native.filter((f) => !/\/linux[-_]x64\/[^/]+\.node$/.test(f))).toEqual([]);
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
