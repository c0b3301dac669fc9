import { encodeDeployData, getAddress, encodeFunctionData, type Abi, type Address, type Hex, type TransactionReceipt, type PublicClient } from 'viem';
import type { PrivateKeyAccount } from 'viem/accounts';
import type { Eip1193Provider } from './edr.js';

export interface SendRequest {
  to?: Address;
  data?: Hex;
  value?: bigint;
  gas: bigint;
}

/** Fees high enough for any devnet block: only base fee + tip is charged, never the cap. */
const MAX_FEE_PER_GAS = 500n * 10n ** 9n;

/**
 * Signs and sends a devnet account's transactions with a locally tracked nonce and a fixed gas
 * limit: one RPC round trip per transaction instead of viem's five (nonce, fees, estimate, chain id,
 * send). Deployment sends ~90 transactions, so this is most of the devnet's cold start.
 * Not for people's wallets: there, estimates and the pending-action flow matter more than speed.
 */
export class DevnetSender {
  #nonce: number | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly account: PrivateKeyAccount,
    private readonly send: Eip1193Provider['request'],
    private readonly client: PublicClient,
    private readonly chainId: number,
  ) {}

  /** Sends and waits for the receipt; throws if the transaction reverted. */
  transact(request: SendRequest): Promise<TransactionReceipt> {
    // Serialised so nonces go out in order even when callers do not await each other.
    const run = this.#queue.then(() => this.#transact(request));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  call<const A extends Abi>(to: Address, abi: A, functionName: string, args: readonly unknown[], options: { gas?: bigint; value?: bigint } = {}): Promise<TransactionReceipt> {
    const data = encodeFunctionData({ abi, functionName, args } as never);
    return this.transact({ to, data, gas: options.gas ?? 300_000n, ...(options.value ? { value: options.value } : {}) });
  }

  async deploy<const A extends Abi>(abi: A, bytecode: Hex, args: readonly unknown[] = [], gas = 6_000_000n): Promise<Address> {
    const data = encodeDeployData({ abi, bytecode, args } as never);
    const receipt = await this.transact({ data, gas });
    if (!receipt.contractAddress) throw new Error('deployment produced no contract address');
    return getAddress(receipt.contractAddress);
  }

  async #transact(request: SendRequest, retried = false): Promise<TransactionReceipt> {
    this.#nonce ??= await this.client.getTransactionCount({ address: this.account.address, blockTag: 'pending' });
    const serialized = await this.account.signTransaction({
      type: 'eip1559',
      chainId: this.chainId,
      nonce: this.#nonce,
      gas: request.gas,
      maxFeePerGas: MAX_FEE_PER_GAS,
      maxPriorityFeePerGas: 0n,
      ...(request.to ? { to: request.to } : {}),
      ...(request.data ? { data: request.data } : {}),
      ...(request.value ? { value: request.value } : {}),
    });
    let hash: Hex;
    try {
      hash = (await this.send({ method: 'eth_sendRawTransaction', params: [serialized] })) as Hex;
    } catch (err) {
      // Not mined, so the nonce was not used; re-read it in case the chain moved. Another instance
      // sharing this account (the faucet, over RPC_URL_DEVNET) may have used it: try once more.
      this.#nonce = undefined;
      if (!retried && /nonce/i.test(String((err as Error).message))) return this.#transact(request, true);
      throw err;
    }
    this.#nonce += 1;
    const receipt = await this.client.getTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new Error(`devnet transaction ${hash} from ${this.account.address} reverted${await this.#reason(request, receipt.blockNumber)}`);
    return receipt;
  }

  /** Re-runs a reverted transaction as a call on the state before it, for the revert reason. */
  async #reason(request: SendRequest, block: bigint): Promise<string> {
    try {
      await this.client.call({ account: this.account.address, to: request.to ?? null, data: request.data, value: request.value, gas: request.gas, blockNumber: block - 1n });
      return '';
    } catch (err) {
      const e = err as { shortMessage?: string; details?: string; message: string };
      return `: ${e.details ?? e.shortMessage ?? e.message}`;
    }
  }
}
