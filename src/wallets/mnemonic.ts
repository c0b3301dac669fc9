import { createHash } from 'node:crypto';
import { wordlist as english } from '@scure/bip39/wordlists/english';
import { UserError } from '../core/errors.js';

/** The BIP-39 English word list (2048 words), for lookups. */
export const BIP39_WORDS: ReadonlySet<string> = new Set(english);
const INDEX = new Map(english.map((word, i) => [word, i]));

/** Word counts a BIP-39 recovery phrase can have. */
export const MNEMONIC_LENGTHS: readonly number[] = [12, 15, 18, 21, 24];

/** The default derivation path of the first Ethereum account (MetaMask, Ledger Live, most wallets). */
export const DEFAULT_DERIVATION_PATH = "m/44'/60'/0'/0/0";

/** A phrase's words: lower case, NFKD, split on spaces, commas and line breaks. */
export function mnemonicWords(phrase: string): string[] {
  return phrase
    .normalize('NFKD')
    .toLowerCase()
    .split(/[\s,]+/)
    .filter(Boolean);
}

function bad(message: string): never {
  // Never quotes the phrase or any of its words: each word is part of the secret.
  throw new UserError('bad_input', `That recovery phrase cannot be used: ${message}.`);
}

/**
 * Checks a BIP-39 English recovery phrase (word count, every word in the list, checksum) and
 * returns it normalised (single spaces, lower case). Errors name word positions, never words.
 *
 * @example checkMnemonic('Abandon abandon … about') // 'abandon abandon … about'
 */
export function checkMnemonic(phrase: string): string {
  const words = mnemonicWords(phrase);
  if (!MNEMONIC_LENGTHS.includes(words.length)) bad(`it has ${words.length} words, and a phrase has 12, 15, 18, 21 or 24`);
  const unknown = words.flatMap((w, i) => (INDEX.has(w) ? [] : [i + 1]));
  if (unknown.length > 0) bad(`word${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not in the BIP-39 English word list — check the spelling`);
  if (!checksumMatches(words.map((w) => INDEX.get(w)!))) bad('its checksum does not match, so a word is wrong or out of order — check each word against what you wrote down');
  return words.join(' ');
}

/**
 * Whether the last bits of a phrase (its words' list indexes) are the checksum of the rest (BIP-39):
 * 11 bits per word, the entropy, then one checksum bit per 32 bits of entropy — at most 8, so they
 * are the low bits of the last word. Packed with integers, no bit strings.
 */
function checksumMatches(indexes: readonly number[]): boolean {
  const checksumBits = indexes.length / 3;
  const entropy = Buffer.alloc((indexes.length * 11 - checksumBits) / 8);
  let acc = 0;
  let held = 0;
  let at = 0;
  for (const index of indexes) {
    acc = (acc << 11) | index;
    held += 11;
    while (held >= 8 && at < entropy.length) {
      held -= 8;
      entropy[at++] = (acc >>> held) & 0xff;
    }
    acc &= (1 << held) - 1;
  }
  const hash = createHash('sha256').update(entropy).digest();
  entropy.fill(0);
  return hash[0]! >>> (8 - checksumBits) === (indexes[indexes.length - 1]! & ((1 << checksumBits) - 1));
}

/** `isValidMnemonic` for words already split and lower-cased (secret-text.ts tries many windows of one message). */
export function isValidMnemonicWords(words: readonly string[]): boolean {
  if (!MNEMONIC_LENGTHS.includes(words.length)) return false;
  const indexes: number[] = [];
  for (const w of words) {
    const i = INDEX.get(w);
    if (i === undefined) return false;
    indexes.push(i);
  }
  return checksumMatches(indexes);
}

/**
 * True when the phrase passes `checkMnemonic`. Without building its errors: the secret scan of
 * chat text (secret-text.ts) asks this for many windows of one message.
 */
export function isValidMnemonic(phrase: string): boolean {
  return isValidMnemonicWords(mnemonicWords(phrase));
}

const PATH = /^m(\/\d{1,10}'?){1,10}$/;

/** A BIP-32 path such as m/44'/60'/0'/0/3; each index below 2^31. */
export function checkDerivationPath(path: string): string {
  const trimmed = path.trim().replace(/[hH]/g, "'");
  const ok = PATH.test(trimmed) && trimmed.split('/').slice(1).every((part) => Number(part.replace("'", '')) < 2 ** 31);
  if (!ok) throw new UserError('bad_input', `That is not a derivation path: one looks like ${DEFAULT_DERIVATION_PATH} (the default).`);
  return trimmed;
}
