import type { AnyCapability } from '../core/capability.js';
import { cancel } from './cancel.js';
import { confirm } from './confirm.js';
import { convert } from './convert.js';
import { devnetFaucet } from './devnet-faucet.js';
import { getBalance } from './get-balance.js';
import { getChainStatus } from './get-chain-status.js';
import { getChart } from './get-chart.js';
import { getGas } from './get-gas.js';
import { getIndicators } from './get-indicators.js';
import { getMarketOverview } from './get-market-overview.js';
import { getPrice } from './get-price.js';
import { getPriceChange } from './get-price-change.js';
import { getStatus } from './get-status.js';
import { getTokenInfo } from './get-token-info.js';
import { help } from './help.js';

/** Every capability this build offers, in the order help lists them. */
export const capabilities: readonly AnyCapability[] = [help, getStatus, getPrice, getPriceChange, getChart, getIndicators, getMarketOverview, convert, getBalance, getTokenInfo, getGas, devnetFaucet, getChainStatus, confirm, cancel];
