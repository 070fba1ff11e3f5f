/**
 * Validation issues as operators read them: the path of the offending field
 * in the input (`checks[2].timeout`), what is wrong, and the value that was
 * given. Every parser of user input reports through this one shape.
 */
import type { z } from 'zod';

/** One problem in user input. */
export interface Issue {
  /** Where, e.g. `services[1].reals[3].address`; empty for the document itself. */
  path: string;
  /** What is wrong, including the offending value. */
  message: string;
}

/** Input refused, with every problem found (not just the first). */
export class InvalidInputError extends Error {
  constructor(
    readonly what: string,
    readonly issues: readonly Issue[],
  ) {
    super(
      `${what}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n${formatIssues(issues)}`,
    );
    this.name = 'InvalidInputError';
  }
}

/** One line per issue, `path: message`. */
export function formatIssues(issues: readonly Issue[]): string {
  return issues.map((i) => `  ${i.path || '(top level)'}: ${i.message}`).join('\n');
}

/** Joins a path of keys and indexes the way JavaScript would address it. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

/** Short JSON rendering of a value for messages; long values are cut. */
export function show(value: unknown): string {
  let text: string;
  if (value === undefined) text = 'nothing';
  else if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint')
    text = typeof value;
  else {
    try {
      text = JSON.stringify(value);
    } catch {
      // Cycles: say what it is rather than what it holds.
      text = Array.isArray(value) ? 'a list' : 'a mapping';
    }
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return show(value);
}

/**
 * Converts zod's issues into ours, rewording its generic messages so each one
 * says what the field needs and what it got. Custom issues raised by our own
 * refinements already carry their full message.
 */
/**
 * A refinement whose message is the reason `problem` gives, worked out once:
 * `problem` returns why the value is refused, or undefined when it is fine.
 */
export function refusing(problem: (value: string) => string | undefined) {
  return (value: string, ctx: z.RefinementCtx): void => {
    const why = problem(value);
    if (why !== undefined) ctx.addIssue({ code: 'custom', message: `${show(value)} ${why}` });
  };
}

export function fromZod(
  error: z.ZodError,
  input: unknown,
  prefix: readonly PropertyKey[] = [],
): Issue[] {
  const out: Issue[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path];
    const got = valueAt(input, issue.path);
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          out.push({ path: formatPath([...path, key]), message: 'unknown field' });
        }
        break;
      case 'invalid_type':
        out.push({
          path: formatPath(path),
          message:
            got === undefined
              ? 'is required'
              : `must be ${article(issue.expected)}, got ${describeType(got)}`,
        });
        break;
      case 'too_small':
        out.push({
          path: formatPath(path),
          message: `${bound('at least', issue)}, got ${show(got)}`,
        });
        break;
      case 'too_big':
        out.push({
          path: formatPath(path),
          message: `${bound('at most', issue)}, got ${show(got)}`,
        });
        break;
      case 'invalid_value':
        out.push({
          path: formatPath(path),
          message: `must be one of ${issue.values.map((v) => show(v)).join(', ')}, got ${show(got)}`,
        });
        break;
      case 'invalid_union': {
        // A refinement of one alternative knows best what was meant.
        const custom = issue.errors.flat().find((e) => e.code === 'custom');
        out.push({
          path: formatPath(path),
          message: custom ? custom.message : `${show(got)} is not valid here`,
        });
        break;
      }
      case 'invalid_key': {
        // Key schemas here carry their own message.
        const inner = issue.issues[0];
        const key = issue.path[issue.path.length - 1];
        out.push({
          path: formatPath(path),
          message: inner ? inner.message : `${show(key)} is not a valid key`,
        });
        break;
      }
      case 'custom':
        out.push({ path: formatPath(path), message: issue.message });
        break;
      default:
        out.push({ path: formatPath(path), message: `${issue.message}, got ${show(got)}` });
    }
  }
  return out;
}

function article(expected: string): string {
  if (expected === 'object') return 'a mapping';
  if (expected === 'array') return 'a list';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function bound(
  word: string,
  issue: { origin: string; minimum?: unknown; maximum?: unknown },
): string {
  const limit = String(issue.minimum ?? issue.maximum);
  const one = limit === '1';
  if (issue.origin === 'string') return `must have ${word} ${limit} character${one ? '' : 's'}`;
  if (issue.origin === 'array') return `must have ${word} ${limit} ${one ? 'entry' : 'entries'}`;
  return `must be ${word} ${limit}`;
}
