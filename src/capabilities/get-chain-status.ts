import { z } from 'zod';
import { defineCapability } from '../core/capability.js';
import { escapeMarkup, table, type Block } from '../core/reply.js';
import { chainSlot, chainsFor, chainServices } from './chain-input.js';
import './services.js';

export const getChainStatus = defineCapability({
  name: 'get_chain_status',
  summary: 'Shows each chain Möbius serves: the latest block and its age, every RPC endpoint with its latency and breaker state, and on the devnet the market-maker and persistence.',
  input: z.object({ chain: chainSlot }),
  examples: ['chain status', 'are the chains up', 'rpc status', 'latest block', 'block height on base', 'devnet status', 'network status', 'is base up', 'is polygon down', 'is arbitrum rpc ok', 'rpc health', 'rpc latency', 'what block are we on', 'is optimism working', 'is the rpc working', 'chain health', 'are the rpcs ok', 'node status', 'is ethereum up', 'current block number', 'network health', 'is the network down'],
  effect: 'read',
  async run(ctx, input) {
    const chain = chainServices(ctx);
    const chains = chainsFor(chain, input.chain);
    const now = Math.floor(Date.now() / 1000);
    const statuses = await Promise.all(
      chains.map(async (info) => {
        try {
          const block = await chain.access.read(info.id, (client) => client.getBlock({ blockTag: 'latest' }));
          return { chain: info.key, name: info.name, up: true as const, block: block.number, ageSeconds: Math.max(0, now - Number(block.timestamp)), endpoints: chain.access.endpoints(info.id) };
        } catch (err) {
          return { chain: info.key, name: info.name, up: false as const, error: err instanceof Error ? err.message : 'failed', endpoints: chain.access.endpoints(info.id) };
        }
      }),
    );
    const devnet = chain.devnet;
    const blocks: Block[] = statuses.map((s) => {
      const rows: Array<[string, string]> = s.up ? [['block', `${s.block} (${s.ageSeconds}s ago)`]] : [['status', `⚠️ down: ${escapeMarkup(s.error)}`]];
      for (const e of s.endpoints) rows.push([e.endpoint, `${e.breaker}${e.latencyMs === undefined ? '' : `, ${e.latencyMs} ms`}${e.lastError && e.breaker !== 'closed' ? ` — ${escapeMarkup(e.lastError)}` : ''}`]);
      if (s.chain === 'devnet' && devnet) {
        rows.push(['runs', devnet.marketMaker ? 'in this process' : 'in another instance (RPC_URL_DEVNET)']);
        if (devnet.marketMaker) rows.push(['market-maker', devnet.marketMaker.paused ? 'paused' : `swapping every ${devnet.marketMaker.intervalMs / 1000}s`]);
        rows.push(['state', devnet.persisted ? 'kept across restarts' : 'in memory only']);
      }
      return table(rows, `${s.up ? '🟢' : '🔴'} ${s.name}`);
    });
    return {
      data: {
        chains: statuses.map((s) => (s.up ? { ...s, block: s.block.toString() } : s)),
        ...(devnet ? { devnet: { local: Boolean(devnet.marketMaker), marketMakerPaused: devnet.marketMaker?.paused, persisted: devnet.persisted } } : {}),
      },
      reply: { blocks: blocks.length > 0 ? blocks : [{ type: 'text', text: 'This Möbius serves no chains (CHAINS=none).' }] },
    };
  },
});
