/**
 * The configuration's JSON Schema, derived from the zod schema so the two
 * never disagree. It describes the input (durations as strings or numbers);
 * rules that span fields are only in `anycastd validate`.
 */
import { z } from 'zod';
import { configSchema } from './schema.js';

export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'anycastd configuration',
  };
}
