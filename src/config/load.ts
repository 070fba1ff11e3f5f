/**
 * Reading a configuration file: YAML text → parseConfig, with each problem
 * located by line in the file (`services[1].reals[3].address (line 42): ...`).
 * YAML syntax errors and duplicate keys are problems like any other. A file
 * may include further files of services (include.ts).
 */
import { createHash } from 'node:crypto';
import { TooLarge, readBounded } from './bounds.js';
import { type Issue } from '../input/issues.js';
import { type IncludedFile, expandIncludes, placeIssue } from './include.js';
import { type LineOf, type YamlText, readYamlText } from './read-yaml.js';
import { type ParseResult, parseConfig } from './parse.js';
import { configWarnings } from './warnings.js';

export interface LocatedIssue extends Issue {
  /** 1-based line in the file, when the path leads to a node in it. */
  line?: number | undefined;
  /** The included file it is in; absent for the main file. */
  file?: string | undefined;
}

export type LoadResult =
  | {
      config: NonNullable<ParseResult['config']>;
      issues?: undefined;
      /**
       * SHA-256, hex, of the text; with includes, of the main text and then each
       * included file's name and text in turn: which configuration the daemon runs on.
       */
      sha256: string;
      /** Valid but known to hurt (src/config/warnings.ts). */
      warnings: LocatedIssue[];
      /** The files `include` added, in order, each with the SHA-256 of its text. */
      included?: { file: string; sha256: string }[];
      /** With includes: the configuration as one document (what `anycastd plan` sends). */
      expanded?: Record<string, unknown>;
    }
  | { config?: undefined; issues: LocatedIssue[] };

/** A configuration's text on its own: `include` needs a file to be relative to. */
export function parseConfigText(text: string): LoadResult {
  const read = readYamlText(text);
  if ('issues' in read) return read;
  if (hasInclude(read.value))
    return {
      issues: [
        {
          path: 'include',
          message:
            'include needs the file it is in (its patterns are relative to it): load the file, ' +
            'or send the expanded configuration as anycastd plan does',
          line: lineFinder(read)?.('include'),
        },
      ],
    };
  return settle(read.value, sha256(text), () => lineFinder(read), read);
}

export async function loadConfigFile(file: string): Promise<LoadResult> {
  const text = await readMain(file);
  if (typeof text !== 'string') return text;
  const read = readYamlText(text);
  if ('issues' in read) return read;
  if (!hasInclude(read.value))
    return settle(read.value, sha256(text), () => lineFinder(read), read);
  const mainLineOf = () => lineFinder(read);
  const x = await expandIncludes(file, read.value, mainLineOf);
  if (x.issues.length > 0) return { issues: x.issues };
  const hash = createHash('sha256').update(text);
  for (const p of x.included) hash.update(`\0${p.file}\0`).update(p.text);
  const r = settle(x.value, hash.digest('hex'), mainLineOf, read, x.included);
  if (r.issues) return r;
  return {
    ...r,
    warnings: [...x.warnings, ...r.warnings],
    included: x.included.map((p) => ({ file: p.file, sha256: sha256(p.text) })),
    expanded: x.value,
  };
}

function hasInclude(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, 'include');
}

function lineFinder(read: YamlText): LineOf | undefined {
  const l = read.locator();
  return 'lineOf' in l ? l.lineOf : undefined;
}

/** The value's checks, run once; the exact document only locates what they found. */
function settle(
  value: unknown,
  digest: string,
  mainLineOf: () => LineOf | undefined,
  main: YamlText,
  included: readonly IncludedFile[] = [],
): LoadResult {
  const r = parseConfig(value);
  const warnings = r.config ? configWarnings(r.config) : [];
  if (r.config && warnings.length === 0) return { config: r.config, sha256: digest, warnings: [] };
  // A text the fast reading took may still be refused by the exact one (which names why).
  const located = main.locator();
  if ('issues' in located) return located;
  const place = (i: Issue) => placeIssue(i, included, mainLineOf);
  if (r.config) return { config: r.config, sha256: digest, warnings: warnings.map(place) };
  return { issues: r.issues.map(place) };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

async function readMain(file: string): Promise<string | { issues: LocatedIssue[] }> {
  try {
    return await readBounded(file);
  } catch (err) {
    const why = err instanceof TooLarge ? 'refused' : 'cannot read';
    return { issues: [{ path: '', message: `${why} ${file}: ${(err as Error).message}` }] };
  }
}

/** `FILE: N problems` and then one line per problem, ending in a newline. */
export function describeProblems(file: string, issues: readonly LocatedIssue[]): string {
  return `${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n${formatLocatedIssues(issues)}\n`;
}

/** `path (line N): message`, one per line. */
export function formatLocatedIssues(issues: readonly LocatedIssue[]): string {
  return issues.map((i) => `  ${locate(i)}: ${i.message}`).join('\n');
}

/** `path (line N)`. */
export function locate(i: LocatedIssue): string {
  const where = [i.file, i.line && `line ${i.line}`].filter(Boolean).join(' ');
  return `${i.path || '(top level)'}${where ? ` (${where})` : ''}`;
}
