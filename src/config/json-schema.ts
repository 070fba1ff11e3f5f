/**
 * The configuration's JSON Schema, derived from the zod schemas the daemon
 * parses with (the configuration's and the checks'), so they never disagree,
 * with a description on every field. It describes the input (durations as
 * strings or numbers); rules that span fields (duplicates, thresholds,
 * checks merged across levels) are only in `anycastd validate`.
 */
import { z } from 'zod';
import { checkSchema } from '../health/spec.js';
import { CHECK_DESCRIPTIONS, FIELD_DESCRIPTIONS, ROUTE_DESCRIPTIONS } from './descriptions.js';
import { configSchema } from './schema.js';

type Node = Record<string, unknown>;

const OPTIONS = { io: 'input', unrepresentable: 'any' } as const;
/** Where the route attributes are. */
const ROUTE_PARENTS = new Set([
  'bgp.announce',
  'bgp.backup',
  'bgp.draining',
  'services[].announce',
]);
const CHECK_PATHS = new Set(['defaults.check', 'services[].check', 'services[].reals[].check']);

export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, OPTIONS) as Node;
  describe(schema, '');
  return {
    ...schema,
    title: 'anycastd configuration',
    $defs: { ...(schema.$defs as Node | undefined), check: checkJsonSchema() },
  };
}

/** Sets each field's description from its path, and puts the check schema where checks go. */
function describe(node: Node, path: string): void {
  const properties = node.properties as Record<string, Node> | undefined;
  if (properties)
    for (const [key, child] of Object.entries(properties)) {
      const at = path ? `${path}.${key}` : key;
      if (CHECK_PATHS.has(at)) {
        properties[key] = {
          description: FIELD_DESCRIPTIONS[at],
          anyOf: [
            { $ref: '#/$defs/check' },
            { type: 'array', items: { $ref: '#/$defs/check' }, minItems: 1 },
          ],
        };
        continue;
      }
      const text =
        FIELD_DESCRIPTIONS[at] ?? (ROUTE_PARENTS.has(path) ? ROUTE_DESCRIPTIONS[key] : undefined);
      if (text !== undefined) child.description = text;
      describe(child, at);
    }
  const items = node.items as Node | undefined;
  if (items && typeof items === 'object') describe(items, `${path}[]`);
  for (const key of ['anyOf', 'oneOf', 'allOf'])
    for (const alt of (node[key] as Node[] | undefined) ?? []) describe(alt, path);
}

/**
 * A check at any level: the fields of every check type, and once `type` is
 * given only that type's fields. Required fields are not required here, since
 * a service's check may complete the defaults' (or a real server's its
 * service's).
 */
function checkJsonSchema(): Node {
  const fieldsByType = new Map<string, string[]>();
  const properties: Record<string, Node> = {};
  const seen = new Map<string, string[]>();
  for (const variant of checkSchema.options) {
    const v = z.toJSONSchema(variant, OPTIONS) as Node;
    const props = v.properties as Record<string, Node>;
    const typeSchema = props.type as Node;
    const types = (typeSchema.enum as string[] | undefined) ?? [typeSchema.const as string];
    for (const t of types) fieldsByType.set(t, Object.keys(props));
    for (const [name, p] of Object.entries(props)) {
      if (name === 'type') continue;
      const text = JSON.stringify(p);
      const known = seen.get(name) ?? [];
      if (!known.includes(text)) seen.set(name, [...known, text]);
    }
  }
  for (const [name, variants] of seen) {
    const schemas = variants.map((t) => JSON.parse(t) as Node);
    properties[name] = schemas.length === 1 ? (schemas[0] as Node) : { anyOf: schemas };
    describeCheck(properties[name], name);
  }
  const types = [...fieldsByType.keys()];
  return {
    type: 'object',
    description: 'A health check; fields not given come from the level above.',
    properties: {
      type: { type: 'string', enum: types, description: CHECK_DESCRIPTIONS.type },
      ...properties,
    },
    additionalProperties: false,
    allOf: types.map((t) => ({
      if: { properties: { type: { const: t } }, required: ['type'] },
      then: { propertyNames: { enum: fieldsByType.get(t) } },
    })),
  };
}

function describeCheck(node: Node, name: string): void {
  const text = CHECK_DESCRIPTIONS[name];
  if (text !== undefined) node.description = text;
  const properties = node.properties as Record<string, Node> | undefined;
  if (properties)
    for (const [key, child] of Object.entries(properties)) describeCheck(child, `${name}.${key}`);
  for (const alt of (node.anyOf as Node[] | undefined) ?? []) describeCheck(alt, name);
}
