import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { decodeErrorResult, encodeFunctionData, erc20Abi, keccak256, numberToHex, parseEther, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import type { Logger } from '../../core/capability.js';
import { createMetrics } from '../../infra/metrics.js';
import { ChainAccess } from '../chain-access.js';
import { DevnetNode } from './node.js';
import { answerDevnetRpc, MAX_BATCH, type JsonRpcResponse } from './rpc-gateway.js';

const ignore = () => undefined;
const log: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

describe('the public devnet JSON-RPC gateway', () => {
  let node: DevnetNode;
  const rpc = (body: unknown) => answerDevnetRpc(node, node.deployment, body);
  const one = async (method: string, params?: unknown[]) => (await rpc({ jsonrpc: '2.0', id: 1, method, ...(params ? { params } : {}) })) as JsonRpcResponse;
  const user = privateKeyToAccount(generatePrivateKey());

  before(async () => {
    node = await DevnetNode.start({ log });
    // Setup only: through the node itself, which is exactly what the gateway must not allow.
    await node.request({ method: 'hardhat_setBalance', params: [user.address, numberToHex(parseEther('5'))] });
  });
  after(() => node.close());

  it('answers a single request with its id', async () => {
    assert.deepEqual(await rpc({ jsonrpc: '2.0', id: 'abc', method: 'eth_chainId' }), { jsonrpc: '2.0', id: 'abc', result: numberToHex(node.chainId) });
  });

  it('answers a batch in order, each request with its own id and its own error', async () => {
    const answers = (await rpc([
      { jsonrpc: '2.0', id: 1, method: 'eth_chainId' },
      { jsonrpc: '2.0', id: 'two', method: 'eth_getBalance', params: [user.address, 'latest'] },
      { jsonrpc: '2.0', id: 3, method: 'hardhat_mine' },
      { jsonrpc: '2.0', id: 4, method: 'eth_getBalance', params: 'latest' },
    ])) as JsonRpcResponse[];
    assert.deepEqual(
      answers.map((a) => a.id),
      [1, 'two', 3, 4],
    );
    assert.equal(answers[0]!.result, numberToHex(node.chainId));
    assert.equal(BigInt(answers[1]!.result as Hex), parseEther('5'));
    assert.equal(answers[2]!.error?.code, -32601);
    assert.equal(answers[3]!.error?.code, -32602);
  });

  it('refuses an empty batch', async () => {
    const answer = (await rpc([])) as JsonRpcResponse;
    assert.equal(answer.id, null);
    assert.equal(answer.error?.code, -32600);
  });

  it(`answers a batch of ${MAX_BATCH} and refuses one of ${MAX_BATCH + 1} as a whole`, async () => {
    const batch = (n: number) => Array.from({ length: n }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'eth_blockNumber' }));
    const full = (await rpc(batch(MAX_BATCH))) as JsonRpcResponse[];
    assert.equal(full.length, MAX_BATCH);
    assert.ok(full.every((a, i) => a.id === i && typeof a.result === 'string'));
    const over = await rpc(batch(MAX_BATCH + 1));
    assert.ok(!Array.isArray(over));
    assert.equal(over.error?.code, -32600);
    assert.match(over.error!.message, /at most 100/);
  });

  it('refuses admin, unlocked-account and signing methods with -32601, and they change nothing', async () => {
    const blockBefore = await node.client.getBlockNumber({ cacheTime: 0 });
    const refused = [
      ['hardhat_setBalance', [user.address, numberToHex(parseEther('1000'))]],
      ['evm_mine', []],
      ['eth_sendTransaction', [{ from: node.deployment.accounts.faucet, to: user.address, value: numberToHex(parseEther('1')) }]],
      ['eth_sign', [node.deployment.accounts.faucet, '0x1234']],
      ['personal_sign', ['0x1234', node.deployment.accounts.faucet]],
      ['hardhat_impersonateAccount', [node.deployment.accounts.faucet]],
      ['evm_revert', ['0x1']],
    ] as const;
    for (const [method, params] of refused) {
      const answer = await one(method, [...params]);
      assert.equal(answer.error?.code, -32601, method);
      assert.equal(answer.result, undefined, method);
    }
    assert.equal(await node.client.getBalance({ address: user.address }), parseEther('5'));
    assert.equal(await node.client.getBlockNumber({ cacheTime: 0 }), blockBefore);
  });

  it('lists no accounts, so a wallet cannot find the unlocked genesis keys', async () => {
    assert.deepEqual(await one('eth_accounts'), { jsonrpc: '2.0', id: 1, result: [] });
  });

  it('tells its deployment through mobius_deployment, as JSON', async () => {
    const answer = await one('mobius_deployment');
    assert.deepEqual(answer.result, node.deployment);
    assert.deepEqual(JSON.parse(JSON.stringify(answer)).result, node.deployment);
  });

  it('answers a reverting eth_call with a JSON-RPC error carrying the revert data', async () => {
    const usdc = node.deployment.tokens.find((t) => t.symbol === 'USDC')!;
    const data = encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [user.address, 1n] });
    const answer = await one('eth_call', [{ from: privateKeyToAccount(generatePrivateKey()).address, to: usdc.address, data }, 'latest']);
    assert.equal(answer.result, undefined);
    assert.equal(typeof answer.error?.code, 'number');
    assert.match(answer.error!.message, /transfer amount exceeds balance/);
    assert.doesNotMatch(answer.error!.message, /\n/);
    const reason = decodeErrorResult({ abi: [], data: answer.error!.data as Hex });
    assert.deepEqual(reason.args, ['DevnetToken: transfer amount exceeds balance']);
  });

  it('accepts a raw signed transaction and mines it', async () => {
    const to = privateKeyToAccount(generatePrivateKey()).address;
    const nonce = Number(BigInt((await one('eth_getTransactionCount', [user.address, 'pending'])).result as Hex));
    const raw = await user.signTransaction({
      type: 'eip1559',
      chainId: node.chainId,
      nonce,
      to,
      value: parseEther('1.25'),
      gas: 21_000n,
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 10n ** 9n,
    });
    const sent = await one('eth_sendRawTransaction', [raw]);
    assert.equal(sent.result, keccak256(raw));
    const receipt = (await one('eth_getTransactionReceipt', [sent.result])).result as { status: Hex; blockNumber: Hex } | null;
    assert.equal(receipt?.status, '0x1');
    assert.equal(BigInt((await one('eth_getBalance', [to, 'latest'])).result as Hex), parseEther('1.25'));
  });

  it(
    'lets a remote instance see a revert as a revert, not as its devnet being down',
    async () => {
      const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          void rpc(JSON.parse(Buffer.concat(chunks).toString('utf8'))).then((body) => {
            res.setHeader('content-type', 'application/json');
            res.end(JSON.stringify(body));
          });
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rpc/devnet`;
      const access = new ChainAccess({ chains: ['devnet'], rpcUrls: { devnet: [url] }, remoteDevnet: node.deployment, timeoutMs: 5_000, metrics: createMetrics({ defaultMetrics: false }), log });
      try {
        const usdc = node.deployment.tokens.find((t) => t.symbol === 'USDC')!;
        const broke = privateKeyToAccount(generatePrivateKey()).address;
        for (let i = 0; i < 3; i++) {
          await assert.rejects(
            access.read(node.chainId, (c) => c.simulateContract({ account: broke, address: usdc.address, abi: erc20Abi, functionName: 'transfer', args: [user.address, 1n] })),
            (err: Error) => err.name !== 'DependencyError',
          );
        }
        assert.equal(access.endpoints(node.chainId)[0]?.breaker, 'closed');
        assert.ok((await access.read(node.chainId, (c) => c.getBlockNumber({ cacheTime: 0 }))) > 0n);
      } finally {
        access.close();
        server.close();
      }
    },
  );
});
