import { z } from 'zod';
import { UserIdSchema } from '../../core/identity.js';

/** Route bodies, validated with zod at the door; their JSON Schema feeds the OpenAPI document. */
export const ChatBody = z.object({
  user: UserIdSchema.optional().describe('Your id for the person talking (scoped to your API key). Default: "default".'),
  text: z.string().describe('What the person said.'),
});

export const ParseBody = z.object({
  text: z.string().min(1).max(4000).describe('A phrase to parse.'),
  user: UserIdSchema.optional(),
});

export const InvokeBody = z.object({
  user: UserIdSchema.optional(),
  input: z.unknown().default({}).describe("The capability's input; see its inputSchema in GET /v1/capabilities."),
});

const ErrorJson = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: { type: 'object', additionalProperties: true },
        ref: { type: 'string', description: 'Reference id of an internal error, to find it in the logs.' },
      },
    },
  },
} as const;

const ReplyJson = {
  type: 'object',
  description: 'A platform-neutral reply: text blocks with light markup, tables, images, progress, buttons.',
  required: ['blocks'],
  properties: {
    blocks: { type: 'array', items: { type: 'object', required: ['type'], properties: { type: { type: 'string', enum: ['text', 'table', 'image', 'progress'] } }, additionalProperties: true } },
    buttons: { type: 'array', items: { type: 'array', items: { type: 'object', additionalProperties: true } } },
    privateOnly: { type: 'boolean' },
  },
} as const;

const IntentJson = {
  type: 'object',
  required: ['name', 'input', 'source'],
  properties: {
    name: { type: 'string', description: "A capability name, or 'none'." },
    input: {},
    source: { type: 'string', enum: ['builtin', 'llm', 'mcp', 'none'] },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
  },
} as const;

/** zod → JSON Schema without the `$schema` key (OpenAPI 3.1 embeds schemas as is). */
export function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

/** Standard error responses for the OpenAPI document. */
export function errorResponses(...statuses: number[]): Record<number, unknown> {
  const descriptions: Record<number, string> = {
    400: 'Bad input',
    401: 'Missing or invalid API key',
    403: 'Not allowed',
    404: 'Not found',
    409: 'Conflicts with the current state',
    413: 'Body too large',
    415: 'Unsupported media type',
    429: 'Rate limited (see Retry-After)',
    500: 'Internal error (with ref)',
    503: 'Unavailable',
  };
  return Object.fromEntries(statuses.map((s) => [s, { description: descriptions[s] ?? 'Error', ...ErrorJson }]));
}

export const schemas = { ErrorJson, ReplyJson, IntentJson };
