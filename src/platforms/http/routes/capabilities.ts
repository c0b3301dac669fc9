import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { validateInput } from '../../../capabilities/validate.js';
import { apiUserRef } from '../auth.js';
import type { HttpDeps } from '../server.js';
import { InvokeBody, errorResponses, jsonSchema, schemas } from '../schemas.js';

const NameParams = z.object({ name: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'a capability name is snake_case') });

/** The capabilities themselves, callable directly with their own zod-validated input. */
export function registerCapabilityRoutes(app: FastifyInstance, deps: HttpDeps): void {
  app.get(
    '/v1/capabilities',
    {
      schema: {
        summary: 'List capabilities: name, summary, effect, examples and input JSON Schema',
        tags: ['capabilities'],
        response: {
          200: {
            type: 'object',
            properties: {
              capabilities: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['name', 'summary', 'effect', 'inputSchema'],
                  properties: {
                    name: { type: 'string' },
                    summary: { type: 'string' },
                    effect: { type: 'string', enum: ['read', 'write'] },
                    examples: { type: 'array', items: { type: 'string' } },
                    inputSchema: { type: 'object', additionalProperties: true },
                  },
                },
              },
            },
          },
          ...errorResponses(401),
        },
      },
    },
    async () => ({ capabilities: deps.registry.describe() }),
  );

  app.post(
    '/v1/capabilities/:name',
    {
      schema: {
        summary: 'Run one capability with its input (validated against its schema)',
        tags: ['capabilities'],
        params: jsonSchema(NameParams),
        body: jsonSchema(InvokeBody),
        response: {
          200: {
            type: 'object',
            required: ['data', 'reply'],
            properties: { data: { description: 'JSON result; amounts are decimal strings of base units' }, reply: schemas.ReplyJson },
          },
          ...errorResponses(400, 401, 403, 404, 409, 413, 415, 429, 500, 503),
        },
      },
    },
    async (request) => {
      const { name } = validateInput(NameParams, request.params, 'path');
      // Unknown names are a 404 before anything else happens (no identity created, nothing counted).
      deps.registry.get(name);
      const body = validateInput(InvokeBody, request.body ?? {}, 'body');
      const caller = request.caller!;
      const principal = await deps.assistant.admit(apiUserRef(caller, body.user), caller.tier, caller.scopes);
      const result = await deps.invoker.invoke({
        name,
        input: body.input,
        principal,
        source: 'api',
        requestId: request.id,
        chat: { kind: 'private', id: `api:${caller.keyId}` },
      });
      return { data: result.data, reply: result.reply };
    },
  );
}
