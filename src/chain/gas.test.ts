import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Hex } from 'viem';
import type { Logger } from '../core/capability.js';
import { createMetrics } from '../infra/metrics.js';
import { ChainAccess } from './chain-access.js';
import { chainByKey } from './chains.js';
import { DevnetNode } from './devnet/node.js';
import { answerDevnetRpc } from './devnet/rpc-gateway.js';
import { GasOracle, TYPICAL_GAS, type GasQuote } from './gas.js';

const ignore = () => undefined;
const log: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

function assertCostsExact(quote: GasQuote): void {
  assert.deepEqual(Object.keys(quote.costs).sort(), Object.keys(TYPICAL_GAS).sort());
  for (const [action, cost] of Object.entries(quote.costs)) {
    assert.equal(cost.gas, TYPICAL_GAS[action as keyof typeof TYPICAL_GAS], action);
    assert.equal(typeof cost.native, 'bigint', action);
    assert.equal(cost.native, cost.gas * quote.gasPrice, action);
  }
}

describe('GasOracle', () => {
  let node: DevnetNode;
  let access: ChainAccess;
  let server: http.Server;
  let url: string;

  before(async () => {
    node = await DevnetNode.start({ log });
    access = new ChainAccess({ chains: ['devnet'], rpcUrls: {}, devnet: { provider: node, deployment: node.deployment }, timeoutMs: 5_000, metrics: createMetrics({ defaultMetrics: false }), log });
    // The devnet's public JSON-RPC, for a chain reached over HTTP.
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void answerDevnetRpc(node, node.deployment, JSON.parse(Buffer.concat(chunks).toString('utf8'))).then((body) => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(body));
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    access.close();
    await new Promise((resolve) => server.close(resolve));
    await node.close();
  });

  it('prices an EIP-1559 chain by base fee plus tip, from one block', async () => {
    const quote = await new GasOracle(access).quote(node.chainId);
    const block = await node.client.getBlock({ blockNumber: quote.blockNumber });
    const tip = BigInt((await node.request({ method: 'eth_maxPriorityFeePerGas' })) as Hex);
    assert.equal(quote.chainId, node.chainId);
    assert.equal(quote.pricing, 'eip1559');
    assert.equal(quote.baseFeePerGas, block.baseFeePerGas);
    assert.equal(quote.maxPriorityFeePerGas, tip);
    assert.equal(quote.gasPrice, block.baseFeePerGas! + tip);
    assert.equal(quote.maxFeePerGas, 2n * block.baseFeePerGas! + tip);
    assert.ok(quote.gasPrice > 0n);
  });

  it('costs each typical action at exactly gas × gas price, in base units', async () => {
    assertCostsExact(await new GasOracle(access).quote(node.chainId));
  });

  it('adds USD costs when it has a native price, and leaves them out when it has none', async () => {
    const asked: number[] = [];
    const priced = await new GasOracle(access, async (chainId) => {
      asked.push(chainId);
      return { price: 3_000, source: 'test' };
    }).quote(node.chainId);
    assert.deepEqual(asked, [node.chainId]);
    assert.deepEqual(priced.nativeUsd, { price: 3_000, source: 'test' });
    for (const cost of Object.values(priced.costs)) {
      assert.equal(typeof cost.usd, 'number');
      const expected = (Number(cost.native) / 1e18) * 3_000;
      assert.ok(Math.abs(cost.usd! - expected) <= expected * 1e-12, `${cost.usd} vs ${expected}`);
    }
    assert.ok(priced.costs.swap.usd! > priced.costs.transfer.usd!);

    const unpriced = await new GasOracle(access).quote(node.chainId);
    assert.equal(unpriced.nativeUsd, undefined);
    assert.ok(Object.values(unpriced.costs).every((c) => c.usd === undefined));
  });

  it('still quotes, without USD, when the price source fails', async () => {
    const quote = await new GasOracle(access, () => Promise.reject(new Error('price API down'))).quote(node.chainId);
    assert.equal(quote.nativeUsd, undefined);
    assert.ok(Object.values(quote.costs).every((c) => c.usd === undefined));
    assertCostsExact(quote);
  });

  it('prices a legacy chain (eip1559: false) by its gas price alone', async () => {
    // ChainAccess takes chain facts from the registry only, so a legacy chain is a registry chain
    // whose ChainInfo says eip1559: false — BSC — pointed at the devnet's JSON-RPC.
    assert.equal(chainByKey('bsc').eip1559, false);
    const bsc = new ChainAccess({ chains: ['bsc'], rpcUrls: { bsc: [url] }, timeoutMs: 5_000, metrics: createMetrics({ defaultMetrics: false }), log });
    try {
      const quote = await new GasOracle(bsc).quote(56);
      const gasPrice = BigInt((await node.request({ method: 'eth_gasPrice' })) as Hex);
      assert.equal(quote.chainId, 56);
      assert.equal(quote.pricing, 'legacy');
      assert.equal(quote.baseFeePerGas, undefined);
      assert.equal(quote.maxPriorityFeePerGas, undefined);
      assert.equal(quote.gasPrice, gasPrice);
      assert.equal(quote.maxFeePerGas, gasPrice);
      assert.equal(quote.blockNumber, await node.client.getBlockNumber({ cacheTime: 0 }));
      assertCostsExact(quote);
    } finally {
      bsc.close();
    }
  });
});
