import { UserError } from './errors.js';

/**
 * An exact token amount: integer base units plus the token's decimals.
 * Money never passes through a float: parse and format work on strings and bigints only.
 */
export interface Amount {
  readonly base: bigint;
  readonly decimals: number;
}

const DECIMAL = /^(\d+)(?:\.(\d*))?$|^\.(\d+)$/;

function checkDecimals(decimals: number): void {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 77) {
    throw new RangeError(`decimals must be an integer in 0..77, got ${decimals}`);
  }
}

/**
 * Parses a person's decimal amount into base units, refusing rather than rounding.
 * viem's parseUnits rounds digits beyond `decimals`; for money a person typed we would rather
 * say so than silently change the amount.
 *
 * @example parseAmount('1.5', 6) // { base: 1500000n, decimals: 6 }
 */
export function parseAmount(text: string, decimals: number): Amount {
  checkDecimals(decimals);
  const cleaned = text.trim().replace(/[_,](?=\d{3}(\D|$))/g, '');
  const match = DECIMAL.exec(cleaned);
  if (!match) {
    throw new UserError('bad_input', `"${text}" is not an amount I can read; use digits like 1.5`);
  }
  const whole = match[1] ?? '0';
  const fraction = (match[2] ?? match[3] ?? '').replace(/0+$/, '');
  if (fraction.length > decimals) {
    throw new UserError(
      'bad_input',
      `"${text}" has more than ${decimals} decimal places, the most this token supports`,
    );
  }
  const base = BigInt(whole + fraction.padEnd(decimals, '0'));
  return { base, decimals };
}

export interface FormatOptions {
  /** Cut (never round up) the fraction to at most this many digits. */
  maxFractionDigits?: number;
  /** Group thousands with commas. */
  group?: boolean;
}

/**
 * Formats base units as a decimal string, exactly (or truncated when asked).
 *
 * @example formatAmount({ base: 1500000n, decimals: 6 }) // '1.5'
 */
export function formatAmount(amount: Amount, options: FormatOptions = {}): string {
  checkDecimals(amount.decimals);
  const negative = amount.base < 0n;
  const digits = (negative ? -amount.base : amount.base).toString().padStart(amount.decimals + 1, '0');
  let whole = digits.slice(0, digits.length - amount.decimals);
  let fraction = digits.slice(digits.length - amount.decimals);
  if (options.maxFractionDigits !== undefined) fraction = fraction.slice(0, options.maxFractionDigits);
  fraction = fraction.replace(/0+$/, '');
  if (options.group) whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** Adds two amounts of the same token. */
export function addAmounts(a: Amount, b: Amount): Amount {
  if (a.decimals !== b.decimals) throw new RangeError('cannot add amounts with different decimals');
  return { base: a.base + b.base, decimals: a.decimals };
}

/** Takes `numerator/denominator` of an amount, rounding down (e.g. "half", "25%"). */
export function shareOf(amount: Amount, numerator: bigint, denominator: bigint): Amount {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  return { base: (amount.base * numerator) / denominator, decimals: amount.decimals };
}

/**
 * An amount as a person reads it: thousands grouped and the fraction cut (never rounded up) to
 * what matters at that size. Exact values travel in `data`; this is only for the reply text.
 *
 * @example displayAmount({ base: 1234567890000000000000n, decimals: 18 }) // '1,234.5678'
 */
export function displayAmount(amount: Amount): string {
  const whole = (amount.base < 0n ? -amount.base : amount.base) / 10n ** BigInt(amount.decimals);
  const maxFractionDigits = whole >= 1000n ? 2 : whole >= 1n ? 4 : 8;
  return formatAmount(amount, { group: true, maxFractionDigits });
}
