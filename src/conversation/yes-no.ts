import { normalize, wordsMatch } from './text-similarity.js';

/** A person's answer to "shall I?": yes or no, and the pending action it names when a button sent it. */
export interface ConfirmationAnswer {
  answer: 'yes' | 'no';
  /** Set when the text named the action (`confirm pa_…`, what a confirm button sends). */
  id?: string;
}

// Whole answers only: "no, what's the price of eth" is a new question, not a "no".
const YES = [
  'yes', 'y', 'ya', 'yah', 'yeah', 'yea', 'yep', 'yup', 'yes please', 'sure', 'ok', 'okay', 'k', 'kk', 'confirm', 'confirmed',
  'i confirm', 'go', 'go ahead', 'go for it', 'do it', 'just do it', 'proceed', 'approve', 'approved', 'affirmative', 'absolutely',
  'of course', 'sounds good', 'lets go', 'lets do it', 'yes do it', 'yes go ahead', 'send it', 'execute', 'correct', 'right', 'si', 'oui', 'ja',
];
const NO = [
  'no', 'n', 'nah', 'nope', 'no thanks', 'no thank you', 'cancel', 'cancel it', 'cancel that', 'stop', 'abort', 'dont', 'do not',
  'dont do it', 'never mind', 'nevermind', 'nvm', 'forget it', 'negative', 'no way', 'reject', 'decline', 'not now', 'wait no', 'non', 'nein',
];
const POLITE = /\s*\b(please|pls|plz|thanks|thank you|thx|ty|mate|bro)\b\s*/g;
// Emoji say yes and no too; normalize() removes emoji, so they are read before it runs.
const YES_EMOJI = /^(\s*(👍|✅|👌|🙆|✔️?|☑️?)\s*)+$/u;
const NO_EMOJI = /^(\s*(👎|❌|✖️?|🚫|🙅)\s*)+$/u;
const BY_ID = /^\s*\/?(confirm|yes|cancel|no)\s+(pa_[0-9a-f]{32})\s*$/i;

const yesPhrases = new Set(YES);
const noPhrases = new Set(NO);
/**
 * Single answer words of five letters or more, which may carry one typo ("confrim", "cancle").
 * Shorter ones may not: "note" and "step" are one edit from "nope" and "stop".
 */
const FUZZY_MIN = 5;
const fuzzyYes = YES.filter((w) => !w.includes(' ') && w.length >= FUZZY_MIN);
const fuzzyNo = NO.filter((w) => !w.includes(' ') && w.length >= FUZZY_MIN);

/**
 * Reads a whole message as yes or no ("yep", "go ahead", "cancle", "👍", "confirm pa_…"), or
 * undefined when it is anything else. Deterministic and cheap: it runs before the parser on every
 * message, so only a yes/no costs the database read for a pending action.
 */
export function readConfirmation(text: string): ConfirmationAnswer | undefined {
  if (text.length > 60) return undefined;
  const byId = BY_ID.exec(text);
  if (byId) return { answer: /^(confirm|yes)$/i.test(byId[1]!) ? 'yes' : 'no', id: byId[2]!.toLowerCase() };
  if (YES_EMOJI.test(text)) return { answer: 'yes' };
  if (NO_EMOJI.test(text)) return { answer: 'no' };
  const words = normalize(text).replace(/\./g, ' ').replace(POLITE, ' ').replace(/\s+/g, ' ').trim();
  if (!words) return undefined;
  if (yesPhrases.has(words) || isRunOf(words, yesPhrases)) return { answer: 'yes' };
  if (noPhrases.has(words) || isRunOf(words, noPhrases)) return { answer: 'no' };
  if (words.includes(' ') || words.length < FUZZY_MIN) return undefined;
  if (fuzzyYes.some((w) => wordsMatch(words, w))) return { answer: 'yes' };
  if (fuzzyNo.some((w) => wordsMatch(words, w))) return { answer: 'no' };
  return undefined;
}

/**
 * Whether the words are answers of one kind said one after another ("yup send it", "sounds good
 * go", "nah cancel"): still that answer. At most four words, so a sentence is never one.
 */
function isRunOf(words: string, phrases: ReadonlySet<string>): boolean {
  const parts = words.split(' ');
  if (parts.length < 2 || parts.length > 4) return false;
  const from = (i: number): boolean => {
    if (i === parts.length) return true;
    for (let j = parts.length; j > i; j--) if (phrases.has(parts.slice(i, j).join(' ')) && from(j)) return true;
    return false;
  };
  return from(0);
}
