import { createPublicClient, createWalletClient, custom, http, parseEther, type Hex, type PublicClient, type WalletClient } from 'viem';
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { devnetChain } from '../../src/chain/devnet/node.js';
import type { Deployment } from '../../src/chain/devnet/deployment.js';
import type { Eip1193Provider } from '../../src/chain/devnet/edr.js';

export const quietLog = { debug() {}, info() {}, warn() {}, error() {} };

/** A fresh person on the devnet: a random key and viem clients over the given provider or URL. */
export function devnetUser(deployment: Deployment, via: Eip1193Provider | string): { account: PrivateKeyAccount; key: Hex; wallet: WalletClient; client: PublicClient } {
  const key = generatePrivateKey();
  const account = privateKeyToAccount(key);
  const transport = typeof via === 'string' ? http(via, { retryCount: 0 }) : custom(via, { retryCount: 0 });
  const chain = devnetChain(deployment);
  return {
    key,
    account,
    wallet: createWalletClient({ account, chain, transport }),
    client: createPublicClient({ chain, transport }) as PublicClient,
  };
}

export const ETH = (n: string) => parseEther(n);
