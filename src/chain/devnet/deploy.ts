import { getAddress, keccak256, maxUint256, toBytes, type Hex, type PublicClient } from 'viem';
import type { Address } from '../../core/token.js';
import { uniswapV2RouterAbi, wethAbi } from '../abi.js';
import { devnetKeys } from './accounts.js';
import { devnetTokenAbi, devnetTokenBytecode, multicall3Abi, multicall3Bytecode, priceFeedAbi, priceFeedBytecode } from './contracts/artifacts.js';
import type { DeployedDex, DeployedFeed, DeployedPair, DeployedToken, Deployment } from './deployment.js';
import type { Eip1193Provider } from './edr.js';
import { NATIVE_SEED, SEED_DEXES, SEED_FEEDS, SEED_POOLS, SEED_TOKENS, unitsForUsd } from './seed.js';
import { DevnetSender } from './sender.js';
import { UNISWAP_V2_INIT_CODE_HASH, uniswapArtifacts } from './uniswap-artifacts.js';

/** Far enough in the future for any deadline the seeding needs. */
const NO_DEADLINE = 2n ** 32n - 1n;

/** The deployment's version: changes whenever the bytecode or the seeding plan does. */
export function deploymentVersion(chainId: number): Hex {
  const plan = JSON.stringify(
    {
      chainId,
      tokens: SEED_TOKENS,
      pools: SEED_POOLS,
      feeds: SEED_FEEDS,
      native: NATIVE_SEED,
      accounts: Object.values(devnetKeys).map((k) => k.account.address),
      code: [multicall3Bytecode, devnetTokenBytecode, priceFeedBytecode, ...Object.values(uniswapArtifacts).map((a) => a.bytecode)].map((c) => keccak256(c)),
    },
    (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value),
  );
  return keccak256(toBytes(plan));
}

export interface DeployContext {
  provider: Eip1193Provider;
  client: PublicClient;
  chainId: number;
}

/**
 * Deploys the devnet in one fixed order from fixed accounts, so every fresh devnet has the same
 * addresses: WETH9, Multicall3, the tokens, two Uniswap V2 factories + routers, price feeds, and
 * seeded pools. The market-maker's approvals and WETH are set up here too.
 */
export async function deployDevnet(ctx: DeployContext): Promise<Deployment> {
  const send = ctx.provider.request.bind(ctx.provider);
  const deployer = new DevnetSender(devnetKeys.deployer.account, send, ctx.client, ctx.chainId);
  const maker = new DevnetSender(devnetKeys.maker.account, send, ctx.client, ctx.chainId);
  const me = deployer.account.address;

  const multicall3 = await deployer.deploy(multicall3Abi, multicall3Bytecode, [], 2_000_000n);
  const weth = await deployer.deploy(uniswapArtifacts.weth.abi, uniswapArtifacts.weth.bytecode, [], 2_000_000n);
  const tokens: DeployedToken[] = [{ symbol: 'WETH', name: 'Wrapped Ether', address: weth, decimals: 18 }];
  for (const seed of SEED_TOKENS) {
    const address = await deployer.deploy(devnetTokenAbi, devnetTokenBytecode, [seed.name, seed.symbol, seed.decimals], 2_000_000n);
    tokens.push({ symbol: seed.symbol, name: seed.name, address, decimals: seed.decimals });
  }
  const dexes: DeployedDex[] = [];
  for (const dex of SEED_DEXES) {
    const factory = await deployer.deploy(uniswapArtifacts.factory.abi, uniswapArtifacts.factory.bytecode, [me]);
    const router = await deployer.deploy(uniswapArtifacts.router.abi, uniswapArtifacts.router.bytecode, [factory, weth]);
    dexes.push({ key: dex.key, name: dex.name, factory, router, initCodeHash: UNISWAP_V2_INIT_CODE_HASH, pairs: [] });
  }
  const feeds: DeployedFeed[] = [];
  for (const feed of SEED_FEEDS) {
    const usdE8 = feed.symbol === 'ETH' ? NATIVE_SEED.usdE8 : seedToken(feed.symbol).usdE8;
    const address = await deployer.deploy(priceFeedAbi, priceFeedBytecode, [8, feed.pair.replace('/', ' / '), usdE8], 2_000_000n);
    await deployer.call(address, priceFeedAbi, 'setUpdater', [devnetKeys.maker.account.address], { gas: 100_000n });
    feeds.push({ pair: feed.pair, address, decimals: 8 });
  }

  const erc20s = tokens.slice(1);
  for (const token of erc20s) {
    // The deployer is a minter from the constructor on.
    for (const minter of [devnetKeys.faucet.account.address, devnetKeys.maker.account.address]) {
      await deployer.call(token.address, devnetTokenAbi, 'setMinter', [minter, true], { gas: 100_000n });
    }
  }

  // Mint what the pools need, approve both routers once, then add liquidity pool by pool.
  const needed = new Map<string, bigint>();
  for (const pool of SEED_POOLS) {
    for (const side of [pool.a, pool.b]) {
      if (side !== 'ETH') needed.set(side, (needed.get(side) ?? 0n) + unitsFor(side, pool.depthUsd));
    }
  }
  for (const token of erc20s) {
    const amount = needed.get(token.symbol);
    if (amount) await deployer.call(token.address, devnetTokenAbi, 'mint', [me, amount], { gas: 100_000n });
    for (const dex of dexes) await deployer.call(token.address, devnetTokenAbi, 'approve', [dex.router, maxUint256], { gas: 100_000n });
  }
  const address = (symbol: string): Address => (symbol === 'ETH' ? weth : tokenBySymbol(tokens, symbol).address);
  for (const pool of SEED_POOLS) {
    const dex = dexes.find((d) => d.key === pool.dex)!;
    if (pool.a === 'ETH' || pool.b === 'ETH') {
      const token = pool.a === 'ETH' ? pool.b : pool.a;
      await deployer.call(dex.router, uniswapV2RouterAbi, 'addLiquidityETH', [address(token), unitsFor(token, pool.depthUsd), 0n, 0n, me, NO_DEADLINE], {
        gas: 4_000_000n,
        value: unitsFor('ETH', pool.depthUsd),
      });
    } else {
      await deployer.call(dex.router, uniswapV2RouterAbi, 'addLiquidity', [address(pool.a), address(pool.b), unitsFor(pool.a, pool.depthUsd), unitsFor(pool.b, pool.depthUsd), 0n, 0n, me, NO_DEADLINE], {
        gas: 4_000_000n,
      });
    }
    dex.pairs.push(pairOf(dex.factory, address(pool.a), address(pool.b)));
  }

  // The market-maker trades from its own balances: WETH from a deposit, tokens it mints as needed.
  await maker.call(weth, wethAbi, 'deposit', [], { gas: 100_000n, value: 1_000_000n * 10n ** 18n });
  for (const token of tokens) {
    for (const dex of dexes) await maker.call(token.address, wethAbi, 'approve', [dex.router, maxUint256], { gas: 100_000n });
  }

  return {
    chainId: ctx.chainId,
    version: deploymentVersion(ctx.chainId),
    multicall3,
    weth,
    tokens,
    dexes,
    feeds,
    accounts: {
      deployer: me,
      faucet: devnetKeys.faucet.account.address,
      maker: devnetKeys.maker.account.address,
    },
  };
}

function seedToken(symbol: string) {
  const seed = SEED_TOKENS.find((t) => t.symbol === symbol);
  if (!seed) throw new Error(`no seed token ${symbol}`);
  return seed;
}

function unitsFor(symbol: string, usd: bigint): bigint {
  if (symbol === 'ETH') return unitsForUsd(usd, NATIVE_SEED.usdE8, 18);
  const seed = seedToken(symbol);
  return unitsForUsd(usd, seed.usdE8, seed.decimals);
}

export function tokenBySymbol(tokens: readonly DeployedToken[], symbol: string): DeployedToken {
  const token = tokens.find((t) => t.symbol === symbol);
  if (!token) throw new Error(`the devnet has no token ${symbol}`);
  return token;
}

/** The pair's CREATE2 address, computed the way UniswapV2Library.pairFor does. */
export function pairOf(factory: Address, a: Address, b: Address): DeployedPair {
  const [token0, token1] = a.toLowerCase() < b.toLowerCase() ? [a, b] : [b, a];
  const salt = keccak256(`0x${token0.slice(2)}${token1.slice(2)}`);
  const hash = keccak256(`0xff${factory.slice(2)}${salt.slice(2)}${UNISWAP_V2_INIT_CODE_HASH.slice(2)}`);
  return { address: getAddress(`0x${hash.slice(-40)}`), token0, token1 };
}
