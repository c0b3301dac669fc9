import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { UserError } from '../../core/errors.js';
import { UserIdSchema, formatUserRef, type UserRef } from '../../core/identity.js';
import type { HttpDeps } from '../http/server.js';
import { errorResponses } from '../http/schemas.js';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { McpServerFactory } from './server-factory.js';

/** The header naming the person an MCP request speaks for, scoped to the API key like `user` in the API. */
export const MCP_USER_HEADER = 'mobius-user';

/** True for `/mcp` (with or without a query): the URLs the HTTP server authenticates for MCP. */
export function isMcpUrl(url: string): boolean {
  return url === '/mcp' || url.startsWith('/mcp?') || url === '/mcp/' || url.startsWith('/mcp/?');
}

/**
 * `/mcp`: MCP over streamable HTTP, authenticated like the API (the `onRequest` hook in
 * ../http/server.ts sets `request.caller`: an API key, or the person at this machine on a
 * loopback-only server).
 *
 * Stateless: every POST gets a fresh MCP server and transport, and no session id is issued. Nothing
 * an MCP session would hold is needed between requests — identity comes with each request (key and
 * `Mobius-User`), and the one piece of conversation state, a pending action, lives in the database —
 * so any instance behind a load balancer can answer any request, nothing is held in memory per
 * client, and a restart or shutdown drops no session. The cost, building the server per request,
 * is a few registrations of precomputed tools. What stateless gives up — server-initiated requests
 * and a standalone notification stream (GET) — no capability uses; progress still streams in the
 * POST's own response.
 */
export function registerMcpRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const internalErrors = deps.metrics.internalErrors.labels('mcp');
  // The MCP SDK is loaded on the first /mcp request, not at start-up: it costs about 0.3 s and
  // 25 MiB, which a server nobody reaches over MCP should not pay.
  let sdk: Promise<{ factory: McpServerFactory; Transport: typeof StreamableHTTPServerTransport }> | undefined;
  const loadSdk = () =>
    (sdk ??= Promise.all([import('./server-factory.js'), import('@modelcontextprotocol/sdk/server/streamableHttp.js')]).then(([{ McpServerFactory }, { StreamableHTTPServerTransport }]) => ({
      factory: new McpServerFactory({
        registry: deps.registry,
        invoker: deps.invoker,
        appInfo: deps.appInfo,
        log: deps.log,
        onInternalError: () => internalErrors.inc(),
      }),
      Transport: StreamableHTTPServerTransport,
    })));

  app.post(
    '/mcp',
    {
      schema: {
        summary: 'MCP (Model Context Protocol) over streamable HTTP: every capability as a tool',
        description:
          'JSON-RPC 2.0 messages of the MCP specification (initialize, tools/list, tools/call …); send ' +
          '`Accept: application/json, text/event-stream`. Stateless: no session id. The `Mobius-User` header names ' +
          'the person (scoped to the API key; default "default").',
        tags: ['mcp'],
        headers: {
          type: 'object',
          properties: { [MCP_USER_HEADER]: { type: 'string', pattern: '^[A-Za-z0-9_.:@-]{1,128}$', description: 'Who the request speaks for.' } },
        },
        body: { type: 'object', description: 'A JSON-RPC request or notification', additionalProperties: true },
        response: {
          200: { description: 'A JSON-RPC response, as JSON or as a text/event-stream' },
          202: { description: 'Accepted (a notification or response from the client)' },
          ...errorResponses(400, 401, 403, 406, 413, 415, 429),
        },
      },
    },
    async (request, reply) => {
      const caller = request.caller!;
      if (caller.keyId === 'local') refuseForeignHost(request);
      const ref: UserRef = { platform: 'mcp', id: `${caller.keyId}:${mcpUser(request)}` };
      const { factory, Transport } = await loadSdk();
      const server = factory.create({
        user: formatUserRef(ref),
        admit: () => deps.assistant.admit(ref, caller.tier, caller.scopes),
        chatId: `mcp:${caller.keyId}`,
        requestId: request.id,
      });
      const transport = new Transport({ sessionIdGenerator: undefined });
      // From here the transport writes the response (JSON or an event stream), not Fastify.
      void reply.hijack();
      reply.raw.on('close', () => {
        void transport.close();
        void server.close();
      });
      try {
        await server.connect(transport);
        await transport.handleRequest(request.raw, reply.raw, request.body);
      } catch (err) {
        internalErrors.inc();
        request.log.error({ err }, 'MCP request failed');
        if (!reply.raw.headersSent) {
          reply.raw.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify(jsonRpcError(-32603, 'Internal error')));
        }
      }
    },
  );

  // Stateless: there is no session to stream to (GET) or to end (DELETE). Clients take 405 as "not offered".
  for (const method of ['GET', 'DELETE'] as const) {
    app.route({
      method,
      url: '/mcp',
      schema: { hide: true },
      handler: (_request, reply) => notAllowed(reply),
    });
  }
}

function notAllowed(reply: FastifyReply): FastifyReply {
  return reply.code(405).header('allow', 'POST').send(jsonRpcError(-32000, 'Method not allowed: this MCP endpoint is stateless; POST JSON-RPC messages to it.'));
}

function jsonRpcError(code: number, message: string): { jsonrpc: '2.0'; error: { code: number; message: string }; id: null } {
  return { jsonrpc: '2.0', error: { code, message }, id: null };
}

/** The `Mobius-User` header, checked like the API's `user` field. */
function mcpUser(request: FastifyRequest): string {
  const header = request.headers[MCP_USER_HEADER];
  if (header === undefined) return 'default';
  const parsed = UserIdSchema.safeParse(header);
  if (!parsed.success) throw new UserError('bad_input', 'The Mobius-User header must be 1–128 characters of letters, digits and _ . : @ -');
  return parsed.data;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

function isLoopbackName(hostname: string): boolean {
  return LOOPBACK_NAMES.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * The unauthenticated loopback caller must really be on this machine. A web page could point a name
 * it controls at 127.0.0.1 (DNS rebinding) and post to /mcp from the browser; its requests then
 * carry that name in Host. The MCP specification requires this check of every server.
 */
function refuseForeignHost(request: FastifyRequest): void {
  const hosts = [request.headers.host, request.headers.origin].filter((h): h is string => typeof h === 'string');
  for (const value of hosts) {
    let hostname: string;
    try {
      hostname = new URL(value.includes('://') ? value : `http://${value}`).hostname;
    } catch {
      hostname = '';
    }
    if (!isLoopbackName(hostname)) {
      throw new UserError('forbidden', 'Without an API key, /mcp answers only requests addressed to localhost from this machine.');
    }
  }
}
