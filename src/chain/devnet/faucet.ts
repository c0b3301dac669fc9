import type { Hex } from 'viem';
import { formatAmount } from '../../core/amount.js';
import { UserError } from '../../core/errors.js';
import type { Address } from '../../core/token.js';
import { wethAbi } from '../abi.js';
import { devnetKeys } from './accounts.js';
import { devnetTokenAbi } from './contracts/artifacts.js';
import type { PublicClient } from 'viem';
import type { Deployment } from './deployment.js';
import type { Eip1193Provider } from './edr.js';
import { NATIVE_SEED, SEED_TOKENS, unitsForUsd } from './seed.js';
import { DevnetSender } from './sender.js';

export interface FaucetPayout {
  symbol: string;
  amount: bigint;
  decimals: number;
  to: Address;
  hash: Hex;
}

/** The most one request may ask for, in USD at the seed prices (100 ETH's worth). */
export const FAUCET_CAP_USD = 300_000n;

/**
 * Hands out devnet ETH and devnet tokens: ETH from the faucet's balance, tokens minted fresh.
 * Its transactions are journaled like anyone's, so payouts survive restarts.
 */
export class DevnetFaucet {
  readonly #deployment: Deployment;
  readonly #sender: DevnetSender;

  /**
   * `provider` is the devnet itself in the instance that runs it, or its `/rpc/devnet` elsewhere:
   * the faucet's key is public (see accounts.ts), so any instance can sign its payouts.
   */
  constructor(provider: Eip1193Provider, client: PublicClient, deployment: Deployment) {
    this.#deployment = deployment;
    this.#sender = new DevnetSender(devnetKeys.faucet.account, (args) => provider.request(args), client, deployment.chainId);
  }

  /** The largest amount of `symbol` one request may ask for, in base units. */
  cap(symbol: string): bigint {
    if (symbol === 'ETH' || symbol === 'WETH') return unitsForUsd(FAUCET_CAP_USD, NATIVE_SEED.usdE8, 18);
    const seed = SEED_TOKENS.find((t) => t.symbol === symbol);
    if (!seed) throw new UserError('unknown_token', `The devnet faucet has no ${symbol}; it gives ETH, WETH and ${SEED_TOKENS.map((t) => t.symbol).join(', ')}.`);
    return unitsForUsd(FAUCET_CAP_USD, seed.usdE8, seed.decimals);
  }

  async drip(to: Address, symbol: string, amount: bigint): Promise<FaucetPayout> {
    const cap = this.cap(symbol);
    if (amount <= 0n) throw new UserError('bad_input', 'Ask the faucet for more than zero.');
    if (amount > cap) throw new UserError('bad_input', `That is more than the faucet gives at once; the most is ${formatAmount({ base: cap, decimals: symbol === 'ETH' || symbol === 'WETH' ? 18 : this.#decimals(symbol) }, { group: true })} ${symbol}.`);
    const deployment = this.#deployment;
    let hash: Hex;
    if (symbol === 'ETH') {
      // Room for a contract wallet's receive() (a Safe does work there); unused gas is refunded.
      hash = (await this.#sender.transact({ to, value: amount, gas: 100_000n })).transactionHash;
    } else if (symbol === 'WETH') {
      await this.#sender.call(deployment.weth, wethAbi, 'deposit', [], { gas: 100_000n, value: amount });
      hash = (await this.#sender.call(deployment.weth, wethAbi, 'transfer', [to, amount], { gas: 100_000n })).transactionHash;
    } else {
      const token = deployment.tokens.find((t) => t.symbol === symbol)!;
      hash = (await this.#sender.call(token.address, devnetTokenAbi, 'mint', [to, amount], { gas: 100_000n })).transactionHash;
    }
    const decimals = symbol === 'ETH' || symbol === 'WETH' ? 18 : this.#decimals(symbol);
    return { symbol, amount, decimals, to, hash };
  }

  #decimals(symbol: string): number {
    return SEED_TOKENS.find((t) => t.symbol === symbol)!.decimals;
  }
}
