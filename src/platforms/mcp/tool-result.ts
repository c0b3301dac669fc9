import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { CapabilityResult, Logger } from '../../core/capability.js';
import { newErrorRef, toPublicError } from '../../core/errors.js';
import { toJsonValue } from '../../core/json.js';
import { replyToPlainText, stripMarkup, type Block, type ImageBlock, type Reply } from '../../core/reply.js';

type Content = CallToolResult['content'][number];

/**
 * A capability's answer as an MCP tool result: the reply as plain text, the data as structured
 * content (bigints as strings) and, for clients that read only `content`, as JSON text too (the
 * spec's advice for backwards compatibility); images (charts) as image content.
 */
export function toolResult(result: CapabilityResult): CallToolResult {
  const data = result.data === undefined ? {} : toJsonValue(result.data);
  // structuredContent must be a JSON object.
  const structured = isRecord(data) ? data : { value: data };
  const images = result.reply.blocks.filter((b): b is ImageBlock => b.type === 'image');
  const content: Content[] = [{ type: 'text', text: replyText(result.reply, structured) }];
  content.push({ type: 'text', text: JSON.stringify(structured) });
  for (const image of images) content.push({ type: 'image', data: image.base64, mimeType: image.mime });
  return { content, structuredContent: structured };
}

export interface ToolErrorOptions {
  log: Logger;
  tool: string;
  requestId: string;
  onInternalError?: (() => void) | undefined;
}

/**
 * A failed call as a tool result with `isError`, so the model or person sees why: our own errors
 * keep their message and code; anything else is "something went wrong (ref …)", logged with the ref.
 * Never a stack, never an internal message.
 */
export function toolError(err: unknown, options: ToolErrorOptions): CallToolResult {
  const ref = newErrorRef();
  const pub = toPublicError(err, ref);
  if (pub.status >= 500) {
    if (pub.code === 'internal') options.onInternalError?.();
    options.log.error({ err, ref, tool: options.tool, requestId: options.requestId }, 'MCP tool call failed');
  } else {
    options.log.info({ code: pub.code, tool: options.tool, requestId: options.requestId }, 'MCP tool call refused');
  }
  const error: Record<string, unknown> = { code: pub.code, message: pub.message };
  if (pub.details !== undefined) error.details = toJsonValue(pub.details);
  if (pub.ref !== undefined) error.ref = pub.ref;
  if (pub.retryAfterSeconds !== undefined) error.retryAfterSeconds = pub.retryAfterSeconds;
  return { isError: true, content: [{ type: 'text', text: pub.message }], structuredContent: { error } };
}

/**
 * The reply's words without what only a chat can use: images travel as image content, and buttons
 * become what an MCP client can do instead (call `confirm`/`cancel`, open a link).
 */
function replyText(reply: Reply, data: Record<string, unknown>): string {
  const blocks: Block[] = reply.blocks.filter((b) => b.type !== 'image');
  const parts = [replyToPlainText({ blocks })];
  const links = (reply.buttons ?? []).flat().filter((b) => b.action === 'link');
  if (links.length > 0) parts.push(links.map((b) => `${stripMarkup(b.label)}: ${b.value}`).join('\n'));
  const pending = pendingOf(data);
  if (pending) {
    parts.push(
      `Nothing has happened yet. To go ahead, call the "confirm" tool with {"id": "${pending.id}"}; ` +
        `"cancel" with the same id drops it. It expires at ${pending.expiresAt}.`,
    );
  }
  return parts.filter((p) => p.length > 0).join('\n\n');
}

/** The pending action a write answered with (see PendingData in capabilities/confirmation.ts). */
function pendingOf(data: Record<string, unknown>): { id: string; expiresAt: string } | undefined {
  const pending = data.pending;
  if (!isRecord(pending) || typeof pending.id !== 'string') return undefined;
  return { id: pending.id, expiresAt: String(pending.expiresAt) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
