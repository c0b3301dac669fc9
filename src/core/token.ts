import { z } from 'zod';

export type Address = `0x${string}`;

export const AddressSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'an address is 0x followed by 40 hex digits')
  .transform((s) => s as Address);

/** One token on one chain. `address: 'native'` is the chain's own coin (ETH, BNB …). */
export interface TokenRef {
  readonly chainId: number;
  readonly address: Address | 'native';
  readonly symbol: string;
  readonly decimals: number;
  readonly name?: string;
  /** Devnet copies of real tokens carry this so no one mistakes them for the real thing. */
  readonly devnet?: boolean;
}

export const TokenRefSchema = z.object({
  chainId: z.number().int().positive(),
  address: z.union([AddressSchema, z.literal('native')]),
  symbol: z.string().min(1).max(32),
  decimals: z.number().int().min(0).max(77),
  name: z.string().max(100).optional(),
  devnet: z.boolean().optional(),
});

/** A stable key for maps and caches: `1:native`, `8453:0xabc…` (address lower-cased). */
export function tokenKey(token: Pick<TokenRef, 'chainId' | 'address'>): string {
  return `${token.chainId}:${token.address.toLowerCase()}`;
}

export function sameToken(a: Pick<TokenRef, 'chainId' | 'address'>, b: Pick<TokenRef, 'chainId' | 'address'>): boolean {
  return tokenKey(a) === tokenKey(b);
}
