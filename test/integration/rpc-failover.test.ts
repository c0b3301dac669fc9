import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BalanceReader } from '../../src/chain/balances.js';
import { ChainAccess } from '../../src/chain/chain-access.js';
import { describeEndpoint } from '../../src/chain/endpoint.js';
import { startDevnet, type Devnet } from '../../src/chain/devnet/devnet.js';
import { DependencyError } from '../../src/core/errors.js';
import type { TokenRef } from '../../src/core/token.js';
import { createMetrics } from '../../src/infra/metrics.js';
import { devnetUser, ETH, quietLog } from '../helpers/devnet.js';
import { devnetRpcServer, hangingRpcServer, type LocalRpc } from '../helpers/rpc-servers.js';

describe('RPC failover between endpoints of one chain', () => {
  let devnet: Devnet;
  let holder: `0x${string}`;
  let tokens: Map<number, TokenRef[]>;
  const opened: LocalRpc[] = [];
  const accesses: ChainAccess[] = [];

  function accessOver(urls: string[], timeoutMs: number): ChainAccess {
    const access = new ChainAccess({ chains: ['devnet'], rpcUrls: { devnet: urls }, remoteDevnet: devnet.node.deployment, timeoutMs, probeIntervalMs: 0, metrics: createMetrics({ defaultMetrics: false }), log: quietLog });
    accesses.push(access);
    return access;
  }

  async function server(kind: 'devnet' | 'hanging'): Promise<LocalRpc> {
    const s = kind === 'devnet' ? await devnetRpcServer(devnet.node, devnet.node.deployment) : await hangingRpcServer();
    opened.push(s);
    return s;
  }

  before(async () => {
    devnet = await startDevnet({ dir: undefined, log: quietLog, marketMaker: { intervalMs: 0, seed: 3 } });
    const { deployment } = devnet.node;
    holder = devnetUser(deployment, devnet.node).account.address;
    await devnet.faucet.drip(holder, 'ETH', ETH('3'));
    await devnet.faucet.drip(holder, 'USDC', 4_000_000n);
    tokens = new Map([[deployment.chainId, [{ chainId: deployment.chainId, address: 'native', symbol: 'ETH', decimals: 18 }, ...deployment.tokens.map((t) => ({ chainId: deployment.chainId, address: t.address, symbol: t.symbol, decimals: t.decimals }))]]]);
  });
  after(async () => {
    for (const a of accesses) a.close();
    for (const s of opened) await s.close();
    await devnet.close();
  });

  function check(result: Awaited<ReturnType<BalanceReader['read']>>): void {
    assert.deepEqual(result.failures, []);
    assert.equal(result.balances.find((b) => b.token.symbol === 'USDC')?.amount, 4_000_000n);
    assert.equal(result.balances.find((b) => b.token.address === 'native')?.amount, ETH('3'));
  }

  it('loses no query when one endpoint is killed during a run', async () => {
    const [a, b] = [await server('devnet'), await server('devnet')];
    const access = accessOver([a.url, b.url], 2000);
    const reader = new BalanceReader(access);
    const hitsOfB: number[] = [];
    for (let i = 0; i < 40; i++) {
      if (i === 10) await a.close();
      check(await reader.read({ addresses: [holder], tokens }));
      hitsOfB.push(b.hits);
    }
    assert.ok(a.hits >= 10, `the first endpoint served the start of the run (${a.hits})`);
    assert.ok(hitsOfB[39]! - hitsOfB[10]! >= 29, 'the second endpoint took over after the kill');
    const statusOfA = access.endpoints(devnet.node.deployment.chainId).find((e) => e.endpoint === describeEndpoint(a.url))!;
    // After its first failure the ranking moved it last, so later queries never waited on it.
    assert.match(statusOfA.lastError ?? '', /HTTP request failed/);
    assert.ok(statusOfA.failureRate > 0);
    assert.equal(access.endpoints(devnet.node.deployment.chainId)[0]!.endpoint, describeEndpoint(b.url));
  });

  it('times out on a hanging endpoint, answers from the next, then ranks the good one first', async () => {
    const [hang, good] = [await server('hanging'), await server('devnet')];
    // Long enough that a loaded machine still answers the good endpoint in time.
    const access = accessOver([hang.url, good.url], 1000);
    const reader = new BalanceReader(access);
    check(await reader.read({ addresses: [holder], tokens }));
    assert.equal(hang.hits, 1);
    const ranked = access.endpoints(devnet.node.deployment.chainId).map((e) => e.endpoint);
    assert.deepEqual(ranked, [describeEndpoint(good.url), describeEndpoint(hang.url)]);
    check(await reader.read({ addresses: [holder], tokens }));
    assert.equal(hang.hits, 1, 'the ranking sent the second query straight to the good endpoint');
  });

  it('reports a chain whose every endpoint is down as a partial result, and as unavailable to direct reads', async () => {
    const [one, two] = [await server('devnet'), await server('devnet')];
    await one.close();
    await two.close();
    const access = accessOver([one.url, two.url], 500);
    const result = await new BalanceReader(access).read({ addresses: [holder], tokens });
    assert.equal(result.balances.length, 0);
    assert.equal(result.failures.length, 1);
    assert.equal(result.failures[0]!.chainId, devnet.node.deployment.chainId);
    await assert.rejects(
      access.read(devnet.node.deployment.chainId, (client) => client.getBlockNumber()),
      (err: unknown) => err instanceof DependencyError && /Möbius devnet RPC is unavailable/.test(err.message),
    );
  });
});
