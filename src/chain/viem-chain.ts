import type { Chain } from 'viem';
import { chainConfig as opStack } from 'viem/op-stack';
import type { Address } from '../core/token.js';
import { MULTICALL3, type ChainInfo, type ChainKey } from './chains.js';

/**
 * What viem needs beyond our registry: OP-stack formatters for Base and OP Mainnet (deposit
 * transactions), and the block Multicall3 was deployed at per chain (viem refuses multicall before
 * it). Facts from viem's own chain definitions; importing `viem/chains` itself would load every
 * chain viem knows (measured: +0.9 s start-up and +60 MiB), for eight entries.
 */
const MULTICALL3_SINCE: Partial<Record<ChainKey, number>> = {
  ethereum: 14_353_601,
  base: 5_022,
  arbitrum: 7_654_707,
  optimism: 4_286_263,
  polygon: 25_770_160,
  bsc: 15_921_452,
  avalanche: 11_907_934,
  pulsechain: 14_353_601,
};

const VIEM_CHAINS: Partial<Record<ChainKey, Partial<Chain>>> = Object.fromEntries(
  (Object.keys(MULTICALL3_SINCE) as ChainKey[]).map((key) => [
    key,
    {
      ...(key === 'base' || key === 'optimism' ? opStack : {}),
      contracts: {
        ...(key === 'base' || key === 'optimism' ? opStack.contracts : {}),
        multicall3: { address: MULTICALL3, blockCreated: MULTICALL3_SINCE[key]! },
      },
    },
  ]),
);

/** A viem Chain object for the chain (multicall3 from the argument when given, else the registry). */
export function toViemChain(info: ChainInfo, options: { multicall3?: Address; rpcUrls?: string[] } = {}): Chain {
  const urls = options.rpcUrls ?? [...info.defaultRpcUrls];
  const http = urls.filter((u) => /^https?:/i.test(u));
  const webSocket = urls.filter((u) => /^wss?:/i.test(u));
  const multicall3 = options.multicall3 ?? info.multicall3;
  const known = VIEM_CHAINS[info.key];
  const knownMulticall = known?.contracts?.multicall3;
  const contracts: Record<string, unknown> = { ...known?.contracts };
  if (multicall3 === null) delete contracts.multicall3;
  else {
    // blockCreated lets viem refuse multicall at blocks before deployment; it holds only for the registry's address.
    const sameAsKnown = knownMulticall !== undefined && knownMulticall.address.toLowerCase() === multicall3.toLowerCase();
    contracts.multicall3 = sameAsKnown ? knownMulticall : { address: multicall3 };
  }
  return {
    ...known,
    id: info.id,
    name: info.name,
    nativeCurrency: { ...info.native },
    rpcUrls: { default: webSocket.length > 0 ? { http, webSocket } : { http } },
    blockExplorers: info.explorer ? { default: { name: info.explorer.name, url: info.explorer.url } } : undefined,
    contracts,
    testnet: info.devnet,
  } as Chain;
}

