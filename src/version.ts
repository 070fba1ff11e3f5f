/** The running program's version, read once from the package manifest. */
import { readFileSync } from 'node:fs';

interface Manifest {
  name: string;
  version: string;
}

let cached: Manifest | undefined;

/** Name and version from package.json (one directory above both src/ and dist/). */
export function manifest(): Manifest {
  if (cached === undefined) {
    const raw: unknown = JSON.parse(
      readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
    );
    const m = raw as Partial<Manifest>;
    if (typeof m.name !== 'string' || typeof m.version !== 'string') {
      throw new Error('package.json has no name or version');
    }
    cached = { name: m.name, version: m.version };
  }
  return cached;
}
