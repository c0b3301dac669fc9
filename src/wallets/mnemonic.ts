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
  // 11 bits per word: the entropy, then one checksum bit per 32 bits of entropy (BIP-39).
  let bits = '';
  for (const w of words) bits += INDEX.get(w)!.toString(2).padStart(11, '0');
  const checksumBits = words.length / 3;
  const entropyBits = bits.slice(0, bits.length - checksumBits);
  const entropy = Buffer.alloc(entropyBits.length / 8);
  for (let i = 0; i < entropy.length; i++) entropy[i] = parseInt(entropyBits.slice(i * 8, i * 8 + 8), 2);
  const hash = createHash('sha256').update(entropy).digest();
  entropy.fill(0);
  let expected = '';
  for (const byte of hash.subarray(0, Math.ceil(checksumBits / 8))) expected += byte.toString(2).padStart(8, '0');
  if (expected.slice(0, checksumBits) !== bits.slice(bits.length - checksumBits)) bad('its checksum does not match, so a word is wrong or out of order — check each word against what you wrote down');
  return words.join(' ');
}

/** True when the phrase passes `checkMnemonic`. */
export function isValidMnemonic(phrase: string): boolean {
  try {
    checkMnemonic(phrase);
    return true;
  } catch {
    return false;
  }
}

const PATH = /^m(\/\d{1,10}'?){1,10}$/;

/** A BIP-32 path such as m/44'/60'/0'/0/3; each index below 2^31. */
export function checkDerivationPath(path: string): string {
  const trimmed = path.trim().replace(/[hH]/g, "'");
  const ok = PATH.test(trimmed) && trimmed.split('/').slice(1).every((part) => Number(part.replace("'", '')) < 2 ** 31);
  if (!ok) throw new UserError('bad_input', `That is not a derivation path: one looks like ${DEFAULT_DERIVATION_PATH} (the default).`);
  return trimmed;
}
