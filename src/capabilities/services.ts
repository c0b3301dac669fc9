import type { CapabilityRegistry } from '../core/registry.js';
import type { BalanceReader } from '../chain/balances.js';
import type { ChainAccess } from '../chain/chain-access.js';
import type { Deployment } from '../chain/devnet/deployment.js';
import type { DevnetFaucet } from '../chain/devnet/faucet.js';
import type { MarketMaker } from '../chain/devnet/market-maker.js';
import type { GasOracle } from '../chain/gas.js';
import type { MetadataReader, TokenRegistry } from '../chain/tokens.js';
import type { TokenRef } from '../core/token.js';
import type { HealthRegistry } from '../infra/health.js';
import type { CandleService } from '../market/history.js';
import type { PriceOracle } from '../market/oracle.js';
import type { CoinGeckoSource } from '../market/sources/coingecko.js';
import type { PriceRequest } from '../market/types.js';
import type { TokenResolution } from '../chain/tokens.js';
import type { WalletService } from '../wallets/wallets.js';
import type { ActivityReader } from '../wallets/activity.js';
import type { PortfolioService } from '../wallets/portfolio.js';
import type { TransactionStore } from '../wallets/transactions.js';
import type { AccountLinks } from '../wallets/account-links.js';
import type { PreferenceStore } from '../wallets/preferences.js';
import type { Confirmations } from './confirmation.js';

/** Facts about this running instance, for get_status and /health. */
export interface AppInfo {
  name: string;
  version: string;
  startedAt: Date;
  /** 'embedded' (SQLite, in-process everything) or 'scaled' (PostgreSQL …). */
  mode: 'embedded' | 'scaled';
  database: 'sqlite' | 'postgres';
}

/** The chain layer as capabilities see it. */
export interface ChainServices {
  access: ChainAccess;
  tokens: TokenRegistry;
  balances: BalanceReader;
  gas: GasOracle;
  /** Present when the devnet is served: in this process (with its market-maker) or over RPC_URL_DEVNET. */
  devnet: DevnetServices | undefined;
  /** An ERC-20's name, symbol, decimals and supply, read from the chain now (not cached). */
  readTokenMetadata: MetadataReader;
}

export interface DevnetServices {
  deployment: Deployment;
  faucet: DevnetFaucet;
  /** Only in the instance that runs the devnet. */
  marketMaker: MarketMaker | undefined;
  /** Whether its state survives a restart (false: in memory, or another instance's). */
  persisted: boolean;
}

/** Prices, history and market data as capabilities see them. */
export interface MarketServices {
  oracle: PriceOracle;
  history: CandleService;
  /**
   * A person's words → the asset to price. Any chain's copy of an asset has its price, so where
   * several chains hold it the real chains win over the devnet and it is not ambiguous.
   */
  resolveAsset(words: string): Promise<TokenResolution>;
  request(token: TokenRef, fiat: string): PriceRequest;
  /** The fiat used when a person names none. */
  defaultFiat: string;
  /** Market-wide data (top coins, trending, coin profiles) when CoinGecko is enabled. */
  coingecko: CoinGeckoSource | undefined;
}

// Each service a capability may use is added here, so `ctx.services` is fully typed while core
// stays free of higher-layer imports. Later issues add market, chain, wallets, trading, alerts.
declare module '../core/capability.js' {
  interface CapabilityServices {
    registry: CapabilityRegistry;
    health: HealthRegistry;
    appInfo: AppInfo;
    /** Undefined when the instance serves no chains (CHAINS=none): the chain layer is not even loaded. */
    chain: ChainServices | undefined;
    /** Undefined when no chain is served: prices resolve tokens through the chain layer. */
    market: MarketServices | undefined;
    /** The pending-action flow every write goes through (confirm / cancel). */
    confirmations: Confirmations;
  }
}

// Transactions, on-chain activity and the portfolio (issue 5). Optional, so a test that builds
// its own services object need not supply them; the capabilities say clearly when one is missing.
declare module '../core/capability.js' {
  interface CapabilityServices {
    /** Everything Möbius sent for people, and their FIFO cost basis. */
    transactions?: TransactionStore;
    /** A wallet's own on-chain activity; undefined when no chain is served. */
    activity?: ActivityReader | undefined;
    /** Holdings across wallets and chains, valued; undefined when no chain is served. */
    portfolio?: PortfolioService | undefined;
  }
}

// The person's wallets (issue 5). Optional for the same reason as above; undefined when the
// instance runs without its keystore (commands opened with `keystore: false`).
declare module '../core/capability.js' {
  interface CapabilityServices {
    /** Create, import, list, export and sign with the user's own wallets. */
    wallets?: WalletService | undefined;
  }
}

// Account linking across platforms (issue 5). Optional, like the services above.
declare module '../core/capability.js' {
  interface CapabilityServices {
    /** One-time codes that link a person's identities on two platforms. */
    accountLinks?: AccountLinks;
  }
}

// Per-user settings (issue 6): currency, default chain, slippage. Optional like the services above.
declare module '../core/capability.js' {
  interface CapabilityServices {
    /** The person's saved settings; capabilities read the currency and default chain through user-defaults.ts. */
    preferences?: PreferenceStore;
  }
}
