#!/usr/bin/env node
// Writes the Debian package's copyright file (machine-readable format 1.0):
// anycastd's licence, the Node.js runtime's, and every package whose code is
// in the bundle (dist/third-party.json) or shipped beside it (node_modules).
//
//   node scripts/lib/deb-copyright.mjs LIBDIR
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [lib] = process.argv.slice(2);
if (!lib) {
  console.error('usage: deb-copyright.mjs LIBDIR');
  process.exit(2);
}

function shipped(dir) {
  const out = [];
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (entry.startsWith('@')) out.push(...shipped(path));
    else if (existsSync(join(path, 'package.json'))) {
      const m = JSON.parse(readFileSync(join(path, 'package.json'), 'utf8'));
      out.push({ name: m.name, version: m.version, license: m.license ?? 'UNKNOWN', path });
      out.push(...shipped(join(path, 'node_modules')));
    }
  }
  return out;
}

// The year of the release, for the notice of anycastd's own files.
const year = new Date(
  Number(process.env.SOURCE_DATE_EPOCH ?? Date.now() / 1000) * 1000,
).getUTCFullYear();
const bundled = JSON.parse(readFileSync(join(lib, 'dist', 'third-party.json'), 'utf8'));
const beside = shipped(join(lib, 'node_modules'));

const out = [
  'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
  'Upstream-Name: anycastd',
  '',
  'Files: *',
  `Copyright: ${year} the anycastd authors`,
  'License: Apache-2.0',
  '',
  'Files: usr/lib/anycastd/node/*',
  'Copyright: Node.js contributors and the authors of its bundled libraries',
  'License: Node.js',
  ' Node.js is under the MIT licence; the libraries it carries are under the',
  ' licences its LICENSE file gives in full: /usr/share/doc/anycastd/LICENSE.nodejs.',
  '',
];
for (const p of beside) {
  out.push(
    `Files: ${p.path.slice(p.path.indexOf('usr/lib/anycastd/'))}/*`,
    `Copyright: the authors of ${p.name} ${p.version}`,
    `License: ${p.license}`,
    '',
  );
}
out.push(
  'Files: usr/lib/anycastd/dist/*',
  `Copyright: ${year} the anycastd authors, and the authors of the packages bundled with it:`,
  ...bundled.map((p) => ` ${p.name} ${p.version} (${p.license})`),
  'License: Apache-2.0 and the licences listed above',
  '',
  'License: Apache-2.0',
  ' On Debian systems the full text of the Apache License 2.0 is in',
  ' /usr/share/common-licenses/Apache-2.0.',
);
process.stdout.write(`${out.join('\n')}\n`);
