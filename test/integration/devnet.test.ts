import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { erc20Abi, parseUnits } from 'viem';
import { BalanceReader } from '../../src/chain/balances.js';
import { ChainAccess } from '../../src/chain/chain-access.js';
import { uniswapV2PairAbi, uniswapV2RouterAbi } from '../../src/chain/abi.js';
import { devnetTokenAbi, devnetTokenBytecode } from '../../src/chain/devnet/contracts/artifacts.js';
import { startDevnet, type Devnet } from '../../src/chain/devnet/devnet.js';
import { tokenBySymbol } from '../../src/chain/devnet/deploy.js';
import { TokenRegistry } from '../../src/chain/tokens.js';
import type { TokenRef } from '../../src/core/token.js';
import { createMetrics } from '../../src/infra/metrics.js';
import { devnetUser, ETH, quietLog } from '../helpers/devnet.js';

describe('the in-process devnet', () => {
  let devnet: Devnet;
  let access: ChainAccess;
  before(async () => {
    devnet = await startDevnet({ dir: undefined, log: quietLog, marketMaker: { intervalMs: 0, seed: 7 } });
    access = new ChainAccess({ chains: ['devnet'], rpcUrls: {}, devnet: { provider: devnet.node, deployment: devnet.node.deployment }, timeoutMs: 2000, metrics: createMetrics({ defaultMetrics: false }), log: quietLog });
  });
  after(async () => {
    access.close();
    await devnet.close();
  });

  it('deploys to the same addresses on every fresh start', async () => {
    const again = await startDevnet({ dir: undefined, log: quietLog, marketMaker: { intervalMs: 0, seed: 7 } });
    try {
      assert.deepEqual(again.node.deployment, devnet.node.deployment);
    } finally {
      await again.close();
    }
    const { tokens, dexes, feeds } = devnet.node.deployment;
    assert.deepEqual(tokens.map((t) => [t.symbol, t.decimals]), [['WETH', 18], ['USDC', 6], ['USDT', 6], ['DAI', 18], ['WBTC', 8], ['LINK', 18], ['UNI', 18], ['PEPE', 18]]);
    assert.deepEqual(dexes.map((d) => d.key), ['uniswap-v2', 'sushiswap']);
    assert.deepEqual(feeds.map((f) => f.pair), ['ETH/USD', 'BTC/USD']);
    // Router02 finds pairs through the init-code hash baked into it: quotes work only if it matches.
    const usdc = tokenBySymbol(tokens, 'USDC').address;
    for (const dex of dexes) {
      const amounts = await devnet.node.client.readContract({ address: dex.router, abi: uniswapV2RouterAbi, functionName: "getAmountsOut", args: [ETH("1"), [devnet.node.deployment.weth, usdc]] });
      const out = amounts[1]!;
      assert.ok(out > parseUnits('2900', 6) && out < parseUnits('3001', 6), `1 ETH → ${out} USDC on ${dex.key}`);
    }
  });

  it('swaps on both DEXes with the real Uniswap bytecode; the deeper pool gives more', async () => {
    const { deployment } = devnet.node;
    const user = devnetUser(deployment, devnet.node);
    await devnet.faucet.drip(user.account.address, 'ETH', ETH('50'));
    const usdc = tokenBySymbol(deployment.tokens, 'USDC').address;
    const outs: bigint[] = [];
    for (const dex of deployment.dexes) {
      const before = await user.client.readContract({ address: usdc, abi: erc20Abi, functionName: 'balanceOf', args: [user.account.address] });
      const hash = await user.wallet.writeContract({ chain: user.wallet.chain, account: user.account, address: dex.router, abi: uniswapV2RouterAbi, functionName: 'swapExactETHForTokens', args: [0n, [deployment.weth, usdc], user.account.address, 2n ** 40n], value: ETH('20') });
      const receipt = await user.client.waitForTransactionReceipt({ hash, pollingInterval: 5 });
      assert.equal(receipt.status, 'success');
      const afterSwap = await user.client.readContract({ address: usdc, abi: erc20Abi, functionName: 'balanceOf', args: [user.account.address] });
      outs.push(afterSwap - before);
    }
    const [uniswap, sushi] = outs as [bigint, bigint];
    assert.ok(uniswap > sushi, `Uniswap V2 (20M deep) gave ${uniswap}, SushiSwap (4M) ${sushi}`);
    assert.ok(sushi > parseUnits('55000', 6), `20 ETH should still fetch > 55k USDC, got ${sushi}`);

    const balances = await new BalanceReader(access).read({ addresses: [user.account.address], tokens: new Map([[deployment.chainId, [nativeOf(deployment.chainId), usdcRef(deployment.chainId, usdc)]]]) });
    assert.deepEqual(balances.failures, []);
    const usdcRow = balances.balances.find((b) => b.token.symbol === 'USDC')!;
    assert.equal(usdcRow.amount, uniswap + sushi);
    const eth = balances.balances.find((b) => b.token.address === 'native')!;
    assert.ok(eth.amount < ETH('10') && eth.amount > ETH('9.9'), `50 − 40 ETH minus gas, got ${eth.amount}`);
  });

  it('reads 30 tokens for several addresses in one multicall run, equal to reading each alone', async () => {
    const { deployment } = devnet.node;
    const owner = devnetUser(deployment, devnet.node);
    await devnet.faucet.drip(owner.account.address, 'ETH', ETH('10'));
    const holders = [devnetUser(deployment, devnet.node), devnetUser(deployment, devnet.node), devnetUser(deployment, devnet.node)].map((u) => u.account.address);
    const tokens: TokenRef[] = deployment.tokens.slice(1).map((t) => ({ chainId: deployment.chainId, address: t.address, symbol: t.symbol, decimals: t.decimals }));
    for (let i = tokens.length; i < 30; i++) {
      const hash = await owner.wallet.deployContract({ chain: owner.wallet.chain, account: owner.account, abi: devnetTokenAbi, bytecode: devnetTokenBytecode, args: [`Test ${i}`, `T${i}`, i % 19] });
      const { contractAddress } = await owner.client.waitForTransactionReceipt({ hash, pollingInterval: 5 });
      tokens.push({ chainId: deployment.chainId, address: contractAddress!, symbol: `T${i}`, decimals: i % 19 });
      for (const [h, holder] of holders.entries()) {
        if ((i + h) % 3 === 0) continue; // some balances stay zero
        await owner.wallet.writeContract({ chain: owner.wallet.chain, account: owner.account, address: contractAddress!, abi: devnetTokenAbi, functionName: 'mint', args: [holder, BigInt(i * 1000 + h)] });
      }
    }
    await devnet.faucet.drip(holders[0]!, 'USDC', 123_456n);
    assert.equal(tokens.length, 30);
    const result = await new BalanceReader(access).read({ addresses: holders, tokens: new Map([[deployment.chainId, [nativeOf(deployment.chainId), ...tokens]]]) });
    assert.deepEqual(result.failures, []);
    assert.equal(result.balances.length, holders.length * 31);
    for (const row of result.balances) {
      const alone = row.token.address === 'native'
        ? await devnet.node.client.getBalance({ address: row.address })
        : await devnet.node.client.readContract({ address: row.token.address, abi: erc20Abi, functionName: 'balanceOf', args: [row.address] });
      assert.equal(row.amount, alone, `${row.token.symbol} of ${row.address}`);
    }
    assert.ok(result.balances.some((r) => r.token.symbol === 'USDC' && r.amount === 123_456n));
    assert.ok(result.balances.filter((r) => r.amount === 0n).length > 10, 'zero balances are reported as zero');
  });

  it('serves balances from its by-block cache only while the chain has not moved', async () => {
    const { deployment } = devnet.node;
    const holder = devnetUser(deployment, devnet.node).account.address;
    const usdc = deployment.tokens.find((t) => t.symbol === 'USDC')!;
    const query = { addresses: [holder], tokens: new Map([[deployment.chainId, [nativeOf(deployment.chainId), usdcRef(deployment.chainId, usdc.address)]]]) };
    const store = new Map<string, bigint>();
    let hits = 0;
    const cache = { get: (key: string) => (store.has(key) ? (hits++, store.get(key)) : undefined), set: (key: string, value: bigint) => void store.set(key, value) };
    const reader = new BalanceReader(access, 8_000, cache);

    const first = await reader.read(query);
    assert.deepEqual(first.balances.map((b) => b.amount), [0n, 0n]);
    assert.equal(hits, 0);
    const again = await reader.read(query);
    assert.deepEqual(again, first, 'the same answer, in the same order');
    assert.equal(hits, 2, 'both balances came from the cache: no block since');

    await devnet.faucet.drip(holder, 'USDC', 5_000_000n); // a new block
    const after = await reader.read(query);
    assert.equal(after.balances.find((b) => b.token.symbol === 'USDC')!.amount, 5_000_000n, 'a new block is never answered from an older one');
    assert.equal(hits, 2);
  });

  it('resolves people\'s token words on the devnet and reads unknown contracts on chain', async () => {
    const { deployment } = devnet.node;
    const registry = new TokenRegistry({
      chains: access.chains(),
      readMetadata: async (chainId, address) => {
        const client = access.client(chainId);
        const [name, symbol, decimals, totalSupply] = await client.multicall({ allowFailure: false, multicallAddress: deployment.multicall3, contracts: [
          { address, abi: erc20Abi, functionName: 'name' },
          { address, abi: erc20Abi, functionName: 'symbol' },
          { address, abi: erc20Abi, functionName: 'decimals' },
          { address, abi: erc20Abi, functionName: 'totalSupply' },
        ] });
        return { name, symbol, decimals, totalSupply };
      },
    });
    registry.addTokens(deployment.chainId, deployment.tokens.map((t) => ({ chainId: deployment.chainId, address: t.address, symbol: t.symbol, decimals: t.decimals, name: t.name, devnet: true })));
    const pepe = await registry.resolve('$pepe');
    assert.equal(pepe.kind, 'token');
    assert.equal(pepe.kind === 'token' && pepe.token.address, tokenBySymbol(deployment.tokens, 'PEPE').address);
    assert.equal(pepe.kind === 'token' && pepe.token.devnet, true);

    const owner = devnetUser(deployment, devnet.node);
    await devnet.faucet.drip(owner.account.address, 'ETH', ETH('1'));
    const hash = await owner.wallet.deployContract({ chain: owner.wallet.chain, account: owner.account, abi: devnetTokenAbi, bytecode: devnetTokenBytecode, args: ['Moon Token', 'MOON', 9] });
    const moon = (await owner.client.waitForTransactionReceipt({ hash, pollingInterval: 5 })).contractAddress!;
    const found = await registry.resolve(moon.toLowerCase());
    assert.equal(found.kind, 'token');
    assert.deepEqual(found.kind === 'token' && [found.token.symbol, found.token.decimals], ['MOON', 9]);

    const notAToken = await registry.resolve(owner.account.address);
    assert.equal(notAToken.kind, 'unknown');
  });

  it('keeps pool prices moving with the market-maker, and the two DEXes drift apart', async () => {
    const { deployment } = devnet.node;
    const priceOf = async (pair: { address: `0x${string}` }) => {
      const [r0, r1] = await devnet.node.client.readContract({ address: pair.address, abi: uniswapV2PairAbi, functionName: 'getReserves' });
      return Number(r1) / Number(r0);
    };
    const pairs = deployment.dexes.flatMap((d) => d.pairs);
    const before = await Promise.all(pairs.map(priceOf));
    for (let i = 0; i < 40; i++) await devnet.marketMaker.step();
    const afterSteps = await Promise.all(pairs.map(priceOf));
    const moved = afterSteps.filter((p, i) => p !== before[i]).length;
    assert.ok(moved >= 10, `only ${moved} of ${pairs.length} pools moved in 40 steps`);
    assert.equal(devnet.marketMaker.state().steps, 40);
  });
});

function nativeOf(chainId: number): TokenRef {
  return { chainId, address: 'native', symbol: 'ETH', decimals: 18 };
}

function usdcRef(chainId: number, address: `0x${string}`): TokenRef {
  return { chainId, address, symbol: 'USDC', decimals: 6 };
}


