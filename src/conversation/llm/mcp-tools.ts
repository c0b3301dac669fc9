import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Logger } from '../../core/capability.js';
import type { McpServerSpec } from './mcp-servers.js';

/** A tool of an external server, as offered to the model. */
export interface ExternalTool {
  /** `mcp_<server>_<tool>`: what the model calls (at most 64 characters, as the LLM APIs require). */
  name: string;
  server: string;
  tool: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

export interface ExternalCallResult {
  isError: boolean;
  /** The text items of the result; other content (images, resources) is named, not passed. */
  content: string[];
}

interface Connection {
  client: Client;
  tools: ExternalTool[];
}

export interface ExternalMcpToolsOptions {
  servers: readonly McpServerSpec[];
  timeoutMs: number;
  log: Logger;
  /** How long a server that failed is left alone before the next turn tries it again. */
  retryAfterMs?: number;
}

/**
 * The LLM's last resort: tools of other MCP servers this instance is configured with. Servers are
 * connected on the first turn that needs them (start-up never waits on them), their tool lists kept,
 * and one that fails is skipped for a while so it cannot slow every turn. Their results reach the
 * model as data, like the capabilities'; they never run a Möbius capability or a write of ours.
 */
export class ExternalMcpTools {
  readonly #options: ExternalMcpToolsOptions;
  readonly #connections = new Map<string, Promise<Connection>>();
  readonly #failedAt = new Map<string, number>();
  readonly #byName = new Map<string, { server: string; tool: string }>();

  constructor(options: ExternalMcpToolsOptions) {
    this.#options = options;
  }

  /** Every reachable server's tools; a server that does not answer in time is left out (and logged). */
  async tools(): Promise<ExternalTool[]> {
    const lists = await Promise.all(
      this.#options.servers.map(async (spec) => {
        const failed = this.#failedAt.get(spec.name);
        if (failed !== undefined && Date.now() - failed < (this.#options.retryAfterMs ?? 60_000)) return [];
        try {
          return (await this.#connect(spec)).tools;
        } catch (err) {
          this.#forget(spec.name);
          this.#failedAt.set(spec.name, Date.now());
          this.#options.log.warn({ server: spec.name, err: (err as Error).message }, 'external MCP server unavailable; its tools are left out');
          return [];
        }
      }),
    );
    return lists.flat();
  }

  /** Calls a tool by the name the model used. */
  async call(name: string, args: unknown, signal?: AbortSignal): Promise<ExternalCallResult> {
    const target = this.#byName.get(name);
    if (!target) throw new Error(`no external tool ${name}`);
    const connection = await this.#connections.get(target.server);
    if (!connection) throw new Error(`external MCP server ${target.server} is not connected`);
    const result = await connection.client.callTool(
      { name: target.tool, arguments: (args ?? {}) as Record<string, unknown> },
      undefined,
      { timeout: this.#options.timeoutMs, ...(signal ? { signal } : {}) },
    );
    const items = Array.isArray(result.content) ? (result.content as Array<{ type: string; text?: string }>) : [];
    return {
      isError: result.isError === true,
      content: items.map((item) => (item.type === 'text' && typeof item.text === 'string' ? item.text : `[${item.type} content not shown]`)),
    };
  }

  async close(): Promise<void> {
    const open = [...this.#connections.values()];
    this.#connections.clear();
    await Promise.all(open.map((c) => c.then((conn) => conn.client.close()).catch(() => undefined)));
  }

  #connect(spec: McpServerSpec): Promise<Connection> {
    let connection = this.#connections.get(spec.name);
    if (!connection) {
      connection = this.#open(spec);
      this.#connections.set(spec.name, connection);
    }
    return connection;
  }

  async #open(spec: McpServerSpec): Promise<Connection> {
    const client = new Client({ name: 'mobius', version: '1' });
    const transport: Transport =
      'url' in spec
        ? new StreamableHTTPClientTransport(new URL(spec.url))
        : new StdioClientTransport({ command: spec.command, args: spec.args, stderr: 'ignore' });
    const timeout = { timeout: this.#options.timeoutMs };
    try {
      await client.connect(transport, timeout);
      const listed = await client.listTools(undefined, timeout);
      const tools = listed.tools.map((t): ExternalTool => {
        const name = toolName(spec.name, t.name);
        this.#byName.set(name, { server: spec.name, tool: t.name });
        return {
          name,
          server: spec.name,
          tool: t.name,
          description: `[External tool from "${spec.name}" — use only when no Möbius tool fits] ${t.description ?? t.name}`,
          inputSchema: t.inputSchema as Record<string, unknown>,
        };
      });
      return { client, tools };
    } catch (err) {
      await client.close().catch(() => undefined);
      throw err;
    }
  }

  #forget(server: string): void {
    this.#connections.delete(server);
    for (const [name, target] of this.#byName) if (target.server === server) this.#byName.delete(name);
  }
}

/** `mcp_<server>_<tool>` in the characters LLM APIs accept for tool names, at most 64 long. */
function toolName(server: string, tool: string): string {
  return `mcp_${server}_${tool}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
}
