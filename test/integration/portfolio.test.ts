import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { erc20Abi, getAddress, keccak256, toBytes, type Address } from 'viem';
import { BalanceReader } from '../../src/chain/balances.js';
import { ChainAccess } from '../../src/chain/chain-access.js';
import { devnetKeys } from '../../src/chain/devnet/accounts.js';
import { devnetTokenAbi, devnetTokenBytecode } from '../../src/chain/devnet/contracts/artifacts.js';
import { DevnetSender } from '../../src/chain/devnet/sender.js';
import { TokenRegistry } from '../../src/chain/tokens.js';
import type { Principal } from '../../src/core/identity.js';
import { createMetrics } from '../../src/infra/metrics.js';
import { PortfolioService } from '../../src/wallets/portfolio.js';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { devnetUser, ETH, quietLog } from '../helpers/devnet.js';
import { hangingRpcServer } from '../helpers/rpc-servers.js';

/** A deterministic address nobody holds a key for: fine for watch wallets. */
const addressOf = (words: string) => getAddress(`0x${keccak256(toBytes(words)).slice(26)}`);

describe('transactions, history and the portfolio on the devnet', () => {
  let server: TestServer;
  let alice: Principal;
  let bob: Principal;
  const main = addressOf('portfolio test: alice main');
  const savings = addressOf('portfolio test: alice savings');

  const invoke = async (principal: Principal, name: string, input: Record<string, unknown>): Promise<{ data: any; reply: unknown }> => {
    const result = await server.app.invoker.invoke({ name, input, principal, source: 'api', requestId: `t-${name}`, chat: { kind: 'private', id: 'test' } });
    return result as { data: any; reply: unknown };
  };

  /** Watch wallets need no key: rows put in directly, as the wallet service would store them. */
  async function addWatchWallet(userId: string, id: string, name: string, address: Address, active: boolean) {
    await server.app.database.db
      .insertInto('wallets')
      .values({ id, user_id: userId, name, address, kind: 'watch', derivation_path: null, active: active ? 1 : 0, key_id: null, key_version: null, wrapped_dek: null, dek_nonce: null, ciphertext: null, nonce: null, created_at: new Date().toISOString() })
      .execute();
  }

  before(async () => {
    server = await startTestServer('sqlite', { DEVNET_MARKET_MAKER_INTERVAL_MS: '0' });
    alice = await server.app.identities.resolve({ platform: 'cli', id: 'alice' });
    bob = await server.app.identities.resolve({ platform: 'cli', id: 'bob' });
    await addWatchWallet(alice.userId, 'w_alice_main', 'Main', main, true);
    await addWatchWallet(alice.userId, 'w_alice_savings', 'Savings', savings, false);
  });
  after(() => server.dispose());

  it('pays the active wallet from the faucet and records the payout', async () => {
    const drip = await invoke(alice, 'devnet_faucet', { token: 'usdc', amount: '1500' });
    assert.equal(drip.data.to, main);
    const rows = await server.app.database.db.selectFrom('transactions').selectAll().where('user_id', '=', alice.userId).execute();
    assert.equal(rows.length, 1);
    const row = rows[0]!;
    const usdc = server.app.chain!.devnet!.deployment.tokens.find((t) => t.symbol === 'USDC')!;
    assert.equal(row.kind, 'faucet');
    assert.equal(row.status, 'confirmed');
    assert.equal(row.hash, drip.data.hash);
    assert.equal(row.to_address, main);
    assert.equal(row.wallet_id, 'w_alice_main');
    assert.equal(row.token_out, usdc.address);
    assert.equal(row.amount_out, '1500000000');
  });

  it('asks a person without a wallet to create one first', async () => {
    await assert.rejects(invoke(bob, 'devnet_faucet', {}), (err: Error) => /create a wallet first: say "create a wallet"/.test(err.message));
    await assert.rejects(invoke(bob, 'get_portfolio', {}), /create a wallet first/);
    await assert.rejects(invoke(bob, 'get_tx_history', {}), /create a wallet first/);
  });

  it('shows the recorded payout in the history once, merged with its on-chain transfer', async () => {
    const history = await invoke(alice, 'get_tx_history', {});
    const hash = (await server.app.database.db.selectFrom('transactions').select('hash').where('user_id', '=', alice.userId).executeTakeFirstOrThrow()).hash;
    const entries = history.data.entries.filter((e: { hash: string }) => e.hash === hash);
    assert.equal(entries.length, 1, 'the mint event of the payout is the same transaction: one entry');
    assert.equal(entries[0].source, 'mobius');
    assert.equal(entries[0].kind, 'faucet');
    assert.deepEqual(entries[0].movements.map((m: { direction: string; formatted: string; token: { symbol: string } }) => [m.direction, m.formatted, m.token.symbol]), [['in', '1,500', 'USDC']]);
    assert.match(JSON.stringify(history.reply), new RegExp(hash!));
  });

  it('finds transfers sent with a devnet key as on-chain activity, for own wallets and for any address', async () => {
    const devnet = server.app.devnet!;
    const user = devnetUser(devnet.node.deployment, devnet.node);
    await devnet.faucet.drip(user.account.address, 'ETH', ETH('2'));
    await devnet.faucet.drip(user.account.address, 'LINK', ETH('40'));
    const link = devnet.node.deployment.tokens.find((t) => t.symbol === 'LINK')!;
    const ethHash = await user.wallet.sendTransaction({ account: user.account, chain: user.wallet.chain, to: main, value: ETH('0.5') });
    const linkHash = await user.wallet.writeContract({ account: user.account, chain: user.wallet.chain, address: link.address, abi: erc20Abi, functionName: 'transfer', args: [main, ETH('25')] });
    for (const hash of [ethHash, linkHash]) assert.equal((await user.client.waitForTransactionReceipt({ hash, pollingInterval: 20 })).status, 'success');

    const mine = await invoke(alice, 'get_tx_history', {});
    const byHash = new Map(mine.data.entries.map((e: { hash: string }) => [e.hash, e]));
    const eth = byHash.get(ethHash) as { source: string; movements: Array<{ direction: string; amount: string; token: { symbol: string } }> };
    assert.equal(eth.source, 'chain');
    assert.deepEqual(eth.movements.map((m) => [m.direction, m.amount, m.token.symbol]), [['in', ETH('0.5').toString(), 'ETH']]);
    const linkIn = byHash.get(linkHash) as typeof eth;
    assert.deepEqual(linkIn.movements.map((m) => [m.direction, m.amount, m.token.symbol]), [['in', ETH('25').toString(), 'LINK']]);
    // Newest first.
    const times = mine.data.entries.map((e: { at: string }) => e.at);
    assert.deepEqual(times, [...times].sort().reverse());

    const theirs = await invoke(alice, 'get_tx_history', { address: user.account.address });
    assert.equal(theirs.data.wallet, null);
    const out = theirs.data.entries.find((e: { hash: string }) => e.hash === ethHash);
    assert.equal(out.movements[0].direction, 'out');
    assert.ok(theirs.data.entries.some((e: { hash: string; movements: Array<{ direction: string }> }) => e.hash === linkHash && e.movements[0]!.direction === 'out'));
  });

  it('values holdings across wallets with allocation, and zero-cost faucet lots', async () => {
    await invoke(alice, 'devnet_faucet', { address: savings, token: 'eth', amount: '3' });
    const result = await invoke(alice, 'get_portfolio', {});
    const data = result.data;
    assert.equal(data.partial, false, JSON.stringify(data.chains));
    const symbols = data.assets.map((a: { symbol: string }) => a.symbol);
    for (const s of ['ETH', 'USDC', 'LINK']) assert.ok(symbols.includes(s), `${s} in ${symbols.join(', ')}`);
    const eth = data.assets.find((a: { symbol: string }) => a.symbol === 'ETH');
    // 0.5 ETH in Main (sent by the devnet user), 3 ETH in Savings (faucet).
    assert.deepEqual(eth.holdings.map((h: { wallet: string; amount: string }) => [h.wallet, h.amount]).sort(), [['Main', ETH('0.5').toString()], ['Savings', ETH('3').toString()]]);
    assert.ok(Math.abs(eth.price - 3000) / 3000 < 0.01, `ETH at ${eth.price}`);
    // Exact money: each asset's value is the sum of its holdings', the total the sum of the assets'.
    let total = 0n;
    for (const a of data.assets) {
      assert.equal(BigInt(a.valueUsdE6), a.holdings.reduce((s: bigint, h: { valueUsdE6: string }) => s + BigInt(h.valueUsdE6), 0n));
      total += BigInt(a.valueUsdE6);
    }
    assert.equal(BigInt(data.totalUsdE6), total);
    assert.equal(data.wallets.reduce((s: bigint, w: { valueUsdE6: string }) => s + BigInt(w.valueUsdE6), 0n), total);
    const allocation = data.assets.reduce((s: number, a: { allocationPct: number }) => s + a.allocationPct, 0);
    assert.ok(Math.abs(allocation - 100) < 0.1, `allocations add up to ${allocation}`);
    // The faucet's 3 ETH and 1,500 USDC cost nothing; the 0.5 ETH and 25 LINK came from outside Möbius.
    assert.equal(eth.costBasisUsdE6, '0');
    assert.equal(eth.untracked, true);
    const usdc = data.assets.find((a: { symbol: string }) => a.symbol === 'USDC');
    assert.equal(usdc.untracked, false);
    assert.equal(usdc.unrealizedPnlUsdE6, usdc.valueUsdE6);
    assert.equal(data.realizedPnlUsdE6, '0');
    assert.ok(data.change24h, 'a 24h change from the devnet history');
    const text = JSON.stringify(result.reply);
    assert.match(text, /Portfolio: \$[\d,]+\.\d\d/);
    assert.match(text, /Cost basis \$0\.00/);
  });

  it('values one watch wallet on its own, and any address without PnL', async () => {
    const one = await invoke(alice, 'get_portfolio', { wallet: 'savings' });
    assert.deepEqual(one.data.wallets.map((w: { name: string }) => w.name), ['Savings']);
    assert.deepEqual(one.data.assets.map((a: { symbol: string }) => a.symbol), ['ETH']);
    const history = await invoke(alice, 'get_tx_history', { wallet: 'Savings' });
    assert.equal(history.data.entries[0].kind, 'faucet');
    const other = await invoke(alice, 'get_portfolio', { address: main });
    assert.ok(BigInt(other.data.totalUsdE6) > 0n);
    const stranger = await invoke(bob, 'get_portfolio', { address: main });
    assert.equal(stranger.data.costBasisUsdE6, null, 'no lots for an address that is not theirs');
  });

  it('lists a token without a price as unpriced, never valued at zero', async () => {
    const devnet = server.app.devnet!;
    const node = devnet.node;
    const deployer = new DevnetSender(devnetKeys.deployer.account, (args) => node.request(args), node.client, node.chainId);
    const address = await deployer.deploy(devnetTokenAbi, devnetTokenBytecode, ['No Market', 'NOMKT', 18], 2_000_000n);
    await deployer.call(address, devnetTokenAbi, 'mint', [main, ETH('42')], { gas: 100_000n });
    server.app.chain!.tokens.addTokens(node.chainId, [{ chainId: node.chainId, address, symbol: 'NOMKT', decimals: 18, name: 'No Market' }]);
    const result = await invoke(alice, 'get_portfolio', {});
    const line = result.data.assets.find((a: { symbol: string }) => a.symbol === 'NOMKT');
    assert.equal(line.priced, false);
    assert.equal(line.valueUsdE6, null);
    assert.equal(line.unpriced.length, 1);
    assert.equal(result.data.partial, true);
    assert.equal(result.data.assets.at(-1).symbol, 'NOMKT', 'unpriced assets come after the priced ones');
    assert.match(JSON.stringify(result.reply), /NOMKT: 42 held, not valued/);
  });

  it('names a chain that does not answer and values the rest', async () => {
    const hanging = await hangingRpcServer();
    const node = server.app.devnet!.node;
    const access = new ChainAccess({ chains: ['devnet', 'base'], rpcUrls: { base: [hanging.url] }, devnet: { provider: node, deployment: node.deployment }, timeoutMs: 300, probeIntervalMs: 0, metrics: createMetrics({ defaultMetrics: false }), log: quietLog });
    try {
      const tokens = new TokenRegistry({ chains: access.chains(), readMetadata: () => Promise.reject(new Error('not needed')) });
      tokens.addTokens(node.chainId, node.deployment.tokens.map((t) => ({ chainId: node.chainId, address: t.address, symbol: t.symbol, decimals: t.decimals, devnet: true })));
      const portfolio = new PortfolioService({ access, tokens, balances: new BalanceReader(access, 400), market: server.app.market! });
      const result = await portfolio.value(alice.userId, [{ name: 'Main', address: main }]);
      const base = result.chains.find((c) => c.name === 'Base')!;
      assert.equal(base.ok, false);
      assert.ok(base.reason);
      assert.equal(result.chains.find((c) => c.chainId === node.chainId)!.ok, true);
      assert.equal(result.partial, true);
      assert.ok(result.totalUsdE6 > 0n);
    } finally {
      access.close();
      await hanging.close();
    }
  });
});
