import type { ChainAccess } from './chain-access.js';

/** Typical gas of common actions; real transactions are estimated before they are signed. */
export const TYPICAL_GAS = {
  transfer: 21_000n,
  tokenTransfer: 65_000n,
  /** A Uniswap V2 single-hop swap through Router02, token to token. */
  swap: 150_000n,
} as const;

export type GasAction = keyof typeof TYPICAL_GAS;

export interface GasQuote {
  chainId: number;
  /** 'eip1559' when the chain prices by base fee + tip, 'legacy' when it only has a gas price. */
  pricing: 'eip1559' | 'legacy';
  baseFeePerGas: bigint | undefined;
  maxPriorityFeePerGas: bigint | undefined;
  /** What a transaction pays per gas unit now: base fee + tip, or the legacy gas price. */
  gasPrice: bigint;
  /** A cap that survives a few blocks of rising base fee (2× base + tip, as wallets do). */
  maxFeePerGas: bigint;
  costs: Record<GasAction, { gas: bigint; native: bigint; usd: number | undefined }>;
  /** USD per native coin used for `usd`, and where it came from. */
  nativeUsd: { price: number; source: string } | undefined;
  blockNumber: bigint;
}

export type NativeUsdSource = (chainId: number) => Promise<{ price: number; source: string } | undefined>;

export class GasOracle {
  #nativeUsd: NativeUsdSource;

  constructor(
    private readonly access: ChainAccess,
    nativeUsd: NativeUsdSource = () => Promise.resolve(undefined),
  ) {
    this.#nativeUsd = nativeUsd;
  }

  /**
   * Where USD prices of native coins come from. The price oracle is built after the chain layer
   * (it reads chains), so it is plugged in here once it exists.
   */
  priceNativeWith(source: NativeUsdSource): void {
    this.#nativeUsd = source;
  }

  async quote(chainId: number): Promise<GasQuote> {
    const info = this.access.chain(chainId);
    const [fees, usd] = await Promise.all([this.#fees(chainId, info.eip1559), this.#nativeUsd(chainId).catch(() => undefined)]);
    const costs = Object.fromEntries(
      (Object.entries(TYPICAL_GAS) as [GasAction, bigint][]).map(([action, gas]) => {
        const native = gas * fees.gasPrice;
        // Fiat is an estimate for people, so a float is fine here; `native` stays exact.
        const fiat = usd ? (Number(native) / 10 ** info.native.decimals) * usd.price : undefined;
        return [action, { gas, native, usd: fiat }];
      }),
    ) as GasQuote['costs'];
    return { chainId, ...fees, costs, nativeUsd: usd };
  }

  async #fees(chainId: number, eip1559: boolean): Promise<Pick<GasQuote, 'pricing' | 'baseFeePerGas' | 'maxPriorityFeePerGas' | 'gasPrice' | 'maxFeePerGas' | 'blockNumber'>> {
    return this.access.read(chainId, async (client) => {
      const block = await client.getBlock({ blockTag: 'latest' });
      if (eip1559 && block.baseFeePerGas !== null && block.baseFeePerGas !== undefined) {
        const baseFee = block.baseFeePerGas;
        // Some nodes lack eth_maxPriorityFeePerGas; then the legacy price minus base fee is the tip.
        const tip = await client.estimateMaxPriorityFeePerGas().catch(async () => {
          const price = await client.getGasPrice();
          return price > baseFee ? price - baseFee : 0n;
        });
        return { pricing: 'eip1559', baseFeePerGas: baseFee, maxPriorityFeePerGas: tip, gasPrice: baseFee + tip, maxFeePerGas: baseFee * 2n + tip, blockNumber: block.number };
      }
      const gasPrice = await client.getGasPrice();
      return { pricing: 'legacy', baseFeePerGas: undefined, maxPriorityFeePerGas: undefined, gasPrice, maxFeePerGas: gasPrice, blockNumber: block.number };
    });
  }
}
