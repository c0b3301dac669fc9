import type { Address } from '../../core/token.js';
import type { DexKey } from './seed.js';

/** Everything deployed on a devnet, as served by its `mobius_deployment` RPC method. */
export interface Deployment {
  chainId: number;
  /** Hash of what was deployed and how; a persisted journal only replays on the same version. */
  version: string;
  multicall3: Address;
  weth: Address;
  /** ERC-20 devnet copies, WETH first. */
  tokens: DeployedToken[];
  dexes: DeployedDex[];
  feeds: DeployedFeed[];
  accounts: { deployer: Address; faucet: Address; maker: Address };
}

export interface DeployedToken {
  symbol: string;
  name: string;
  address: Address;
  decimals: number;
}

export interface DeployedDex {
  key: DexKey;
  name: string;
  factory: Address;
  router: Address;
  initCodeHash: `0x${string}`;
  pairs: DeployedPair[];
}

export interface DeployedPair {
  address: Address;
  token0: Address;
  token1: Address;
}

export interface DeployedFeed {
  pair: 'ETH/USD' | 'BTC/USD';
  address: Address;
  decimals: number;
}
