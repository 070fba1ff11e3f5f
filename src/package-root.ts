/**
 * The package's root directory (where package.json and proto/ are), found by
 * walking up from this module: it sits at a different depth under src/ (tests),
 * .lab/bench-build/src/ (benchmarks) and dist/ (the bundled program).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached !== undefined) return cached;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (isOurManifest(join(dir, 'package.json'))) return (cached = dir);
    if (dirname(dir) === dir) break;
  }
  throw new Error(`no package.json of anycastd in ${start} or above it`);
}

function isOurManifest(file: string): boolean {
  if (!existsSync(file)) return false;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === 'anycastd';
  } catch {
    return false;
  }
}
