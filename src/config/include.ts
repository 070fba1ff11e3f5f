/**
 * `include`: further files of services, the way operators keep one file per
 * team or per site beside the main one. A pattern is a path or a glob (`*`,
 * `?`, `[...]`), relative to the directory of the file that names it; a glob's
 * files are taken in name order. An included file holds `services` and may
 * include further files; everything else belongs in the main file. A file
 * reached twice (a cycle, or by two patterns) is refused: its services would
 * be there twice.
 */
import { glob, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { MAX_CONFIG_BYTES, TooLarge, readBounded } from './bounds.js';
import type { LocatedIssue } from './load.js';
import { type LineOf, type YamlText, readYamlText } from './read-yaml.js';

/** Included files nested deeper than this are refused (a chain, not a tree, this deep is a mistake). */
export const MAX_INCLUDE_DEPTH = 8;
/** Files one configuration may include in all. */
export const MAX_INCLUDED_FILES = 1000;

/** An included file whose services were added to the configuration. */
export interface IncludedFile {
  /** As shown to operators: relative to the main file's directory when it lies beneath it. */
  file: string;
  text: string;
  read: YamlText;
  /** Where its services start in the combined list, and how many there are. */
  offset: number;
  count: number;
}

export interface Expanded {
  /** The main file's value with `include` resolved: every file's services in one list. */
  value: Record<string, unknown>;
  included: IncludedFile[];
  issues: LocatedIssue[];
  warnings: LocatedIssue[];
}

const GLOB = /[*?[]/;
const INCLUDED_KEYS = new Set(['services', 'include']);

/** Resolves the `include` of `main` (read from `mainFile`), depth first, in the order written. */
export async function expandIncludes(
  mainFile: string,
  main: Record<string, unknown>,
  mainLineOf: () => LineOf | undefined,
): Promise<Expanded> {
  const base = dirname(resolve(mainFile));
  const shown = (abs: string) => {
    const rel = relative(base, abs);
    return rel.startsWith('..') || isAbsolute(rel) ? abs : rel;
  };
  const issues: LocatedIssue[] = [];
  const warnings: LocatedIssue[] = [];
  const included: IncludedFile[] = [];
  const services: unknown[] = Array.isArray(main.services) ? [...(main.services as unknown[])] : [];
  const seen = new Map<string, string>();
  let bytes = 0;
  const mainReal = await realpath(mainFile).catch(() => resolve(mainFile));
  seen.set(mainReal, mainFile);

  const visit = async (
    from: {
      file: string | undefined;
      abs: string;
      value: Record<string, unknown>;
      lineOf: () => LineOf | undefined;
    },
    chain: readonly string[],
  ): Promise<void> => {
    const at = (path: string, message: string, list = issues) =>
      list.push({
        path,
        message,
        line: from.lineOf()?.(path),
        ...(from.file !== undefined && { file: from.file }),
      });
    const raw = from.value.include;
    if (raw === undefined) return;
    const patterns = typeof raw === 'string' ? [raw] : raw;
    if (!Array.isArray(patterns)) {
      at('include', 'must be a path or glob, or a list of them');
      return;
    }
    for (const [i, pattern] of (patterns as unknown[]).entries()) {
      const path = typeof raw === 'string' ? 'include' : `include[${i}]`;
      if (typeof pattern !== 'string' || pattern.trim() === '') {
        at(path, `${JSON.stringify(pattern)} is not a path or glob`);
        continue;
      }
      const full = resolve(dirname(from.abs), pattern);
      const files = GLOB.test(pattern) ? await matches(full) : [full];
      if (files.length === 0) at(path, `"${pattern}" matches no file`, warnings);
      for (const abs of files) {
        const name = shown(abs);
        if (chain.length >= MAX_INCLUDE_DEPTH) {
          at(path, `"${name}": includes are nested more than ${MAX_INCLUDE_DEPTH} deep`);
          return;
        }
        if (included.length >= MAX_INCLUDED_FILES) {
          at(path, `"${name}": a configuration may include at most ${MAX_INCLUDED_FILES} files`);
          return;
        }
        const real = await realpath(abs).catch(() => abs);
        const cycle = chain.indexOf(real);
        if (cycle >= 0) {
          at(
            path,
            `"${name}" includes itself: ${[...chain.slice(cycle), real].map(shown).join(' → ')}`,
          );
          continue;
        }
        const before = seen.get(real);
        if (before !== undefined) {
          at(
            path,
            `"${name}" is included already (by ${before}): its services would be there twice`,
          );
          continue;
        }
        seen.set(real, from.file ?? mainFile);
        let text: string;
        try {
          text = await readBounded(abs, MAX_CONFIG_BYTES - bytes);
        } catch (err) {
          const why = err instanceof TooLarge ? 'refused' : 'cannot read';
          at(
            path,
            `${why} "${name}": ${(err as Error).message}${err instanceof TooLarge ? ' (with the files before it)' : ''}`,
          );
          continue;
        }
        bytes += Buffer.byteLength(text);
        const read = readYamlText(text);
        if ('issues' in read) {
          issues.push(...read.issues.map((x) => ({ ...x, file: name })));
          continue;
        }
        const lineOf = () => {
          const l = read.locator();
          return 'lineOf' in l ? l.lineOf : undefined;
        };
        const inFile = (p: string, message: string) =>
          issues.push({ path: p, message, line: lineOf()?.(p), file: name });
        const v = read.value;
        if (v === null || typeof v !== 'object' || Array.isArray(v)) {
          inFile('', 'an included file must be a mapping with services (and perhaps include)');
          continue;
        }
        const doc = v as Record<string, unknown>;
        const extra = Object.keys(doc).filter((k) => !INCLUDED_KEYS.has(k));
        for (const k of extra)
          inFile(
            k,
            `only services and include may be in an included file; ${k} belongs in the main file (${shown(resolve(mainFile))})`,
          );
        const own = doc.services ?? [];
        if (!Array.isArray(own)) inFile('services', 'must be a list of services');
        if (extra.length > 0 || !Array.isArray(own)) continue;
        included.push({ file: name, text, read, offset: services.length, count: own.length });
        services.push(...(own as unknown[]));
        await visit({ file: name, abs, value: doc, lineOf }, [...chain, real]);
      }
    }
  };
  await visit({ file: undefined, abs: resolve(mainFile), value: main, lineOf: mainLineOf }, [
    mainReal,
  ]);
  const value: Record<string, unknown> = { ...main };
  delete value.include;
  if (services.length > 0 || Array.isArray(main.services)) value.services = services;
  return { value, included, issues, warnings };
}

async function matches(pattern: string): Promise<string[]> {
  const found: string[] = [];
  for await (const f of glob(pattern)) found.push(f);
  return found.sort();
}

/**
 * Where a problem in the combined configuration is: a service that came from
 * an included file is reported in that file, at its line there.
 */
export function placeIssue(
  issue: LocatedIssue,
  included: readonly IncludedFile[],
  mainLineOf: () => LineOf | undefined,
): LocatedIssue {
  const m = /^services\[(\d+)\]/.exec(issue.path);
  const k = m ? Number(m[1]) : -1;
  const part = included.find((p) => k >= p.offset && k < p.offset + p.count);
  if (!part) return { ...issue, line: mainLineOf()?.(issue.path) };
  // The path stays global, as messages name other services by their global index too; only the
  // line is looked up under the service's index in its own file.
  const own = `services[${k - part.offset}]${issue.path.slice(m?.[0].length ?? 0)}`;
  const l = part.read.locator();
  return { ...issue, file: part.file, line: 'lineOf' in l ? l.lineOf(own) : undefined };
}
