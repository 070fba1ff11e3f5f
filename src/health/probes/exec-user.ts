/**
 * Who an exec check runs as: a user and group by name or number, looked up in
 * /etc/passwd and /etc/group (the files, not NSS: a check's account should be
 * local to the director, as `nobody` is). The group defaults to the user's own.
 */
import { readFileSync } from 'node:fs';

export interface Identity {
  uid: number;
  gid: number;
}

interface Files {
  passwd: string;
  group: string;
}

/** The uid and gid for `user` (and `group`), or why there are none. */
export function resolveIdentity(
  user: string,
  group: string | undefined,
  files: Files = readFiles(),
): Identity | { error: string } {
  const entry = lookup(files.passwd, user);
  if (!entry) return { error: `user ${JSON.stringify(user)} is not in /etc/passwd` };
  const uid = Number(entry[2]);
  let gid = Number(entry[3]);
  if (group !== undefined) {
    const g = lookup(files.group, group);
    if (!g) return { error: `group ${JSON.stringify(group)} is not in /etc/group` };
    gid = Number(g[2]);
  }
  return { uid, gid };
}

/** The line whose name (field 0) or number (field 2) is `key`, split into fields. */
function lookup(file: string, key: string): string[] | undefined {
  const numeric = /^\d+$/.test(key);
  for (const line of file.split('\n')) {
    const fields = line.split(':');
    if (fields.length < 4 || line.startsWith('#')) continue;
    if (numeric ? fields[2] === key : fields[0] === key) return fields;
  }
  // A bare number needs no entry: the kernel takes any uid or gid.
  return numeric ? ['', '', key, key] : undefined;
}

function readFiles(): Files {
  const read = (f: string) => {
    try {
      return readFileSync(f, 'utf8');
    } catch {
      return '';
    }
  };
  return { passwd: read('/etc/passwd'), group: read('/etc/group') };
}
