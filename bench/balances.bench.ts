// Reading 5,000 ERC-20 balances (50 tokens × 100 holders) on a devnet: BalanceReader's multicalls
// against one eth_call per balance (viem readContract, 16 in flight), measured in the same run,
// first in-process (the devnet's EIP-1193 provider, as the instance running the devnet reads) and
// then over HTTP (a node:http server answering with answerDevnetRpc, as a remote instance reads
// through RPC_URL_DEVNET). Both ways must give the very same numbers.
//
// The machine's speed drifts, so multicall and per-call runs alternate in rounds and the
// reported ratio is the median of the per-round ratios.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeFunctionData, erc20Abi, getAddress, keccak256, toBytes, type Address } from 'viem';
import type { Logger } from '../src/core/capability.js';
import type { TokenRef } from '../src/core/token.js';
import { BalanceReader } from '../src/chain/balances.js';
import { ChainAccess } from '../src/chain/chain-access.js';
import { devnetKeys } from '../src/chain/devnet/accounts.js';
import { devnetTokenAbi, devnetTokenBytecode, multicall3Abi } from '../src/chain/devnet/contracts/artifacts.js';
import { startDevnet, type Devnet } from '../src/chain/devnet/devnet.js';
import type { Eip1193Provider } from '../src/chain/devnet/edr.js';
import { answerDevnetRpc } from '../src/chain/devnet/rpc-gateway.js';
import { DevnetSender } from '../src/chain/devnet/sender.js';
import { createMetrics } from '../src/infra/metrics.js';
import type { Bench, Measurement } from './lib.js';
import { median, round } from './lib.js';

const TOKENS = 50;
const HOLDERS = 100;
/** eth_calls in flight at once in the per-call baseline: what a careful caller would allow itself. */
const CONCURRENCY = 16;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TARGET_RATIO = 0.1;

const ignore = () => undefined;
const log: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

/** A distinct, non-zero amount per (token, holder), so a mixed-up read cannot match by accident. */
const amountFor = (t: number, h: number) => BigInt(t * 1_000 + h + 1) * 10n ** 15n + BigInt(t * h);

/**
 * 50 DevnetTokens deployed from the deployer, each holder given a balance of each. The minting goes
 * through Multicall3 (made a minter of each token) in one transaction per token: 5,000 separate
 * mint transactions would take the setup longer than the benchmark.
 */
async function seed(devnet: Devnet): Promise<{ tokens: TokenRef[]; holders: Address[] }> {
  const node = devnet.node;
  const deployer = new DevnetSender(devnetKeys.deployer.account, (args) => node.request(args), node.client, node.chainId);
  const holders = Array.from({ length: HOLDERS }, (_, h) => getAddress(`0x${keccak256(toBytes(`bench holder ${h}`)).slice(26)}`));
  const tokens: TokenRef[] = [];
  for (let t = 0; t < TOKENS; t++) {
    const address = await deployer.deploy(devnetTokenAbi, devnetTokenBytecode, [`Bench Token ${t}`, `BT${t}`, 18], 2_000_000n);
    tokens.push({ chainId: node.chainId, address, symbol: `BT${t}`, decimals: 18, devnet: true });
  }
  const multicall3 = node.deployment.multicall3;
  for (const [t, token] of tokens.entries()) {
    await deployer.call(token.address as Address, devnetTokenAbi, 'setMinter', [multicall3, true], { gas: 100_000n });
    const calls = holders.map((holder, h) => ({
      target: token.address as Address,
      allowFailure: false,
      callData: encodeMint(holder, amountFor(t, h)),
    }));
    await deployer.call(multicall3, multicall3Abi, 'aggregate3', [calls], { gas: 15_000_000n });
  }
  return { tokens, holders };
}

function encodeMint(to: Address, amount: bigint) {
  return encodeFunctionData({ abi: devnetTokenAbi, functionName: 'mint', args: [to, amount] });
}

type Balances = Map<string, bigint>;
const key = (token: string, holder: string) => `${token.toLowerCase()}:${holder.toLowerCase()}`;

async function viaMulticall(access: ChainAccess, chainId: number, tokens: TokenRef[], holders: Address[]): Promise<Balances> {
  const result = await new BalanceReader(access, 60_000).read({ addresses: holders, tokens: new Map([[chainId, tokens]]) });
  if (result.failures.length > 0) throw new Error(`BalanceReader failed: ${JSON.stringify(result.failures)}`);
  return new Map(result.balances.map((b) => [key(b.token.address, b.address), b.amount]));
}

async function viaSingleCalls(access: ChainAccess, chainId: number, tokens: TokenRef[], holders: Address[]): Promise<Balances> {
  const jobs = holders.flatMap((holder) => tokens.map((token) => ({ holder, token: token.address as Address })));
  const out: Balances = new Map();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < jobs.length) {
        const { holder, token } = jobs[next++]!;
        const amount = await access.read(chainId, (client) => client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [holder] }));
        out.set(key(token, holder), amount);
      }
    }),
  );
  return out;
}

function assertSame(a: Balances, b: Balances, tokens: TokenRef[], holders: Address[], where: string): void {
  if (a.size !== TOKENS * HOLDERS || b.size !== TOKENS * HOLDERS) throw new Error(`${where}: ${a.size} and ${b.size} balances, expected ${TOKENS * HOLDERS}`);
  for (const [t, token] of tokens.entries()) {
    for (const [h, holder] of holders.entries()) {
      const k = key(token.address, holder);
      if (a.get(k) !== amountFor(t, h) || b.get(k) !== amountFor(t, h)) throw new Error(`${where}: ${token.symbol} of ${holder}: multicall ${a.get(k)}, per-call ${b.get(k)}, minted ${amountFor(t, h)}`);
    }
  }
}

interface Comparison {
  multicallMs: number;
  singleMs: number;
  ratio: number;
  multicallRequests: number;
  singleRequests: number;
}

/** Alternating rounds of both ways of reading, after one unmeasured warm-up of each. */
async function compare(access: ChainAccess, chainId: number, tokens: TokenRef[], holders: Address[], requests: () => number, where: string): Promise<Comparison> {
  assertSame(await viaMulticall(access, chainId, tokens, holders), await viaSingleCalls(access, chainId, tokens, holders), tokens, holders, where);
  const multi: number[] = [];
  const single: number[] = [];
  const ratios: number[] = [];
  let multicallRequests = 0;
  let singleRequests = 0;
  for (let r = 0; r < ROUNDS; r++) {
    let before = requests();
    let started = performance.now();
    const a = await viaMulticall(access, chainId, tokens, holders);
    multi.push(performance.now() - started);
    multicallRequests = requests() - before;
    before = requests();
    started = performance.now();
    const b = await viaSingleCalls(access, chainId, tokens, holders);
    single.push(performance.now() - started);
    singleRequests = requests() - before;
    assertSame(a, b, tokens, holders, where);
    ratios.push(multi.at(-1)! / single.at(-1)!);
  }
  return { multicallMs: median(multi), singleMs: median(single), ratio: median(ratios), multicallRequests, singleRequests };
}

function measurements(label: string, c: Comparison): Measurement[] {
  const ratio = round(c.ratio, 4);
  return [
    { metric: `${label}: one eth_call per balance (${CONCURRENCY} in flight, reference)`, value: round(c.singleMs, 0), unit: 'ms' },
    {
      metric: `${label}: BalanceReader multicall`,
      value: round(c.multicallMs, 0),
      unit: 'ms',
      reference: round(c.singleMs, 0),
      ratio,
      target: `<= ${TARGET_RATIO} (multicall >= 10x faster)`,
      pass: ratio <= TARGET_RATIO,
    },
    { metric: `${label}: speed-up (median of ${ROUNDS} rounds)`, value: round(1 / c.ratio, 1), unit: 'x' },
    { metric: `${label}: JSON-RPC requests, multicall / per-call`, value: c.multicallRequests, unit: 'requests', reference: c.singleRequests },
  ];
}

/** The devnet's public JSON-RPC on a local port, as `/rpc/devnet` serves it; counts requests. */
async function serve(devnet: Devnet): Promise<{ url: string; requests: () => number; close(): Promise<void> }> {
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests += 1;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void answerDevnetRpc(devnet.node, devnet.node.deployment, JSON.parse(Buffer.concat(chunks).toString('utf8'))).then((body) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(body));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/rpc/devnet`,
    requests: () => requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const bench: Bench = {
  name: 'balances',
  async run() {
    const devnet = await startDevnet({ dir: undefined, log, marketMaker: { intervalMs: 0, seed: 1 } });
    const metrics = createMetrics({ defaultMetrics: false });
    try {
      const { tokens, holders } = await seed(devnet);
      const chainId = devnet.node.chainId;

      // In-process, built as app.ts builds it for the instance that runs the devnet.
      let providerRequests = 0;
      const counted: Eip1193Provider = { request: (args) => ((providerRequests += 1), devnet.node.request(args)) };
      const local = new ChainAccess({ chains: ['devnet'], rpcUrls: {}, devnet: { provider: counted, deployment: devnet.node.deployment }, timeoutMs: 30_000, metrics, log });
      const inProcess = await compare(local, chainId, tokens, holders, () => providerRequests, 'in-process');
      local.close();

      // Over HTTP, built as app.ts builds it for an instance given RPC_URL_DEVNET.
      const gateway = await serve(devnet);
      const remote = new ChainAccess({ chains: ['devnet'], rpcUrls: { devnet: [gateway.url] }, remoteDevnet: devnet.node.deployment, timeoutMs: 30_000, metrics, log });
      let overHttp: Comparison;
      try {
        overHttp = await compare(remote, chainId, tokens, holders, gateway.requests, 'over HTTP');
      } finally {
        remote.close();
        await gateway.close();
      }
      return {
        name: 'balances',
        measurements: [...measurements('in-process', inProcess), ...measurements('over HTTP', overHttp)],
      };
    } finally {
      await devnet.close();
    }
  },
};
export default bench;
