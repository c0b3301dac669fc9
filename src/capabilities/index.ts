import type { AnyCapability } from '../core/capability.js';
import { devnetFaucet } from './devnet-faucet.js';
import { getBalance } from './get-balance.js';
import { getChainStatus } from './get-chain-status.js';
import { getGas } from './get-gas.js';
import { getStatus } from './get-status.js';
import { getTokenInfo } from './get-token-info.js';
import { help } from './help.js';

/** Every capability this build offers, in the order help lists them. */
export const capabilities: readonly AnyCapability[] = [help, getStatus, getBalance, getTokenInfo, getGas, devnetFaucet, getChainStatus];
