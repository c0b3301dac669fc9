import { keccak256, toBytes, type Hex } from 'viem';
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';

/**
 * The devnet's own accounts. Their keys are derived from fixed words so every fresh devnet deploys
 * to the same addresses, which means they are public: devnet assets are worthless by design, and
 * the faucet is the only intended way to get them.
 */
function derive(role: string): { key: Hex; account: PrivateKeyAccount } {
  const key = keccak256(toBytes(`mobius devnet ${role} v1`));
  return { key, account: privateKeyToAccount(key) };
}

export const DEVNET_CHAIN_ID = 31337;

export const devnetKeys = {
  /** Deploys everything, in a fixed order, and never sends again. */
  deployer: derive('deployer'),
  /** Pays out faucet requests; its transactions are journaled like a person's. */
  faucet: derive('faucet'),
  /** Moves prices; its swaps are not journaled (the pools' state is, see journal.ts). */
  maker: derive('maker'),
} as const;

export type DevnetRole = keyof typeof devnetKeys;

const ETH = 10n ** 18n;

/** Genesis balances: enough that the faucet and the market-maker never run dry. */
export const GENESIS_BALANCES: Record<DevnetRole, bigint> = {
  deployer: 10_000_000n * ETH,
  faucet: 1_000_000_000n * ETH,
  maker: 1_000_000_000n * ETH,
};
