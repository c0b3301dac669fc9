import { BIP39_WORDS, isValidMnemonicWords, MNEMONIC_LENGTHS } from './mnemonic.js';

/**
 * Key material found in a chat message. Each field is exactly what the person typed (trimmed), for
 * the wallet import to check; `rest` is the message with all of it cut out, safe to match intents on.
 */
export interface SecretsInText {
  /** 64 hex digits, with or without 0x. */
  privateKey?: string;
  /** A BIP-39 phrase (or something very close to one), words joined by single spaces. */
  mnemonic?: string;
  /** A keystore v3 JSON document. */
  keystore?: string;
  /** The keystore's password, when the message gives one ("password: …"). */
  password?: string;
  rest: string;
}

const PRIVATE_KEY = /(?<![0-9a-z])(?:0x)?[0-9a-f]{64}(?![0-9a-z])/i;
/** Words that make a 64-hex value a transaction or block hash rather than a key. */
const HASH_CONTEXT = /\b(?:tx|txn|txid|transaction|hash|receipt|block|etherscan|basescan|arbiscan)\b/i;
/** Words that say the person is handing over a key. */
export const IMPORT_WORDS = /\b(?:import|restore|recover|private|priv|secret|key|pk|seed|mnemonic|phrase|wallet|account)\b/i;
const PASSWORD = /\b(?:password|passphrase|passwd|pass|pwd|pw)\b\s*(?:is\s+)?[:=]?\s*(?:"([^"]*)"|'([^']*)'|(\S+))/i;

/**
 * Finds private keys, recovery phrases and keystore files in free text, so a message carrying one
 * can be routed to the wallet import, kept out of caches and logs, and deleted by the platform.
 * Returns undefined when the text holds none.
 *
 * A 64-hex value next to words like "tx" or "hash" is a transaction hash, not a key. A phrase is
 * recognised when 11 or more words in a row are (all but two at most) BIP-39 words: close enough
 * to a recovery phrase that a typo in it must not let it slip through as ordinary text.
 *
 * @example findSecrets('import wallet 0x4c08…') // { privateKey: '0x4c08…', rest: 'import wallet' }
 */
export function findSecrets(text: string): SecretsInText | undefined {
  let rest = text;
  const found: Omit<SecretsInText, 'rest'> = {};

  const keystore = findKeystore(rest);
  if (keystore) {
    found.keystore = keystore;
    rest = cut(rest, keystore);
    const password = PASSWORD.exec(rest);
    if (password) {
      found.password = password[1] ?? password[2] ?? password[3] ?? '';
      rest = cut(rest, password[0]);
    }
  }

  const key = hasHexRun(rest, 64) ? PRIVATE_KEY.exec(rest) : null;
  if (key && (IMPORT_WORDS.test(rest) || !HASH_CONTEXT.test(rest))) {
    found.privateKey = key[0];
    rest = cut(rest, key[0]);
  }

  const phrase = mayHoldPhrase(rest) ? findMnemonic(rest) : undefined;
  if (phrase) {
    found.mnemonic = phrase.mnemonic;
    rest = `${rest.slice(0, phrase.start)} ${rest.slice(phrase.end)}`;
  }

  if (Object.keys(found).length === 0) return undefined;
  return { ...found, rest: rest.replace(/\s+/g, ' ').trim() };
}

/**
 * Whether the text has `length` hex digits in a row: one pass without allocating, so the key regex
 * (which would try up to 64 digits at every hex position of a long hex-heavy text) runs only when
 * a key can be there at all.
 */
function hasHexRun(text: string, length: number): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) | 0x20; // ASCII letters to lower case; digits keep their code
    if ((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66)) {
      if (++run >= length) return true;
    } else run = 0;
  }
  return false;
}

/** The shortest run of word-like tokens `phraseIn` looks at. */
const MIN_PHRASE_WORDS = 11;
/** The longest run searched for a valid phrase inside it: a 24-word phrase with words around it. */
const MAX_SEARCHED_WORDS = 32;

/**
 * Whether 11 or more word-like tokens (3–8 letters, then perhaps `,.;:!?`) stand in a row, the
 * least `findMnemonic` needs: the same tokens as its `\S+` split, read in one pass without
 * allocating, so only a yes pays for the tokenising. Beyond ASCII, `\s` also matches the spaces
 * below, and one character lower-cases to an ASCII letter (U+212A Kelvin → k).
 */
function mayHoldPhrase(text: string): boolean {
  let run = 0;
  let letters = 0;
  let trailing = false;
  let other = false;
  const endToken = (): boolean => {
    if (letters === 0 && !trailing && !other) return false;
    if (!other && letters >= 3 && letters <= 8) run++;
    else run = 0;
    letters = 0;
    trailing = false;
    other = false;
    return run >= MIN_PHRASE_WORDS;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const lower = c | 0x20;
    if (c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x80 && WIDE_SPACES.has(c))) {
      if (endToken()) return true;
    } else if ((c < 0x80 && lower >= 0x61 && lower <= 0x7a) || c === 0x212a) {
      if (trailing) other = true;
      letters++;
    } else if (c === 0x2c || c === 0x2e || c === 0x3b || c === 0x3a || c === 0x21 || c === 0x3f) trailing = true;
    else other = true;
  }
  return endToken();
}

/** The characters beyond ASCII that `\s` matches. */
const WIDE_SPACES: ReadonlySet<number> = new Set([0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff]);

function cut(text: string, part: string): string {
  return text.replace(part, ' ');
}

/** A `{…}` block that parses as JSON and has a keystore's `crypto` section. */
function findKeystore(text: string): string | undefined {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  const candidate = text.slice(start, end + 1);
  if (!/"crypto"\s*:/i.test(candidate)) return undefined;
  try {
    const parsed = JSON.parse(candidate) as unknown;
    return typeof parsed === 'object' && parsed !== null ? candidate : undefined;
  } catch {
    // Broken JSON that still names a crypto section: treat it as key material all the same, so it
    // is never cached or echoed; the import then says what is wrong with it.
    return candidate;
  }
}

interface Token {
  word: string;
  start: number;
  end: number;
}

function findMnemonic(text: string): { mnemonic: string; start: number; end: number } | undefined {
  const tokens: Token[] = [];
  for (const m of text.matchAll(/\S+/g)) {
    const word = m[0].replace(/[,.;:!?]+$/, '').toLowerCase();
    tokens.push({ word, start: m.index, end: m.index + m[0].length });
  }
  // Runs of word-like tokens (BIP-39 words are 3–8 lower-case letters).
  let best: { mnemonic: string; start: number; end: number; length: number } | undefined;
  let runStart = 0;
  for (let i = 0; i <= tokens.length; i++) {
    if (i < tokens.length && /^[a-z]{3,8}$/.test(tokens[i]!.word)) continue;
    const candidate = phraseIn(tokens.slice(runStart, i));
    if (candidate && (!best || candidate.length > best.length)) best = candidate;
    runStart = i + 1;
  }
  return best ? { mnemonic: best.mnemonic, start: best.start, end: best.end } : undefined;
}

function phraseIn(run: Token[]): { mnemonic: string; start: number; end: number; length: number } | undefined {
  let from = 0;
  let to = run.length;
  while (from < to && !BIP39_WORDS.has(run[from]!.word)) from++;
  while (to > from && !BIP39_WORDS.has(run[to - 1]!.word)) to--;
  const core = run.slice(from, to);
  if (core.length < MIN_PHRASE_WORDS) return undefined;
  const misses = core.filter((t) => !BIP39_WORDS.has(t.word)).length;
  if (misses > 2) return undefined;
  // The longest window that is a valid phrase ("import seed phrase <12 words>": the 12 words).
  // Each try is a checksum: a run far longer than any phrase (4 KB of list words) is not searched,
  // and is taken whole all the same, so it is found just as surely. A window with a word off the
  // list cannot be valid.
  let chosen: Token[] | undefined;
  const searched = core.length <= MAX_SEARCHED_WORDS ? [...MNEMONIC_LENGTHS].reverse() : [];
  for (const length of searched) {
    for (let s = 0; !chosen && s + length <= core.length; s++) {
      const window = core.slice(s, s + length);
      if (isValidMnemonicWords(window.map((t) => t.word))) chosen = window;
    }
    if (chosen) break;
  }
  // None is valid: the whole run, for the import to explain what is wrong with it.
  const words = (chosen ?? core).map((t) => t.word).join(' ');
  return { mnemonic: words, start: core[0]!.start, end: core[core.length - 1]!.end, length: core.length };
}
