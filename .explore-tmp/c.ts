import { startDevnet } from '../src/chain/devnet/devnet.ts';
import { ChainAccess } from '../src/chain/chain-access.ts';
import { createMetrics } from '../src/infra/metrics.ts';
import { erc20Abi } from 'viem';
const log = { debug() {}, info() {}, warn() {}, error() {} };
const d = await startDevnet({ dir: undefined, log, marketMaker: { intervalMs: 0, seed: 1 } });
const dep = d.node.deployment;
const local = new ChainAccess({ chains: ['devnet'], rpcUrls: {}, devnet: { provider: d.node, deployment: dep }, timeoutMs: 5000, metrics: createMetrics({ defaultMetrics: false }), log });
const usdc = dep.tokens[1]!;
try {
  await local.read(31337, (c) => c.simulateContract({ account: '0x0000000000000000000000000000000000000001', address: usdc.address, abi: erc20Abi, functionName: 'transfer', args: ['0x0000000000000000000000000000000000000002', 5n] }));
} catch (e) { let x: any = e; while (x) { console.log(x.name, '|', x.shortMessage, '|', x.code, '|', typeof x.data === 'string' ? x.data.slice(0, 20) : x.data); x = x.cause; } }
await d.close();
