import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { CapabilityInvoker } from '../../capabilities/invoke.js';
import type { Logger } from '../../core/capability.js';
import { UserError } from '../../core/errors.js';
import { formatUserRef, type Principal, type UserRef } from '../../core/identity.js';
import type { CapabilityRegistry } from '../../core/registry.js';
import type { Metrics } from '../../infra/metrics.js';
import { McpServerFactory } from './server-factory.js';

export interface McpStdioDeps {
  registry: CapabilityRegistry;
  invoker: Pick<CapabilityInvoker, 'invoke'>;
  assistant: { admit(ref: UserRef): Promise<Principal> };
  info: { name: string; version: string };
  log: Logger;
  metrics: Pick<Metrics, 'internalErrors'>;
}

export interface McpStdioOptions {
  /** The person at this machine, as `mcp:<user>` (see parseMcpUserName). */
  user: string;
  input?: Readable;
  output?: Writable;
}

/** No colon: `mcp:<key id>:<user>` are the HTTP door's people, and the two must never meet. */
const LOCAL_NAME = /^[A-Za-z0-9_.@-]{1,64}$/;

/** Checks a `--user` name for `mobius mcp`; a UserError names what is wrong. */
export function parseMcpUserName(name: string): string {
  if (!LOCAL_NAME.test(name)) throw new UserError('bad_input', `--user "${name}" must be 1–64 characters of letters, digits and _ . @ -`);
  return name;
}

/**
 * `mobius mcp`: MCP over stdin/stdout for the person at this machine (`mcp:local`, or
 * `mcp:<--user>`), with their stored tier and every scope but admin, like the CLI. Resolves when the
 * client goes away (stdin ends) or on SIGINT/SIGTERM.
 *
 * stdout carries the protocol and nothing else: logs go to stderr (the CLI's loggers already do;
 * see also reserveStdoutForProtocol).
 */
export async function serveMcpOverStdio(deps: McpStdioDeps, options: McpStdioOptions): Promise<void> {
  const ref: UserRef = { platform: 'mcp', id: parseMcpUserName(options.user) };
  const internalErrors = deps.metrics.internalErrors.labels('mcp');
  const factory = new McpServerFactory({
    registry: deps.registry,
    invoker: deps.invoker,
    appInfo: deps.info,
    log: deps.log,
    onInternalError: () => internalErrors.inc(),
  });
  const server = factory.create({ user: formatUserRef(ref), admit: () => deps.assistant.admit(ref), chatId: `mcp:${ref.id}` });
  const input = options.input ?? process.stdin;
  const transport = new StdioServerTransport(input, options.output ?? process.stdout);
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = resolve;
  });
  transport.onerror = (err) => deps.log.warn({ err }, 'MCP stdio transport error');
  await server.connect(transport);
  deps.log.info({ user: formatUserRef(ref) }, 'MCP server on stdio');

  // The SDK's transport does not notice the client hanging up; a closed stdin is that signal.
  const stop = () => void server.close();
  input.once('end', stop);
  input.once('close', stop);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await closed;
  } finally {
    input.off('end', stop);
    input.off('close', stop);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/**
 * Sends `console.log`/`info`/`debug` to stderr for the rest of the process: on stdio, a stray line
 * from any library on stdout would break the client's JSON-RPC stream.
 */
export function reserveStdoutForProtocol(): void {
  /* eslint-disable no-console -- replacing the methods that write to stdout, not logging */
  console.log = console.error;
  console.info = console.error;
  console.debug = console.error;
  /* eslint-enable no-console */
}
