#!/usr/bin/env node
// Writes a Debian-format changelog (what dpkg and lintian read) from
// CHANGELOG.md's release sections: one entry per version, pointing at the
// full text, which the package ships as CHANGELOG.md.gz.
//
//   node scripts/lib/deb-changelog.mjs CHANGELOG.md "NAME <EMAIL>"
import { readFileSync } from 'node:fs';

const [file, maintainer] = process.argv.slice(2);
if (!file || !maintainer) {
  console.error('usage: deb-changelog.mjs CHANGELOG.md "NAME <EMAIL>"');
  process.exit(2);
}
const entries = [];
for (const line of readFileSync(file, 'utf8').split('\n')) {
  const m = /^## (\d+\.\d+\.\d+\S*) — (\d{4}-\d{2}-\d{2})$/.exec(line);
  if (m) entries.push({ version: m[1], date: m[2], summary: [] });
  else if (entries.length && !line.startsWith('#') && line.trim() && !line.startsWith('-')) {
    const last = entries[entries.length - 1];
    if (last.summary.length === 0) last.summary.push(line.trim());
  }
}
if (entries.length === 0) {
  console.error(`deb-changelog: ${file} has no section "## X.Y.Z — YYYY-MM-DD"`);
  process.exit(3);
}
const out = entries.map((e) => {
  const date = new Date(`${e.date}T12:00:00Z`).toUTCString().replace('GMT', '+0000');
  const what = e.summary[0] ?? `Release ${e.version}.`;
  return [
    `anycastd (${e.version}) unstable; urgency=medium`,
    '',
    `  * ${what}`,
    '    The changes are listed in /usr/share/doc/anycastd/CHANGELOG.md.gz.',
    '',
    ` -- ${maintainer}  ${date}`,
    '',
  ].join('\n');
});
process.stdout.write(out.join('\n'));
