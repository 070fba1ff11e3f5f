/**
 * The daemon's state that must outlive it: the operator's drains. A drained
 * real server must stay drained across a restart, or a restart would send
 * traffic where the operator said not to. Written whole to a temporary file
 * and renamed, so a crash never leaves half a file.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Drains, NO_DRAINS } from './health-view.js';

interface StateDocument {
  version: 1;
  drains: { director: boolean; vips: string[]; services: string[]; reals: string[] };
}

export async function loadDrains(file: string): Promise<Drains> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return NO_DRAINS;
    throw err;
  }
  const doc = JSON.parse(text) as Partial<StateDocument>;
  const d = doc.drains;
  if (doc.version !== 1 || !d) throw new Error(`${file}: not an anycastd state file (version 1)`);
  return {
    director: d.director === true,
    vips: new Set(d.vips ?? []),
    services: new Set(d.services ?? []),
    reals: new Set(d.reals ?? []),
  };
}

export async function saveDrains(file: string, drains: Drains): Promise<void> {
  const doc: StateDocument = {
    version: 1,
    drains: {
      director: drains.director,
      vips: [...drains.vips].sort(),
      services: [...drains.services].sort(),
      reals: [...drains.reals].sort(),
    },
  };
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o640 });
  await rename(tmp, file);
}
