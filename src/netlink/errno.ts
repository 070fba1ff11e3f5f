/** Errno numbers and their names, as the platform defines them. */
import { constants } from 'node:os';

const errnoNames = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) {
  if (!errnoNames.has(value)) errnoNames.set(value, name);
}

/** `EEXIST` for 17; `E<n>` for a number the platform does not name. */
export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `E${errno}`;
}

export function errnoNumber(name: string): number | undefined {
  return (constants.errno as Record<string, number | undefined>)[name];
}

/** The number of an errno every Linux defines (0 where the platform lacks it, never matched). */
export function errnoOf(name: string): number {
  return errnoNumber(name) ?? 0;
}
