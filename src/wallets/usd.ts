import { formatPrice } from '../market/format.js';

/**
 * USD money in millionths (`usdE6`), as bigint. A price is a number (an estimate from the oracle);
 * it enters the money math once, as a fixed-point integer with 18 decimals, and everything after
 * that is integer arithmetic.
 */

/**
 * A price as an integer with 18 decimals: 3012.45 → 3012450000000000000000n. Read from the
 * number's shortest round-trip text ("3012.45", "1e-7"), so a price the oracle computed as 3012.45
 * counts as exactly that and not as its binary neighbour 3012.4499999999998…
 */
export function priceToE18(price: number): bigint {
  if (!Number.isFinite(price) || price < 0) throw new RangeError(`not a price: ${price}`);
  const [mantissa, exponent = '0'] = String(price).split('e');
  const [whole, fraction = ''] = mantissa!.split('.');
  const shift = 18 + Number(exponent) - fraction.length;
  const digits = BigInt(whole! + fraction);
  return shift >= 0 ? digits * 10n ** BigInt(shift) : digits / 10n ** BigInt(-shift);
}

/**
 * The USD value of `amount` base units of a token with `decimals` at `price`, in millionths,
 * rounded down.
 *
 * @example valueUsdE6(1_500_000n, 6, 1) // 1_500_000n ($1.50)
 */
export function valueUsdE6(amount: bigint, decimals: number, price: number): bigint {
  return (amount * priceToE18(price)) / 10n ** BigInt(decimals + 12);
}

/** A share in percent with two decimals (a number, for display): 2500n of 10000n → 25. */
export function percentOf(part: bigint, whole: bigint): number {
  if (whole === 0n) return 0;
  return Number((part * 10_000n) / whole) / 100;
}

/**
 * "$1,234.56", exact to the cent (cut, never rounded up); "<$0.01" for dust, "−$3.10" below zero.
 * Display only: exact values travel as usdE6 strings.
 */
export function formatUsdE6(usdE6: bigint): string {
  const negative = usdE6 < 0n;
  const abs = negative ? -usdE6 : usdE6;
  if (abs > 0n && abs < 10_000n) return `${negative ? '−' : ''}<$0.01`;
  const cents = abs / 10_000n;
  const whole = (cents / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '−' : ''}$${whole}.${(cents % 100n).toString().padStart(2, '0')}`;
}

/** A price per unit as the market layer formats it ($3,012.45, $0.00001234). */
export function formatUnitPrice(price: number): string {
  return formatPrice(price, 'usd');
}

/** "+$12.30" / "−$4.00": a gain or loss. */
export function formatPnlE6(usdE6: bigint): string {
  const text = formatUsdE6(usdE6 < 0n ? -usdE6 : usdE6);
  return usdE6 < 0n ? `−${text}` : usdE6 > 0n ? `+${text}` : text;
}
