import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createPublicClient, erc20Abi, http as httpTransport } from 'viem';
import { describeEndpoint, isEndpointFailure, RpcEndpoint, type EndpointStatus } from './endpoint.js';

/** Revert data for `Error("nope")`, as a node sends it with an `execution reverted` error. */
const REVERT_DATA = '0x08c379a0000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000000046e6f706500000000000000000000000000000000000000000000000000000000';
const TOKEN = '0x00000000000000000000000000000000000000aa';

/**
 * A local JSON-RPC stand-in whose behaviour depends on the path: `/ok`, `/500`, `/slow` (never
 * answers), `/revert` (a node's "execution reverted"). It counts the requests each path gets.
 */
class FlakyNode {
  readonly hits = new Map<string, number>();
  readonly #server = http.createServer((req, res) => {
    const route = new URL(req.url ?? '/', 'http://x').pathname;
    this.hits.set(route, (this.hits.get(route) ?? 0) + 1);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { id } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: number };
      const reply = (body: object) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ jsonrpc: '2.0', id, ...body }));
      };
      if (route.startsWith('/500')) {
        res.statusCode = 500;
        res.end('upstream exploded');
      } else if (route.startsWith('/slow')) {
        // Never answers; the client's timeout has to end it.
      } else if (route.startsWith('/revert')) {
        reply({ error: { code: 3, message: 'execution reverted: nope', data: REVERT_DATA } });
      } else {
        reply({ result: '0x10' });
      }
    });
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  hitsOn(route: string): number {
    return this.hits.get(route) ?? 0;
  }

  stop(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

describe('RPC endpoints', () => {
  const node = new FlakyNode();
  before(() => node.start());
  after(() => node.stop());

  /** The error a plain viem client (no breaker) gets from a route. */
  async function errorFrom(route: string, read: 'blockNumber' | 'balanceOf' = 'blockNumber'): Promise<unknown> {
    // A short deadline only where the timeout is the point: a loaded CI machine can take 150 ms to answer a 500.
    const client = createPublicClient({ transport: httpTransport(`${node.url}${route}`, { retryCount: 0, timeout: route === '/slow' ? 150 : 5000 }) });
    try {
      if (read === 'blockNumber') await client.getBlockNumber({ cacheTime: 0 });
      else await client.readContract({ address: TOKEN, abi: erc20Abi, functionName: 'balanceOf', args: [TOKEN] });
    } catch (err) {
      return err;
    }
    throw new Error(`${route} did not fail`);
  }

  describe('isEndpointFailure', () => {
    it('counts an HTTP 500 (viem HttpRequestError) as the endpoint failing', async () => {
      const err = await errorFrom('/500');
      assert.equal((err as Error).name, 'HttpRequestError');
      assert.equal(isEndpointFailure(err), true);
    });

    it('counts a timeout (viem TimeoutError) as the endpoint failing', async () => {
      const err = await errorFrom('/slow');
      assert.equal((err as Error).name, 'TimeoutError');
      assert.equal(isEndpointFailure(err), true);
    });

    it('finds the transport failure under a contract read that wraps it', async () => {
      const err = await errorFrom('/500', 'balanceOf');
      assert.equal((err as Error).name, 'ContractFunctionExecutionError');
      assert.equal(isEndpointFailure(err), true);
    });

    it('does not count an execution-reverted answer: the request would fail anywhere', async () => {
      const err = await errorFrom('/revert', 'balanceOf');
      assert.match((err as Error).message, /nope/);
      assert.equal(isEndpointFailure(err), false);
    });

    it('counts fetch failures and aborts, not plain errors or non-errors', () => {
      assert.equal(isEndpointFailure(new TypeError('fetch failed')), true);
      assert.equal(isEndpointFailure(Object.assign(new Error('aborted'), { name: 'AbortError' })), true);
      assert.equal(isEndpointFailure(new Error('execution reverted')), false);
      assert.equal(isEndpointFailure('HttpRequestError'), false);
      assert.equal(isEndpointFailure(undefined), false);
    });
  });

  describe('describeEndpoint', () => {
    it('keeps scheme, host and port, and drops paths, queries and credentials that may hold keys', () => {
      assert.equal(describeEndpoint('https://eth.llamarpc.com/v2/SECRET'), 'https://eth.llamarpc.com');
      assert.equal(describeEndpoint('https://rpc.example.org/?apikey=SECRET'), 'https://rpc.example.org');
      assert.equal(describeEndpoint('https://user:SECRET@rpc.example.org/x'), 'https://rpc.example.org');
      assert.equal(describeEndpoint('wss://node.example.org:8546/ws/SECRET'), 'wss://node.example.org:8546');
      assert.equal(describeEndpoint('not a url SECRET'), 'invalid-url');
    });
  });

  describe('RpcEndpoint', () => {
    function endpoint(route: string, extra: { halfOpenAfterMs?: number } = {}) {
      const states: EndpointStatus['breaker'][] = [];
      const ep = new RpcEndpoint(`${node.url}${route}`, { timeoutMs: 1_000, onBreakerState: (s) => states.push(s), ...extra });
      const client = createPublicClient({ transport: ep.transport });
      return { ep, client, states };
    }

    it('opens its breaker after 3 failures in a row and then refuses without calling the server', async () => {
      const { ep, client, states } = endpoint('/500/key-SECRET');
      for (let i = 0; i < 3; i++) await assert.rejects(client.getBlockNumber({ cacheTime: 0 }), { name: 'HttpRequestError' });
      assert.equal(node.hitsOn('/500/key-SECRET'), 3);
      assert.equal(ep.status().breaker, 'open');
      for (let i = 0; i < 5; i++) {
        await assert.rejects(client.getBlockNumber({ cacheTime: 0 }), (err: Error) => 'isBrokenCircuitError' in err && !isEndpointFailure(err));
      }
      assert.equal(node.hitsOn('/500/key-SECRET'), 3, 'refused requests never reach the server');
      const status = ep.status();
      assert.equal(status.endpoint, node.url);
      assert.ok(status.failureRate > 0.4, `failure rate ${status.failureRate}`);
      assert.equal(status.latencyMs, undefined);
      assert.ok(status.lastError && !status.lastError.includes('SECRET'), `last error ${status.lastError}`);
      assert.deepEqual(states, ['closed', 'open']);
    });

    it('ranks an open endpoint behind a healthy one', async () => {
      const broken = endpoint('/500/rank');
      const healthy = endpoint('/ok/rank');
      for (let i = 0; i < 3; i++) await broken.client.getBlockNumber({ cacheTime: 0 }).catch(() => undefined);
      assert.equal(await healthy.client.getBlockNumber({ cacheTime: 0 }), 16n);
      assert.ok(healthy.ep.score() < broken.ep.score());
      assert.equal(healthy.ep.status().breaker, 'closed');
      assert.equal(typeof healthy.ep.status().latencyMs, 'number');
    });

    it('lets exactly one request probe once half-open, and opens again when the probe fails', async () => {
      const { ep, client, states } = endpoint('/500/probe', { halfOpenAfterMs: 100 });
      for (let i = 0; i < 3; i++) await client.getBlockNumber({ cacheTime: 0 }).catch(() => undefined);
      assert.equal(ep.status().breaker, 'open');
      await new Promise((r) => setTimeout(r, 150));
      await assert.rejects(client.getBlockNumber({ cacheTime: 0 }), { name: 'HttpRequestError' });
      assert.equal(node.hitsOn('/500/probe'), 4, 'the half-open breaker let exactly one request through');
      assert.equal(ep.status().breaker, 'open', 'the failed probe opens it again');
      assert.deepEqual(states, ['closed', 'open', 'half_open', 'open']);
    });

    it('keeps its breaker closed through reverts, which are the request\u2019s fault', async () => {
      const { ep, client } = endpoint('/revert/breaker');
      for (let i = 0; i < 5; i++) {
        await assert.rejects(client.readContract({ address: TOKEN, abi: erc20Abi, functionName: 'balanceOf', args: [TOKEN] }), /nope/);
      }
      assert.equal(node.hitsOn('/revert/breaker'), 5);
      assert.equal(ep.status().breaker, 'closed');
      assert.equal(ep.status().failureRate, 0);
    });
  });
});
