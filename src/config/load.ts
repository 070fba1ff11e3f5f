/**
 * Reading a configuration file: YAML text → parseConfig, with each problem
 * located by line in the file (`services[1].reals[3].address (line 42): ...`).
 * YAML syntax errors and duplicate keys are problems like any other.
 */
import { createHash } from 'node:crypto';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { MAX_ALIASES, TooLarge, readBounded, textBoundsProblem } from './bounds.js';
import { type Issue } from '../input/issues.js';
import { fastYamlValue } from './fast-yaml.js';
import { type ParseResult, parseConfig } from './parse.js';
import { configWarnings } from './warnings.js';

export interface LocatedIssue extends Issue {
  /** 1-based line in the file, when the path leads to a node in it. */
  line?: number | undefined;
}

export type LoadResult =
  | {
      config: NonNullable<ParseResult['config']>;
      issues?: undefined;
      /** SHA-256 of the text, hex: which file the daemon runs on, for the status. */
      sha256: string;
      /** Valid but known to hurt (src/config/warnings.ts). */
      warnings: LocatedIssue[];
    }
  | { config?: undefined; issues: LocatedIssue[] };

export function parseConfigText(text: string): LoadResult {
  const bounds = textBoundsProblem(text);
  if (bounds) return { issues: [{ path: '', message: bounds.message, line: bounds.line }] };
  // The fast reading settles a valid file without warnings; anything to locate reads it exactly.
  const fast = fastYamlValue(text);
  const fastResult = fast && parseConfig(fast);
  if (fastResult?.config && configWarnings(fastResult.config).length === 0)
    return { config: fastResult.config, sha256: sha256(text), warnings: [] };
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      issues: doc.errors.map((e) => ({
        path: '',
        message: `YAML: ${e.message.split('\n')[0] ?? e.message}`,
        line: lineCounter.linePos(e.pos[0]).line,
      })),
    };
  }
  let value: unknown;
  try {
    if (!fastResult) value = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    // The yaml package throws a ReferenceError naming the alias count.
    const message = (err as Error).message;
    return {
      issues: [
        {
          path: '',
          message: /alias/i.test(message)
            ? `YAML: aliases expand too far (at most ${MAX_ALIASES} aliases are resolved): ${message}`
            : `YAML: ${message}`,
        },
      ],
    };
  }
  // Both readings give the same value (test/unit/config/fast-yaml.test.ts): its
  // checks are not run twice, the document only locates what they found.
  const r = fastResult ?? parseConfig(value);
  if (r.config)
    return {
      config: r.config,
      sha256: sha256(text),
      warnings: configWarnings(r.config).map((w) => ({
        ...w,
        line: lineOf(doc, lineCounter, w.path),
      })),
    };
  return { issues: r.issues.map((i) => ({ ...i, line: lineOf(doc, lineCounter, i.path) })) };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export async function loadConfigFile(file: string): Promise<LoadResult> {
  let text: string;
  try {
    text = await readBounded(file);
  } catch (err) {
    const why = err instanceof TooLarge ? 'refused' : 'cannot read';
    return { issues: [{ path: '', message: `${why} ${file}: ${(err as Error).message}` }] };
  }
  return parseConfigText(text);
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
  return `${i.path || '(top level)'}${i.line ? ` (line ${i.line})` : ''}`;
}

/** The line of the deepest node `path` reaches (a missing field points at its parent). */
function lineOf(doc: Document, counter: LineCounter, path: string): number | undefined {
  const keys: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g))
    keys.push(m[2] !== undefined ? Number(m[2]) : (m[1] ?? ''));
  for (let n = keys.length; n >= 0; n--) {
    const node = doc.getIn(keys.slice(0, n), true) as
      { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}
