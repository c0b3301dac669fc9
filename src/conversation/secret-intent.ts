import { IMPORT_WORDS, type SecretsInText } from '../wallets/secret-text.js';
import type { ParsedIntent } from './parser.js';
import { extractSlots } from './slots.js';

/** The longest rest (the message without its key material) read for a wallet name. */
const MAX_READ_CHARS = 256;

const DERIVATION_PATH = /(?:^|\s)(?:(?:derivation\s+)?path\s+)?(m(?:\/\d{1,10}['hH]?){1,10})(?=\s|$)/;

/**
 * The intent of a message that carries key material. Such a message only ever goes to the wallet
 * import, never to any other capability (or, later, to an LLM). A bare 64-hex value with no word
 * about keys may as well be a transaction hash: it is treated as secret, but imported only when the
 * person says so ("import wallet <key>"), since importing a public hash would make a wallet anyone
 * can empty.
 */
export function secretIntent(secrets: SecretsInText, options: { canImport: boolean; tokenWords: ReadonlySet<string> }): ParsedIntent {
  const asked = secrets.mnemonic !== undefined || secrets.keystore !== undefined || IMPORT_WORDS.test(secrets.rest);
  if (!asked || !options.canImport) return { name: 'none', input: {}, confidence: 1, source: 'none', containsSecret: true };
  let rest = secrets.rest;
  const input: Record<string, unknown> = {};
  if (secrets.privateKey !== undefined) input.privateKey = secrets.privateKey;
  if (secrets.mnemonic !== undefined) input.mnemonic = secrets.mnemonic;
  if (secrets.keystore !== undefined) input.keystore = secrets.keystore;
  if (secrets.password !== undefined) input.password = secrets.password;
  const path = DERIVATION_PATH.exec(rest);
  if (path && secrets.mnemonic !== undefined) {
    input.derivationPath = path[1];
    rest = rest.replace(path[0], ' ');
  }
  // A name is said in a few words ("import … as savings"); what is left of a long paste is not read.
  const slots = rest.length <= MAX_READ_CHARS ? extractSlots(rest, options.tokenWords) : undefined;
  if (slots?.name) input.name = slots.name;
  return { name: 'import_wallet', input, confidence: 1, source: 'builtin', containsSecret: true };
}
