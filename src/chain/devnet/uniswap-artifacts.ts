import { createRequire } from 'node:module';
import type { Abi, Hex } from 'viem';

export interface Artifact {
  abi: Abi;
  bytecode: Hex;
}

const require = createRequire(import.meta.url);

function load(path: string): Artifact {
  const json = require(path) as { abi: Abi; bytecode: string };
  return { abi: json.abi, bytecode: `0x${json.bytecode.replace(/^0x/, '')}` };
}

/**
 * The compiled contracts shipped by Uniswap's own npm packages: the exact bytecode of mainnet's
 * V2 factory, pair and Router02 (the pair's init-code hash matches Router02's built-in constant,
 * so the router finds pairs without a lookup).
 */
export const uniswapArtifacts = {
  factory: load('@uniswap/v2-core/build/UniswapV2Factory.json'),
  pair: load('@uniswap/v2-core/build/UniswapV2Pair.json'),
  router: load('@uniswap/v2-periphery/build/UniswapV2Router02.json'),
  weth: load('@uniswap/v2-periphery/build/WETH9.json'),
};

/** keccak256 of UniswapV2Pair's creation code: Router02's UniswapV2Library.pairFor has this constant built in, so a deployment whose pair code differs would route to nowhere. */
export const UNISWAP_V2_INIT_CODE_HASH = '0x96e8ac4277198ff8b6f785478aa9a39f403cb768dd02cbee326c3e7da348845f';
