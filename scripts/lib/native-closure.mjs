#!/usr/bin/env node
// Keeps in a node_modules directory only the named packages and what they
// load (dependencies and optional dependencies, resolved as Node would), and
// of those only what runs on linux-x64: the Debian package ships the native
// modules the bundle leaves out and nothing else.
//
//   node scripts/lib/native-closure.mjs NODE_MODULES PACKAGE...
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const [root, ...wanted] = process.argv.slice(2);
if (!root || wanted.length === 0) {
  console.error('usage: native-closure.mjs NODE_MODULES PACKAGE...');
  process.exit(2);
}

/** The directory Node would load `name` from when required from `from`. */
function resolve(name, from) {
  for (let dir = from; dir.startsWith(root); dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root) break;
  }
  const top = join(root, name);
  return existsSync(join(top, 'package.json')) ? top : undefined;
}

/** Dependencies used only to compile a native module (headers), never loaded. */
const BUILD_ONLY = new Set(['node-addon-api']);
/** Files of kept packages that only build or test them: they never run on a director. */
const UNUSED = [
  'koffi/cnoke.cjs',
  'node-gyp-build/bin.js',
  'node-gyp-build/build-test.js',
  'node-gyp-build/optional.js',
];

const keep = new Set();
const queue = wanted.map((name) => {
  const dir = join(root, name);
  if (!existsSync(join(dir, 'package.json'))) throw new Error(`${name} is not in ${root}`);
  return dir;
});
while (queue.length) {
  const dir = queue.pop();
  if (keep.has(dir)) continue;
  keep.add(dir);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const deps = { ...manifest.dependencies, ...manifest.optionalDependencies };
  for (const name of Object.keys(deps)) {
    if (BUILD_ONLY.has(name) || name.startsWith('@types/')) continue;
    const found = resolve(name, dir);
    if (found) queue.push(found);
  }
}

/** Removes every package directory under `dir` that is not kept. */
function prune(dir) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === '.bin') {
      rmSync(join(dir, entry.name), { recursive: true, force: true });
      continue;
    }
    const path = join(dir, entry.name);
    if (entry.name.startsWith('@')) {
      prune(path);
      if (readdirSync(path).length === 0) rmSync(path, { recursive: true });
    } else if (!keep.has(path)) {
      rmSync(path, { recursive: true, force: true });
    } else {
      prune(join(path, 'node_modules'));
    }
  }
}
prune(root);
for (const entry of readdirSync(root)) {
  if (entry.startsWith('.')) rmSync(join(root, entry), { recursive: true, force: true });
}

// Prebuilt binaries for other platforms would only be dead weight (and foreign
// architectures in an amd64 package).
for (const dir of keep) {
  const prebuilds = join(dir, 'prebuilds');
  if (!existsSync(prebuilds)) continue;
  for (const platform of readdirSync(prebuilds)) {
    if (platform !== 'linux-x64') rmSync(join(prebuilds, platform), { recursive: true });
  }
}
// koffi ships a musl build beside the glibc one; Debian is glibc.
rmSync(join(root, '@koromix/koffi-linux-x64/musl_x64'), { recursive: true, force: true });
for (const file of UNUSED) rmSync(join(root, file), { force: true });
console.error(`native-closure: kept ${[...keep].map((d) => relative(root, d)).join(', ')}`);
