/**
 * One configuration text read to a value. The fast reading (fast-yaml.ts)
 * gives the value of most texts; the exact document, with source positions,
 * is built only when a problem has to be located, or when the fast reading
 * does not settle the text.
 */
import { LineCounter, parseDocument, type Document } from 'yaml';
import { MAX_ALIASES, textBoundsProblem } from './bounds.js';
import { fastYamlValue } from './fast-yaml.js';
import type { LocatedIssue } from './load.js';

/** Finds the line a field's path leads to. */
export type LineOf = (path: string) => number | undefined;

export interface YamlText {
  value: unknown;
  /** The exact document, built on first call: what it finds wrong, or a line finder. */
  locator(): { issues: LocatedIssue[] } | { lineOf: LineOf };
}

export function readYamlText(text: string): YamlText | { issues: LocatedIssue[] } {
  const bounds = textBoundsProblem(text);
  if (bounds) return { issues: [{ path: '', message: bounds.message, line: bounds.line }] };
  let exact: ReturnType<typeof exactDocument> | undefined;
  const locator = () => (exact ??= exactDocument(text));
  const fast = fastYamlValue(text);
  if (fast) return { value: fast, locator };
  const e = locator();
  if ('issues' in e) return e;
  try {
    return { value: e.doc.toJS({ maxAliasCount: MAX_ALIASES }), locator };
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
}

function exactDocument(
  text: string,
): { issues: LocatedIssue[] } | { doc: Document; lineOf: LineOf } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0)
    return {
      issues: doc.errors.map((e) => ({
        path: '',
        message: `YAML: ${e.message.split('\n')[0] ?? e.message}`,
        line: lineCounter.linePos(e.pos[0]).line,
      })),
    };
  return { doc, lineOf: (path) => lineOf(doc, lineCounter, path) };
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
