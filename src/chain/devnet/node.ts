import { createPublicClient, custom, defineChain, type Hex, type PublicClient } from 'viem';
import type { Logger } from '../../core/capability.js';
import { devnetKeys, DEVNET_CHAIN_ID, GENESIS_BALANCES } from './accounts.js';
import { deployDevnet, deploymentVersion } from './deploy.js';
import type { Deployment } from './deployment.js';
import { createEdrProvider, type Eip1193Provider } from './edr.js';
import { DevnetJournal, type JournalEntry } from './journal.js';
import { anchorClock, compactJournal, replayJournal } from './replay.js';
import { diffState, readState, watchedState, type StateSnapshot, type WatchedState } from './state-watch.js';

export interface DevnetStartOptions {
  /** Where the journal lives; undefined keeps the devnet in memory only (tests, benchmarks). */
  dir?: string;
  log: Logger;
  now?: () => number;
  /** How often pool state is checkpointed while the market-maker moves it (ms). */
  checkpointIntervalMs?: number;
}

/**
 * The in-process devnet: Hardhat's EDR network with our deployment, a journal that survives
 * restarts, and one lock that orders every state-changing transaction so the journal sees the
 * chain exactly as it was before each one.
 */
export class DevnetNode implements Eip1193Provider {
  readonly chainId = DEVNET_CHAIN_ID;
  readonly client: PublicClient;
  #lock: Promise<unknown> = Promise.resolve();
  #journal: DevnetJournal | undefined;
  #watched: WatchedState;
  #journaled: StateSnapshot | undefined;
  #lastHead = -1;
  #lastMaker = '';
  #checkpointTimer: NodeJS.Timeout | undefined;
  #makerState: () => unknown = () => undefined;
  #closed = false;

  private constructor(
    private readonly edr: Eip1193Provider,
    readonly deployment: Deployment,
    private readonly log: Logger,
    /** The maker's state found in the journal, for the market-maker to resume from. */
    readonly restoredMakerState: unknown,
  ) {
    this.client = createPublicClient({ chain: devnetChain(deployment), transport: custom(this, { retryCount: 0 }) });
    this.#watched = watchedState(deployment);
  }

  static async start(options: DevnetStartOptions): Promise<DevnetNode> {
    const now = options.now ?? Date.now;
    const started = performance.now();
    const version = deploymentVersion(DEVNET_CHAIN_ID);
    // Every deployment block moves the chain clock at least a second; starting the genesis that far
    // in the past and re-anchoring after deployment keeps block times equal to wall-clock time.
    const genesisTime = now() - GENESIS_LEAD_MS;
    const opened = options.dir ? DevnetJournal.open(options.dir, { version, chainId: DEVNET_CHAIN_ID, now: now(), genesisTime }) : undefined;
    try {
      if (opened?.setAside) options.log.warn({ dir: options.dir }, `devnet journal set aside and a fresh devnet deployed: ${opened.setAside}`);
      const edr = await createEdrProvider({
        chainId: DEVNET_CHAIN_ID,
        accounts: (Object.keys(devnetKeys) as (keyof typeof devnetKeys)[]).map((role) => ({ privateKey: devnetKeys[role].key, balance: GENESIS_BALANCES[role] })),
        initialDate: new Date(opened ? opened.meta.genesisTime : genesisTime),
      });
      const bootClient = createPublicClient({ transport: custom(edr, { retryCount: 0 }) });
      const deployment = await deployDevnet({ provider: edr, client: bootClient, chainId: DEVNET_CHAIN_ID });
      const deployedMs = performance.now() - started;
      let makerState: unknown;
      if (opened && opened.entries.length > 0) {
        const replay = await replayJournal(edr, opened.entries, now);
        makerState = replay.makerState;
        if (replay.diverged.length > 0) options.log.warn({ diverged: replay.diverged.length, first: replay.diverged[0] }, 'devnet replay: some transactions did not come back as recorded');
        opened.journal.rewrite(compactJournal(opened.entries));
        options.log.info({ transactions: replay.transactions }, 'devnet state restored from its journal');
      } else {
        await anchorClock(edr, now);
      }
      const node = new DevnetNode(edr, deployment, options.log, makerState);
      if (opened) {
        node.#journal = opened.journal;
        node.#journaled = await readState(edr, node.#watched);
        node.#checkpointTimer = setInterval(() => void node.checkpoint().catch((err: unknown) => options.log.warn({ err }, 'devnet checkpoint failed')), options.checkpointIntervalMs ?? 30_000);
        node.#checkpointTimer.unref();
      }
      options.log.info({ deployMs: Math.round(deployedMs), totalMs: Math.round(performance.now() - started), persisted: Boolean(opened) }, 'devnet ready');
      return node;
    } catch (err) {
      opened?.journal.close();
      throw err;
    }
  }

  /** The market-maker reports its state here so checkpoints can persist it. */
  setMakerStateSource(source: () => unknown): void {
    this.#makerState = source;
  }

  /**
   * EIP-1193 for everything inside this process. Every raw transaction is ordered by the lock
   * and journaled after it is mined.
   */
  async request(args: { method: string; params?: unknown[] | object }): Promise<unknown> {
    try {
      if (args.method !== 'eth_sendRawTransaction') return await this.edr.request(args);
      return await this.#locked(() => this.#sendJournaled(args));
    } catch (err) {
      throw asRpcError(err);
    }
  }

  /** Sends without journaling, for the market-maker, whose effects are journaled as state. */
  async sendUnjournaled(args: { method: string; params?: unknown[] | object }): Promise<unknown> {
    try {
      if (args.method !== 'eth_sendRawTransaction') return await this.edr.request(args);
      return await this.#locked(() => this.edr.request(args));
    } catch (err) {
      throw asRpcError(err);
    }
  }

  /** Persists pool state, the maker's state and the chain head (run periodically and at close). */
  checkpoint(): Promise<void> {
    if (!this.#journal) return Promise.resolve();
    return this.#locked(async () => {
      await this.#journalState();
      const maker = JSON.stringify(this.#makerState() ?? null);
      if (maker !== this.#lastMaker) {
        this.#append({ t: 'maker', state: this.#makerState() });
        this.#lastMaker = maker;
      }
      const block = (await this.edr.request({ method: 'eth_getBlockByNumber', params: ['latest', false] })) as { number: Hex; timestamp: Hex };
      const number = Number(BigInt(block.number));
      if (number !== this.#lastHead) {
        this.#append({ t: 'head', block: number, timestamp: Number(BigInt(block.timestamp)) });
        this.#lastHead = number;
      }
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#checkpointTimer);
    try {
      await this.checkpoint();
    } finally {
      this.#journal?.close();
      this.#journal = undefined;
    }
  }

  /** Tells other processes on this data directory where this devnet answers JSON-RPC. */
  publishEndpoint(url: string): void {
    this.#journal?.publishEndpoint(url);
  }

  get persisted(): boolean {
    return this.#journal !== undefined;
  }

  async #sendJournaled(args: { method: string; params?: unknown[] | object }): Promise<unknown> {
    if (!this.#journal) return this.edr.request(args);
    await this.#journalState();
    const hash = (await this.edr.request(args)) as Hex;
    const raw = (args.params as unknown[])[0] as Hex;
    const receipt = (await this.edr.request({ method: 'eth_getTransactionReceipt', params: [hash] })) as { blockNumber: Hex } | null;
    if (receipt) {
      const block = (await this.edr.request({ method: 'eth_getBlockByNumber', params: [receipt.blockNumber, false] })) as { timestamp: Hex; baseFeePerGas: Hex };
      this.#append({ t: 'tx', hash, raw, block: Number(BigInt(receipt.blockNumber)), timestamp: Number(BigInt(block.timestamp)), baseFee: BigInt(block.baseFeePerGas).toString() });
    } else {
      this.log.warn({ hash }, 'devnet transaction not mined at once; it is not journaled');
    }
    return hash;
  }

  async #journalState(): Promise<void> {
    const now = await readState(this.edr, this.#watched);
    const diff = diffState(this.#journaled, now);
    if (diff.storage.length > 0 || diff.balances.length > 0) this.#append({ t: 'state', ...diff });
    this.#journaled = now;
  }

  #append(entry: JournalEntry): void {
    this.#journal?.append(entry);
  }

  #locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn);
    this.#lock = run.catch(() => undefined);
    return run;
  }
}

const GENESIS_LEAD_MS = 10 * 60_000;

/** A revert, in the shape nodes answer it (geth's code 3 with the revert data). */
export class ExecutionRevertedError extends Error {
  readonly code = 3;
  constructor(
    message: string,
    readonly data: Hex,
  ) {
    super(message);
    this.name = 'ExecutionRevertedError';
  }
}

/**
 * EDR reports a revert as a "SolidityError" without a JSON-RPC code (and with Hardhat's stack
 * trace attached). Wallets, viem and our breakers expect what real nodes send: code 3, "execution
 * reverted: <reason>", the revert data — a caller's mistake, never the node failing.
 */
function asRpcError(err: unknown): unknown {
  const e = err as { data?: unknown; message?: unknown; code?: unknown };
  if (typeof e?.data === 'string' && e.data.startsWith('0x') && typeof e.message === 'string' && /revert/i.test(e.message)) {
    const reason = /reverted with reason string '([^']*)'/.exec(e.message)?.[1] ?? /reverted with custom error '([^']*)'/.exec(e.message)?.[1];
    return new ExecutionRevertedError(reason ? `execution reverted: ${reason}` : 'execution reverted', e.data as Hex);
  }
  return err;
}

/** viem's view of the devnet: chain id, native coin and where Multicall3 lives. */
export function devnetChain(deployment: Pick<Deployment, 'chainId' | 'multicall3'>, rpcUrls: string[] = []) {
  return defineChain({
    id: deployment.chainId,
    name: 'Möbius devnet',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: rpcUrls } },
    contracts: { multicall3: { address: deployment.multicall3 } },
    testnet: true,
  });
}
