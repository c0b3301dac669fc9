import { z } from 'zod';
import { UserError } from '../core/errors.js';

/**
 * Validates raw input with a capability's (or a route's) zod schema, turning zod's issues into
 * one UserError a person can act on: `tokens.0: expected string`.
 */
export function validateInput<S extends z.ZodType>(schema: S, raw: unknown, what = 'input'): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 5).map((i) => ({
    path: i.path.map(String).join('.'),
    message: i.message,
  }));
  const first = issues[0];
  const missing = missingField(schema, raw, result.error.issues[0]);
  if (missing) throw new UserError('bad_input', missing, { details: { issues } });
  const where = first?.path ? `${what}.${first.path}` : what;
  throw new UserError('bad_input', `Invalid ${where}: ${first?.message ?? 'invalid value'}`, { details: { issues } });
}

/**
 * "I need the address (the 0x address to fund)." for a required top-level field that is absent:
 * the usual gap when a message named the intent but not every value. The field's own description
 * says what is wanted.
 */
function missingField(schema: z.ZodType, raw: unknown, issue: z.core.$ZodIssue | undefined): string | undefined {
  if (!issue || issue.path.length !== 1 || !(schema instanceof z.ZodObject)) return undefined;
  const key = String(issue.path[0]);
  if (typeof raw === 'object' && raw !== null && key in raw) return undefined;
  const field = (schema.shape as Record<string, z.ZodType>)[key];
  const about = field?.description?.replace(/\.$/, '');
  return `I need the ${key}${about ? ` (${about.charAt(0).toLowerCase()}${about.slice(1)})` : ''}.`;
}
