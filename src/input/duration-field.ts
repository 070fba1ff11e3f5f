/**
 * The schema field for durations. Apart from duration.ts so that the
 * commands which only parse or print a duration do not load zod.
 */
import { z } from 'zod';
import { formatDuration, parseDuration } from './duration.js';
import { show } from './issues.js';

/** A zod field for a duration in milliseconds, with bounds checked. */
export function duration(min: number, max: number): z.ZodType<number, string | number> {
  return z.union([z.string(), z.number()]).transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `${show(value)} is not a duration (use e.g. "500ms", "2s", "1m", or a number of seconds)`,
      });
      return z.NEVER;
    }
    if (ms < min || ms > max) {
      ctx.addIssue({
        code: 'custom',
        message: `${show(value)} is out of range: must be between ${formatDuration(min)} and ${formatDuration(max)}`,
      });
      return z.NEVER;
    }
    return ms;
  });
}
