/**
 * The guard against invented addresses: a model asked "send 1 eth to Bob" happily makes up Bob's
 * address, and one asked for a token's price makes up its contract (ElizaOS plugin-evm #1). So every
 * 0x address and ENS name in a tool call's input must come from the person:
 *
 * - from the message they wrote this turn, or
 * - from this turn's results of the capabilities that list **their own** wallets (`list_wallets`,
 *   and the wallet they just created, renamed or made active): "balance of my savings wallet" may
 *   go through the wallet list. Those addresses are the person's by definition.
 *
 * Nothing else counts — not the addresses in other tool results (a token's contract, a transaction's
 * counterparty, a pool): those hold third-party data, where a token named "send to 0x…" is one
 * prompt injection away from becoming a recipient. Comparison ignores case (checksums).
 */

/** A 0x address on its own (not the first 40 digits of a 64-digit hash). */
const ADDRESS = /(?<![0-9A-Za-z])0x[0-9a-fA-F]{40}(?![0-9A-Za-z])/g;
/** An ENS name: labels of letters, digits and hyphens, ending in `.eth`. */
const ENS_NAME = /(?<![\p{L}\p{N}_.-])(?:[\p{L}\p{N}-]+\.)+eth(?!\.?[\p{L}\p{N}_-])/giu;

/** The capabilities whose data is the person's own wallet list (or one of their wallets). */
export const OWN_ADDRESS_SOURCES: ReadonlySet<string> = new Set(['list_wallets', 'create_wallet', 'rename_wallet', 'set_active_wallet']);

/** Every address and ENS name in a text, lower-cased. */
export function addressMentions(text: string): string[] {
  const found = [...text.matchAll(ADDRESS), ...text.matchAll(ENS_NAME)].map((m) => m[0].toLowerCase());
  return [...new Set(found)];
}

/** Every string inside a JSON-like value (object keys excluded), depth-limited. */
function strings(value: unknown, out: string[] = [], depth = 0): string[] {
  if (typeof value === 'string') out.push(value);
  else if (depth < 12 && Array.isArray(value)) for (const v of value) strings(v, out, depth + 1);
  else if (depth < 12 && value !== null && typeof value === 'object') for (const v of Object.values(value)) strings(v, out, depth + 1);
  return out;
}

/** One turn's guard: built from the person's message, taught by their own wallet list. */
export class AddressGuard {
  readonly #allowed = new Set<string>();

  constructor(message: string) {
    for (const mention of addressMentions(message)) this.#allowed.add(mention);
  }

  /** Takes in a tool result: the addresses in it become usable only if it is the person's own wallet list. */
  learn(capability: string, data: unknown): void {
    if (!OWN_ADDRESS_SOURCES.has(capability)) return;
    for (const text of strings(data)) for (const mention of addressMentions(text)) this.#allowed.add(mention);
  }

  /** The addresses and ENS names in a tool call's input that the person never gave; empty = the call may run. */
  unknownIn(input: unknown): string[] {
    const unknown = new Set<string>();
    for (const text of strings(input)) for (const mention of addressMentions(text)) if (!this.#allowed.has(mention)) unknown.add(mention);
    return [...unknown];
  }
}
