import type { z } from 'zod';
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
  const where = first?.path ? `${what}.${first.path}` : what;
  throw new UserError('bad_input', `Invalid ${where}: ${first?.message ?? 'invalid value'}`, { details: { issues } });
}
