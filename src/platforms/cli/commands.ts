import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { toJson } from '../../core/json.js';
import { parseUserRef, type Tier, type UserRef } from '../../core/identity.js';
import { replyToPlainText } from '../../core/reply.js';
import type { Assistant } from '../../conversation/assistant.js';

/** `mobius ask "<text>"`: one message through the assistant, printed as text or JSON. */
export async function ask(
  assistant: Assistant,
  args: { text: string; user: string; json: boolean },
  out: Writable,
): Promise<void> {
  const user: UserRef = parseUserRef(args.user);
  const result = await assistant.handle({ user, text: args.text, chat: { kind: 'private', id: `cli:${user.id}` } });
  if (args.json) {
    out.write(toJson(result, 2) + '\n');
    return;
  }
  out.write(result.replies.map(replyToPlainText).join('\n\n') + '\n');
}

/**
 * `mobius parse --jsonl`: one text per input line → one JSON intent per output line, in order.
 * A bad line yields `{"error": …}` on its line rather than stopping the stream.
 */
export async function parseJsonl(assistant: Assistant, input: Readable, out: Writable): Promise<number> {
  let count = 0;
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    count++;
    try {
      out.write(JSON.stringify({ text: line, intent: assistant.parse(line) }) + '\n');
    } catch (err) {
      out.write(JSON.stringify({ text: line, error: { message: err instanceof Error ? err.message : String(err) } }) + '\n');
    }
  }
  return count;
}

/** `mobius apikey create`: the key is printed once and never stored in plain text. */
export async function createApiKey(
  store: {
    create(input: { tier: Tier; label: string; scopes?: readonly string[] }): Promise<{ id: string; key: string; tier: Tier; label: string; scopes: readonly string[] }>;
  },
  args: { tier: Tier; label: string; json: boolean; scopes?: readonly string[] },
  out: Writable,
): Promise<{ id: string; tier: Tier; label: string; scopes: readonly string[] }> {
  const created = await store.create({ tier: args.tier, label: args.label, ...(args.scopes ? { scopes: args.scopes } : {}) });
  const { key: _shownOnce, ...info } = created;
  if (args.json) {
    out.write(JSON.stringify(created) + '\n');
    return info;
  }
  out.write(
    `Created ${created.tier} API key ${created.id}${created.label ? ` (${created.label})` : ''} with scopes ${created.scopes.join(', ')}.\n` +
      `Key (shown once — store it now):\n${created.key}\n` +
      `Use it as: Authorization: Bearer ${created.key.slice(0, 12)}…\n`,
  );
  return info;
}
