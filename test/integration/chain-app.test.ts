import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startServer, type RunningServer } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/infra/log.js';
import { createTestApp, request, startTestServer, LogCapture, type TestServer } from '../helpers/app.js';
import { devnetUser, ETH } from '../helpers/devnet.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const rpc = (base: string, body: unknown) => request(base, 'POST', '/rpc/devnet', { json: body });

describe('the chain capabilities and /rpc/devnet on a running server', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite', { DEVNET_MARKET_MAKER_INTERVAL_MS: '0' });
  });
  after(() => server.dispose());

  it('refuses bad addresses with a reason a person can act on', async () => {
    const cases: Array<[string, RegExp]> = [
      ['0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB4B', /wrong checksum/],
      ['0x1234567890abcdef1234567890abcdef123456', /40 hex digits; this one has 38/],
      ['0x0000000000000000000000000000000000000000', /zero address/],
      ['vitalik', /is not an address/],
    ];
    for (const [address, reason] of cases) {
      const res = await request(server.url, 'POST', '/v1/capabilities/get_balance', { json: { input: { address } } });
      assert.equal(res.status, 400, address);
      assert.equal(res.body.error.code, 'bad_input');
      assert.match(res.body.error.message, reason);
      const faucet = await request(server.url, 'POST', '/v1/capabilities/devnet_faucet', { json: { input: { address } } });
      assert.equal(faucet.status, 400, `faucet to ${address}`);
    }
  });

  it('funds an address from the faucet and reads its balances back', async () => {
    const address = '0x00000000000000000000000000000000000b0b01';
    const drip = await request(server.url, 'POST', '/v1/capabilities/devnet_faucet', { json: { input: { address, token: 'usdc', amount: '2500.5' } } });
    assert.equal(drip.status, 200, drip.text);
    assert.equal(drip.body.data.amount, '2500500000');
    const eth = await request(server.url, 'POST', '/v1/capabilities/devnet_faucet', { json: { input: { address } } });
    assert.equal(eth.body.data.amount, ETH('10').toString());
    const tooMuch = await request(server.url, 'POST', '/v1/capabilities/devnet_faucet', { json: { input: { address, amount: '1000' } } });
    assert.equal(tooMuch.status, 400);
    assert.match(tooMuch.body.error.message, /the most is 100 ETH/);

    const res = await request(server.url, 'POST', '/v1/capabilities/get_balance', { json: { input: { address, chain: 'devnet' } } });
    assert.equal(res.status, 200, res.text);
    const bySymbol = Object.fromEntries(res.body.data.balances.map((b: { token: { symbol: string }; amount: string }) => [b.token.symbol, b.amount]));
    assert.deepEqual(bySymbol, { ETH: ETH('10').toString(), USDC: '2500500000' });
    assert.equal(res.body.data.partial, false);
    const text = JSON.stringify(res.body.reply);
    assert.match(text, /2,500\.5/);
    assert.match(text, /devnet: test funds/);
  });

  it('describes a devnet token from its contract, and native ETH as having none', async () => {
    const usdc = await request(server.url, 'POST', '/v1/capabilities/get_token_info', { json: { input: { token: '$usdc' } } });
    assert.equal(usdc.status, 200, usdc.text);
    assert.equal(usdc.body.data.token.decimals, 6);
    assert.equal(usdc.body.data.token.devnet, true);
    assert.ok(BigInt(usdc.body.data.totalSupply) > 10n ** 12n);
    const eth = await request(server.url, 'POST', '/v1/capabilities/get_token_info', { json: { input: { token: 'eth' } } });
    assert.equal(eth.body.data.native, true);
    const unknown = await request(server.url, 'POST', '/v1/capabilities/get_token_info', { json: { input: { token: 'usdcc' } } });
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.error.message, /Did you mean USDC/);
  });

  it('answers gas and chain status in chat', async () => {
    const gas = await request(server.url, 'POST', '/v1/chat', { json: { text: 'gas price' } });
    assert.equal(gas.body.intent.name, 'get_gas');
    const quote = await request(server.url, 'POST', '/v1/capabilities/get_gas', { json: { input: { chain: 'devnet' } } });
    const q = quote.body.data.quotes[0];
    assert.equal(q.pricing, 'eip1559');
    assert.equal(BigInt(q.gasPrice), BigInt(q.baseFeePerGas) + BigInt(q.maxPriorityFeePerGas));
    assert.equal(BigInt(q.costs.swap.native), 150_000n * BigInt(q.gasPrice));
    assert.ok(q.costs.transfer.usd > 0);
    assert.match(q.nativeUsd.source, /price oracle \(chainlink, dex-pools\)/);
    assert.ok(Math.abs(q.nativeUsd.price - 3000) / 3000 < 0.01);
    const status = await request(server.url, 'POST', '/v1/chat', { json: { text: 'chain status' } });
    assert.equal(status.body.intent.name, 'get_chain_status');
    assert.match(JSON.stringify(status.body.replies), /kept across restarts/);
    const ready = await request(server.url, 'GET', '/ready');
    assert.equal(ready.body.checks['chain:devnet'].status, 'up');
  });

  it('serves JSON-RPC to wallets: signed transactions go through, admin methods do not', async () => {
    const deployment = (await rpc(server.url, { jsonrpc: '2.0', id: 1, method: 'mobius_deployment' })).body.result;
    assert.equal(deployment.chainId, 31337);
    const user = devnetUser(deployment, `${server.url}/rpc/devnet`);
    await request(server.url, 'POST', '/v1/capabilities/devnet_faucet', { json: { input: { address: user.account.address, amount: '2' } } });
    const to = '0x00000000000000000000000000000000000b0b02';
    const hash = await user.wallet.sendTransaction({ chain: user.wallet.chain, account: user.account, to, value: ETH('0.5') });
    const receipt = await user.client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    assert.equal(receipt.status, 'success');
    assert.equal(await user.client.getBalance({ address: to }), ETH('0.5'));
    const refused = await rpc(server.url, [
      { jsonrpc: '2.0', id: 1, method: 'hardhat_setBalance', params: [to, '0x1'] },
      { jsonrpc: '2.0', id: 2, method: 'eth_sendTransaction', params: [{ from: deployment.accounts.faucet, to, value: '0x1' }] },
      { jsonrpc: '2.0', id: 3, method: 'eth_accounts' },
    ]);
    assert.equal(refused.body[0].error.code, -32601);
    assert.equal(refused.body[1].error.code, -32601);
    assert.deepEqual(refused.body[2].result, []);
  });

  it('lets the machine owner pause, resume and step the market-maker over the devnet RPC', async () => {
    const call = async (action: string) => (await rpc(server.url, { jsonrpc: '2.0', id: 1, method: 'mobius_marketMaker', params: [{ action }] })).body;
    const before = (await call('status')).result;
    const stepped = (await call('step')).result;
    assert.equal(stepped.steps, before.steps + 1);
    assert.ok(BigInt(stepped.swap.amountIn) > 0n);
    assert.equal((await call('pause')).result.paused, true);
    assert.equal((await call('sideways')).error.code, -32602);
    // Off loopback the same method does not exist: without the admin hook it is refused.
    const { answerDevnetRpc } = await import('../../src/chain/devnet/rpc-gateway.js');
    const devnet = server.app.devnet!;
    const refused = (await answerDevnetRpc(devnet.node, devnet.node.deployment, { jsonrpc: '2.0', id: 1, method: 'mobius_marketMaker', params: [{ action: 'pause' }] })) as { error: { code: number } };
    assert.equal(refused.error.code, -32601);
  });

  it('lets another instance use this devnet over RPC_URL_DEVNET, faucet included', async () => {
    const other = await createTestApp('sqlite', { RPC_URL_DEVNET: `${server.url}/rpc/devnet` });
    try {
      assert.equal(other.app.devnet, undefined, 'no devnet of its own');
      const deployment = other.app.chain!.devnet!.deployment;
      assert.equal(deployment.multicall3, server.app.devnet!.node.deployment.multicall3);
      const address = '0x00000000000000000000000000000000000b0b03';
      const principal = { ref: { platform: 'api', id: 't' }, userId: 'u1', tier: 'pro' } as never;
      await other.app.invoker.invoke({ name: 'devnet_faucet', input: { address, token: 'DAI', amount: '7' }, principal, source: 'api', requestId: 'r1' });
      assert.equal((await server.app.devnet!.node.client.getBalance({ address })), 0n);
      const seen = await request(server.url, 'POST', '/v1/capabilities/get_balance', { json: { input: { address, chain: 'devnet', tokens: ['dai'] } } });
      assert.equal(seen.body.data.balances[0].amount, ETH('7').toString());
    } finally {
      await other.dispose();
    }
  });
});

describe('a server that serves no chains', () => {
  it('says so for chain questions, and still answers everything else', async () => {
    const server = await startTestServer('sqlite', { CHAINS: 'none' });
    try {
      const gas = await request(server.url, 'POST', '/v1/capabilities/get_gas', { json: { input: {} } });
      assert.equal(gas.status, 400);
      assert.match(gas.body.error.message, /serves no chains/);
      const faucet = await request(server.url, 'POST', '/v1/capabilities/devnet_faucet', { json: { input: { address: '0x00000000000000000000000000000000000b0b01' } } });
      assert.match(faucet.body.error.message, /not serving one/);
      assert.equal((await request(server.url, 'POST', '/rpc/devnet', { json: { jsonrpc: '2.0', id: 1, method: 'eth_chainId' } })).status, 404);
      const status = await request(server.url, 'POST', '/v1/chat', { json: { text: 'status' } });
      assert.equal(status.status, 200);
      assert.equal(server.app.chain, undefined);
    } finally {
      await server.dispose();
    }
  });
});

describe('devnet persistence', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mobius-devnet-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const start = async (): Promise<RunningServer> =>
    startServer(loadConfig({ MOBIUS_DATA_DIR: dir, MOBIUS_PORT: '0', DEVNET_MARKET_MAKER_INTERVAL_MS: '0' }), { log: createLogger({ level: 'info', destination: new LogCapture() }), defaultMetrics: false });

  it('keeps balances, transactions and pool prices across a restart; `devnet reset` starts fresh', async () => {
    const address = '0x00000000000000000000000000000000000b0b04';
    let first = await start();
    let hash: `0x${string}`;
    let reserves: unknown;
    try {
      const drip = await request(first.url, 'POST', '/v1/capabilities/devnet_faucet', { json: { input: { address, token: 'WBTC', amount: '0.25' } } });
      hash = drip.body.data.hash;
      for (let i = 0; i < 15; i++) await first.app.devnet!.marketMaker.step();
      reserves = await poolReserves(first);
    } finally {
      await first.stop();
    }
    first = await start();
    try {
      const res = await request(first.url, 'POST', '/v1/capabilities/get_balance', { json: { input: { address, tokens: ['wbtc'] } } });
      assert.equal(res.body.data.balances[0].amount, '25000000');
      const receipt = await first.app.devnet!.node.client.getTransactionReceipt({ hash });
      assert.equal(receipt.status, 'success');
      assert.deepEqual(await poolReserves(first), reserves);
      assert.equal(first.app.devnet!.marketMaker.state().steps, 15);
    } finally {
      await first.stop();
    }
    const reset = spawnSync(process.execPath, ['bin/mobius', 'devnet', 'reset'], { cwd: root, env: { ...process.env, MOBIUS_DATA_DIR: dir, LOG_LEVEL: 'silent' }, encoding: 'utf8' });
    assert.equal(reset.status, 0, reset.stderr);
    assert.match(reset.stdout, /removed/);
    first = await start();
    try {
      const res = await request(first.url, 'POST', '/v1/capabilities/get_balance', { json: { input: { address, tokens: ['wbtc'] } } });
      assert.deepEqual(res.body.data.balances.map((b: { amount: string }) => b.amount), []);
    } finally {
      await first.stop();
    }
  });
});

async function poolReserves(server: RunningServer): Promise<string[]> {
  const { node } = server.app.devnet!;
  const out: string[] = [];
  for (const dex of node.deployment.dexes) {
    for (const pair of dex.pairs) out.push(await node.request({ method: 'eth_getStorageAt', params: [pair.address, '0x8', 'latest'] }) as string);
  }
  // Reserves live in the low 224 bits; the top 32 are the last block's timestamp.
  return out.map((w) => w.slice(-56));
}
