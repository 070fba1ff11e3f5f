/**
 * The package tier's view of the Debian package: where the release script put
 * it, and the commands the tests run against the installed files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, type RunResult } from './exec.js';

const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

/** The .deb under test: $ANYCASTD_DEB, else what `scripts/release` builds for this version. */
export function debPath(): string {
  const path =
    process.env.ANYCASTD_DEB ?? join(process.cwd(), `.lab/release/anycastd_${version}_amd64.deb`);
  if (!existsSync(path)) {
    throw new Error(
      `no package at ${path}: build it with scripts/release (./scripts/test package does), or set ANYCASTD_DEB`,
    );
  }
  return path;
}

export const VERSION = version;

/** Runs a program with the PATH a service or an operator's shell would have. */
export function system(command: string, args: readonly string[] = []): Promise<RunResult> {
  return run(command, args, {
    allowFailure: true,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', HOME: '/root' },
    timeoutMs: 120_000,
  });
}

let installed: Promise<RunResult> | undefined;

/**
 * Installs the package once per run (the kernel lab's root is a throw-away
 * overlay): `dpkg -i`, with its dependencies already on the machine.
 */
export function ensureInstalled(): Promise<RunResult> {
  installed ??= (async () => {
    const had = await system('dpkg-query', ['-W', '-f', '${Status} ${Version}', 'anycastd']);
    if (had.stdout === `install ok installed ${VERSION}`) return had;
    const r = await system('dpkg', ['-i', debPath()]);
    if (r.code !== 0)
      throw new Error(`dpkg -i ${debPath()} failed (${r.code}):\n${r.stdout}${r.stderr}`);
    return r;
  })();
  return installed;
}
