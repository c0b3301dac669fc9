import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ServerNotification, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { CapabilityInvoker } from '../../capabilities/invoke.js';
import type { CapabilityScope, Logger } from '../../core/capability.js';
import { newRequestId } from '../../core/ids.js';
import type { Principal } from '../../core/identity.js';
import type { ProgressBlock } from '../../core/reply.js';
import type { CapabilityDescriptor, CapabilityRegistry } from '../../core/registry.js';
import { runWithRequestContext } from '../../infra/request-context.js';
import { toolError, toolResult } from './tool-result.js';

export interface McpServerDeps {
  registry: CapabilityRegistry;
  invoker: Pick<CapabilityInvoker, 'invoke'>;
  appInfo: { name: string; version: string };
  log: Logger;
  /** Counts calls that ended in "something went wrong (ref …)". */
  onInternalError?: () => void;
}

/** Who an MCP connection (stdio) or request (HTTP) speaks for. */
export interface McpCaller {
  /** `mcp:<id>`, for log lines. */
  user: string;
  /**
   * Resolves the person and takes their per-user rate-limit point. Called per tool call, not at
   * connect: listing tools creates no user and costs nothing.
   */
  admit(): Promise<Principal>;
  /** The conversation id the invoker sees; an MCP client is one person's private channel. */
  chatId: string;
  /** The id of the enclosing request (HTTP); without one, each tool call gets a fresh id. */
  requestId?: string;
}

/** The tools/list entry and call behaviour of one capability, computed once per factory. */
interface ToolDefinition {
  name: string;
  description: string;
  inputSchema: z.ZodType<Record<string, unknown>>;
  annotations: ToolAnnotations;
}

/**
 * Tools that run or drop what a person confirms. `confirm` has effect `read` (asking it to run never
 * needs a second confirmation), but it is what executes a write: a client that auto-approves
 * read-only tools must not auto-approve it.
 */
const CONFIRMATION_TOOLS: Record<string, ToolAnnotations> = {
  confirm: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
  cancel: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
};

/**
 * Makes MCP servers that expose every capability of the registry as a tool. Each call goes through
 * the capability invoker with `source: 'mcp'`, so rate limits, scopes, validation, audit and the
 * confirmation flow apply exactly as for chat and HTTP: a write tool only creates a pending action,
 * and the `confirm` tool (with its id) runs it.
 *
 * One server per stdio process, or one per HTTP request (stateless; see http.ts).
 */
export class McpServerFactory {
  readonly #deps: McpServerDeps;
  readonly #tools: readonly ToolDefinition[];

  constructor(deps: McpServerDeps) {
    this.#deps = deps;
    // The registry never changes after boot, so the tool list is built once, not per request.
    this.#tools = deps.registry.describe().map((d) => toolDefinition(d, deps.registry.get(d.name).scope ?? 'market'));
  }

  /** A server speaking for `caller`, not yet connected to a transport. */
  create(caller: McpCaller): McpServer {
    const { name, version } = this.#deps.appInfo;
    const server = new McpServer(
      { name: 'mobius', title: name, version },
      {
        instructions:
          'Möbius: crypto prices, charts, wallets and swaps. Tools that change something (effect write) only ' +
          'create a pending action and return its id; nothing happens until you call `confirm` with {"id": …} — ' +
          'ask the person first. `cancel` drops it.',
      },
    );
    for (const tool of this.#tools) {
      server.registerTool(
        tool.name,
        { description: tool.description, inputSchema: tool.inputSchema, annotations: tool.annotations },
        (args, extra) => this.#call(caller, tool.name, args, extra),
      );
    }
    return server;
  }

  async #call(caller: McpCaller, name: string, args: Record<string, unknown>, extra: ToolCallExtra): Promise<CallToolResult> {
    const requestId = caller.requestId ?? newRequestId();
    return runWithRequestContext({ requestId, user: caller.user }, async () => {
      try {
        const principal = await caller.admit();
        const result = await this.#deps.invoker.invoke({
          name,
          input: args,
          principal,
          source: 'mcp',
          requestId,
          chat: { kind: 'private', id: caller.chatId },
          signal: extra.signal,
          onProgress: progressReporter(extra),
        });
        return toolResult(result);
      } catch (err) {
        return toolError(err, { log: this.#deps.log, tool: name, requestId, onInternalError: this.#deps.onInternalError });
      }
    });
  }
}

/** What the SDK hands a tool callback that we use. */
interface ToolCallExtra {
  signal: AbortSignal;
  _meta?: { progressToken?: string | number } | undefined;
  sendNotification(notification: ServerNotification): Promise<void>;
}

/** Forwards a capability's progress as `notifications/progress`, when the client asked for it. */
function progressReporter(extra: ToolCallExtra): ((update: ProgressBlock) => void) | undefined {
  const token = extra._meta?.progressToken;
  if (token === undefined) return undefined;
  let step = 0;
  return (update) => {
    // `progress` must increase with every notification; fractions are not always known, steps are.
    step++;
    extra
      .sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: step, message: update.text } })
      .catch(() => undefined); // a client gone mid-call is noticed through the abort signal
  };
}

/**
 * What a client may assume of a tool. `effect` says whether a capability needs the person's
 * confirmation, not whether it changes nothing: several `read` capabilities on a person's wallets
 * do change something (create_wallet, import_wallet, rename_wallet, set_active_wallet,
 * devnet_faucet …) without needing a yes. A client may run `readOnlyHint` tools without asking, so
 * that hint goes only where it is certain — `read` capabilities of the `market` scope, which read
 * public data — and the others are marked as changing, though not destroying, anything.
 */
function annotationsFor(descriptor: CapabilityDescriptor, scope: CapabilityScope): ToolAnnotations {
  const confirmation = CONFIRMATION_TOOLS[descriptor.name];
  if (confirmation) return confirmation;
  if (descriptor.effect === 'write') return { readOnlyHint: false, destructiveHint: true };
  return scope === 'market' ? { readOnlyHint: true } : { readOnlyHint: false, destructiveHint: false };
}

function toolDefinition(descriptor: CapabilityDescriptor, scope: CapabilityScope): ToolDefinition {
  return { name: descriptor.name, description: descriptor.summary, inputSchema: passThroughSchema(descriptor), annotations: annotationsFor(descriptor, scope) };
}

/**
 * The schema handed to the SDK: it lists as the capability's own JSON Schema (the very one
 * `GET /v1/capabilities` and the LLM's tools show), but accepts any object, so the arguments reach
 * the invoker untouched.
 *
 * Why not the capability's zod schema itself: the SDK would validate (and transform) the arguments
 * before our callback, answering bad input with its own wording and bypassing the invoker's rate
 * limit, metrics and person-readable messages; the invoker would then validate already-transformed
 * values a second time. The invoker is the one place input is validated (STYLE.md, rule 3).
 *
 * How: zod writes a schema's metadata into its JSON Schema, after the generated keys, so metadata
 * holding the capability's JSON Schema replaces the loose object's `{type: object}`.
 */
function passThroughSchema(descriptor: CapabilityDescriptor): z.ZodType<Record<string, unknown>> {
  return z.looseObject({}).meta({ ...descriptor.inputSchema });
}
