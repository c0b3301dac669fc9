import type { Logger } from '../../core/capability.js';
import type { Deployment } from './deployment.js';
import { DevnetFaucet } from './faucet.js';
import { MarketMaker } from './market-maker.js';
import { DevnetNode } from './node.js';

/** A devnet running in this process: the chain, its market-maker and its faucet. */
export interface Devnet {
  node: DevnetNode;
  marketMaker: MarketMaker;
  faucet: DevnetFaucet;
  close(): Promise<void>;
}

export interface StartDevnetOptions {
  /** Journal directory; undefined keeps everything in memory. */
  dir: string | undefined;
  log: Logger;
  marketMaker: { intervalMs: number; seed: number };
}

export async function startDevnet(options: StartDevnetOptions): Promise<Devnet> {
  const node = await DevnetNode.start({ ...(options.dir ? { dir: options.dir } : {}), log: options.log });
  const marketMaker = new MarketMaker({ node, log: options.log, ...options.marketMaker });
  const faucet = new DevnetFaucet(node, node.client, node.deployment);
  if (node.restoredMakerState === undefined) await marketMaker.publishFeeds();
  marketMaker.start();
  let closing: Promise<void> | undefined;
  return {
    node,
    marketMaker,
    faucet,
    close() {
      closing ??= (async () => {
        await marketMaker.stop();
        await node.close();
      })();
      return closing;
    },
  };
}

/**
 * Asks another instance's devnet (RPC_URL_DEVNET) what it deployed, trying each URL in turn.
 * Start-up fails with the reason if none answers: serving a devnet we cannot see would only fail later.
 */
export async function fetchRemoteDeployment(urls: readonly string[], timeoutMs: number): Promise<Deployment> {
  const problems: string[] = [];
  for (const url of urls) {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'mobius_deployment', params: [] }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = (await response.json()) as { result?: Deployment; error?: { message: string } };
      if (body.result?.multicall3) return body.result;
      problems.push(`${new URL(url).host}: ${body.error?.message ?? 'no deployment in the answer'}`);
    } catch (err) {
      problems.push(`${new URL(url).host}: ${(err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (err as Error).message}`);
    }
  }
  throw new Error(`RPC_URL_DEVNET: no endpoint told its devnet deployment (${problems.join('; ')})`);
}
