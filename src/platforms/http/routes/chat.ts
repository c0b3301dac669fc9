import type { FastifyInstance } from 'fastify';
import { validateInput } from '../../../capabilities/validate.js';
import { apiUserRef, requireScope } from '../auth.js';
import type { HttpDeps } from '../server.js';
import { ChatBody, ParseBody, errorResponses, jsonSchema, schemas } from '../schemas.js';

/** `POST /v1/chat` and `POST /v1/parse`: plain words in, replies (or just the parsed intent) out. */
export function registerChatRoutes(app: FastifyInstance, deps: HttpDeps): void {
  app.post(
    '/v1/chat',
    {
      schema: {
        summary: 'Say something to the assistant; get its replies and the intent it understood',
        tags: ['chat'],
        body: jsonSchema(ChatBody),
        response: {
          200: {
            type: 'object',
            required: ['replies', 'intent'],
            properties: {
              replies: { type: 'array', items: schemas.ReplyJson },
              intent: schemas.IntentJson,
              containsSecret: { type: 'boolean', description: 'The text carried key material (shown as "[REDACTED]" in intent.input); a client should delete the message it came from.' },
            },
          },
          ...errorResponses(400, 401, 403, 413, 415, 429, 500),
        },
      },
    },
    async (request) => {
      const body = validateInput(ChatBody, request.body, 'body');
      const caller = request.caller!;
      requireScope(caller, 'chat');
      return deps.assistant.handle(
        {
          user: apiUserRef(caller, body.user),
          text: body.text,
          tier: caller.tier,
          ...(caller.scopes ? { scopes: caller.scopes } : {}),
          chat: { kind: 'private', id: `api:${caller.keyId}` },
        },
        { requestId: request.id },
      );
    },
  );

  app.post(
    '/v1/parse',
    {
      schema: {
        summary: 'Parse a phrase into an intent without running anything',
        tags: ['chat'],
        body: jsonSchema(ParseBody),
        response: {
          200: {
            type: 'object',
            required: ['intent'],
            properties: {
              intent: {
                ...schemas.IntentJson,
                required: ['name', 'input', 'confidence', 'source'],
              },
            },
          },
          ...errorResponses(400, 401, 413, 415),
        },
      },
    },
    async (request) => {
      const body = validateInput(ParseBody, request.body, 'body');
      return { intent: deps.assistant.parse(body.text) };
    },
  );
}
