#!/usr/bin/env node
// Builds dist/: the program as one ES module (dist/main.js), the configuration
// parser's worker (dist/config-worker.js) and the chunks both load on demand
// (dist/chunks/). Node resolves, reads and
// compiles every module file it loads; with the dependencies' hundreds of
// files that made `anycastd run` take 30 s to start under user-mode Linux,
// where each file costs milliseconds. Types are checked by tsc beforehand.
//
// Left out of the bundle: the packages with native code (koffi, netlink),
// which load their binaries from node_modules.
import { build } from 'esbuild';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const started = performance.now();
rmSync('dist', { recursive: true, force: true });
const result = await build({
  entryPoints: { main: 'src/main.ts', 'config-worker': 'src/config/load-worker.ts' },
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  sourcemap: 'linked',
  external: ['koffi', 'netlink'],
  // CommonJS dependencies call require() for Node's own modules; an ES module has
  // no require of its own, so each file gets one.
  banner: {
    js: "import { createRequire as __anycastdRequire } from 'node:module'; const require = __anycastdRequire(import.meta.url);",
  },
  logLevel: 'warning',
  metafile: true,
});
chmodSync('dist/main.js', 0o755);
writeFileSync('dist/third-party.json', `${JSON.stringify(thirdParty(result.metafile), null, 2)}\n`);
const files = Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'));
const bytes = files.reduce((n, f) => n + result.metafile.outputs[f].bytes, 0);
console.log(
  `bundle: dist/main.js, dist/config-worker.js and ${files.length - 2} chunks, ${(bytes / 1e6).toFixed(1)} MB, ` +
    `in ${Math.round(performance.now() - started)} ms`,
);

/**
 * The packages whose code the bundle carries, with their licences: the Debian
 * package's copyright file lists them.
 */
function thirdParty(metafile) {
  const dirs = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) dirs.add(m[1]);
  }
  return [...dirs]
    .map((dir) => JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')))
    .map((p) => ({ name: p.name, version: p.version, license: p.license ?? 'UNKNOWN' }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
