/** The running program's version, read once from the package manifest. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './package-root.js';

interface Manifest {
  name: string;
  version: string;
}

let cached: Manifest | undefined;

/** Name and version from the package's package.json. */
export function manifest(): Manifest {
  if (cached === undefined) {
    const raw: unknown = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8'));
    const m = raw as Partial<Manifest>;
    if (typeof m.name !== 'string' || typeof m.version !== 'string') {
      throw new Error('package.json has no name or version');
    }
    cached = { name: m.name, version: m.version };
  }
  return cached;
}
