import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../lab/exec.js';

const bin = join(process.cwd(), 'dist/main.js');

/**
 * Unloads IPVS from the kernel: the scheduler and engine modules first (they
 * hold ip_vs), then ip_vs itself. Namespaces of earlier tests release their
 * IPVS state asynchronously, so a busy module is retried for a while.
 */
async function unloadIpvs(): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const loaded = readFileSync('/proc/modules', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[0] as string)
      .filter((m) => m.startsWith('ip_vs'));
    if (loaded.length === 0) return;
    const users = loaded.filter((m) => m !== 'ip_vs');
    for (const m of users.length ? users : ['ip_vs']) {
      await run('rmmod', [m], { allowFailure: true });
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`cannot unload IPVS: ${readFileSync('/proc/modules', 'utf8')}`);
}

const kernelModprobe = '/proc/sys/kernel/modprobe';

describe('when the ip_vs module is not loaded', () => {
  // The kernel may load the module itself when the generic netlink family is
  // asked for; point its helper nowhere so only anycastd's own attempt counts.
  const savedHelper = readFileSync(kernelModprobe, 'utf8');
  beforeAll(() => writeFileSync(kernelModprobe, '/nonexistent/modprobe\n'));
  afterAll(async () => {
    writeFileSync(kernelModprobe, savedHelper);
    // Later tests need IPVS back.
    await run('modprobe', ['ip_vs']);
  });

  it('loads it with modprobe, once, and carries on', async () => {
    await unloadIpvs();
    expect(existsSync('/proc/net/ip_vs')).toBe(false);
    const r = await run(bin, ['ipvs', 'list', '-n']);
    expect(r.stdout).toMatch(/^IP Virtual Server version 1\.2\.1/);
    expect(existsSync('/proc/net/ip_vs')).toBe(true);
  });

  it('says what is missing and how to fix it when it cannot be loaded, exit 4', async () => {
    await unloadIpvs();
    // No modprobe on PATH: loading fails, as on a kernel without the module.
    const r = await run(process.execPath, [bin, 'ipvs', 'list', '-n'], {
      env: { ...process.env, PATH: '/nonexistent' },
      allowFailure: true,
    });
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      'IPVS is not available: the kernel has no "IPVS" generic netlink family',
    );
    expect(r.stderr).toContain('modprobe ip_vs failed');
    expect(r.stderr).toContain(
      'Load it with `modprobe ip_vs` (as root), or use a kernel built with CONFIG_IP_VS.',
    );
  });
});
