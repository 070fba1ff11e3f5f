/**
 * A fast first reading of configuration text. The `yaml` package builds a
 * whole document with source positions, which the daemon needs only to
 * locate problems: on a 10,000-real-server file it takes about 20 times as
 * long as js-yaml's loader, and that time is the bulk of a start and of every
 * reload. So text is read with js-yaml first and the exact document is built
 * only when there is something to locate or anything the fast reading does
 * not settle alone.
 *
 * Both must give the same value for every text the fast reading accepts. js-yaml's
 * own core schema reads more plain scalars as numbers than YAML 1.2's core
 * schema does (`0b101`, `+0x1F`, `-0o7`) and fewer (`+.5`), so the scalars here
 * are resolved by YAML 1.2's core schema itself (spec 1.2.2, 10.3.2), as the
 * `yaml` package resolves them. Anchors, aliases and tags are left to the
 * exact reading, which bounds how far aliases expand.
 */
import { FAILSAFE_SCHEMA, Type, load } from 'js-yaml';

const plain = (re: RegExp) => (data: string | null) => data !== null && re.test(data);

const nullType = new Type('tag:yaml.org,2002:null', {
  kind: 'scalar',
  resolve: (data: string | null) => data === null || /^(?:~|null|Null|NULL)?$/.test(data),
  construct: () => null,
});

const boolType = new Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: plain(/^(?:true|True|TRUE|false|False|FALSE)$/),
  construct: (data: string) => /^t/i.test(data),
});

const INT = /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/;
const intType = new Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: plain(INT),
  construct: (data: string) =>
    data.startsWith('0o')
      ? parseInt(data.slice(2), 8)
      : data.startsWith('0x')
        ? parseInt(data.slice(2), 16)
        : parseInt(data, 10),
});

const FLOAT =
  /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const floatType = new Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: plain(FLOAT),
  construct: (data: string) => {
    if (/nan$/i.test(data)) return Number.NaN;
    if (/inf$/i.test(data)) return data.startsWith('-') ? -Infinity : Infinity;
    return parseFloat(data);
  },
});

/** YAML 1.2's core schema, in the order its tags are tried (int before float). */
const CORE_1_2 = FAILSAFE_SCHEMA.extend({ implicit: [nullType, boolType, intType, floatType] });

/**
 * Texts the exact reading takes: characters that may start an anchor, an alias
 * or a tag; a directive (`%YAML 1.1` changes how scalars resolve); `__proto__`.
 */
const EXACT_ONLY = /[&*!]|^%|__proto__/m;

/**
 * The text's value when the fast reading settles it: one document whose top
 * is a mapping, with no anchor, alias or tag. Undefined means "read it exactly"
 * (which also names whatever is wrong with it).
 */
export function fastYamlValue(text: string): Record<string, unknown> | undefined {
  if (EXACT_ONLY.test(text)) return undefined;
  let value: unknown;
  try {
    value = load(text, { schema: CORE_1_2 });
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  if (!keysAgree(value)) return undefined;
  return value as Record<string, unknown>;
}

/**
 * Keys are text in both readings, written differently for one value: js-yaml
 * writes a null key as "null", the `yaml` package as "". A key that reads
 * "null" takes the exact reading.
 */
function keysAgree(value: object): boolean {
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (const x of v as unknown[]) if (x !== null && typeof x === 'object') stack.push(x);
    } else {
      if (Object.hasOwn(v, 'null')) return false;
      // Only containers need a visit; scalars are most of the values.
      for (const x of Object.values(v)) if (x !== null && typeof x === 'object') stack.push(x);
    }
  }
  return true;
}
