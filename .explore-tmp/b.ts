import http from 'node:http';
import { startDevnet } from '../src/chain/devnet/devnet.ts';
import { answerDevnetRpc } from '../src/chain/devnet/rpc-gateway.ts';
import { ChainAccess } from '../src/chain/chain-access.ts';
import { createMetrics } from '../src/infra/metrics.ts';
import { erc20Abi } from 'viem';
const log = { debug() {}, info() {}, warn(o: unknown, m?: string) { console.log('warn', m, o); }, error() {} };
const d = await startDevnet({ dir: undefined, log, marketMaker: { intervalMs: 0, seed: 1 } });
const dep = d.node.deployment;
const server = http.createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const out = await answerDevnetRpc(d.node, dep, JSON.parse(Buffer.concat(chunks).toString()));
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(out));
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as any).port}/rpc/devnet`;
const access = new ChainAccess({ chains: ['devnet'], rpcUrls: { devnet: [url] }, remoteDevnet: dep, timeoutMs: 5000, metrics: createMetrics({ defaultMetrics: false }), log });
const usdc = dep.tokens[1]!;
for (let i = 0; i < 4; i++) {
  try {
    await access.read(31337, (c) => c.simulateContract({ account: '0x0000000000000000000000000000000000000001', address: usdc.address, abi: erc20Abi, functionName: 'transfer', args: ['0x0000000000000000000000000000000000000002', 5n] }));
  } catch (e) { const x = e as any; console.log(i, x.name, x.shortMessage ?? x.message.split('\n')[0]); }
  console.log(access.endpoints(31337));
}
try { console.log(await access.read(31337, (c) => c.getBlockNumber({ cacheTime: 0 }))); } catch (e) { console.log('blockNumber after reverts:', (e as Error).name, (e as Error).message.split('\n')[0]); }
// in-process
const local = new ChainAccess({ chains: ['devnet'], rpcUrls: {}, devnet: { provider: d.node, deployment: dep }, timeoutMs: 5000, metrics: createMetrics({ defaultMetrics: false }), log });
try {
  await local.read(31337, (c) => c.simulateContract({ account: '0x0000000000000000000000000000000000000001', address: usdc.address, abi: erc20Abi, functionName: 'transfer', args: ['0x0000000000000000000000000000000000000002', 5n] }));
} catch (e) { const x = e as any; console.log('local', x.name, x.shortMessage ?? x.message.split('\n')[0]); }
server.close(); access.close(); await d.close();
