import type { CapabilityRegistry } from '../core/registry.js';
import type { HealthRegistry } from '../infra/health.js';

/** Facts about this running instance, for get_status and /health. */
export interface AppInfo {
  name: string;
  version: string;
  startedAt: Date;
  /** 'embedded' (SQLite, in-process everything) or 'scaled' (PostgreSQL …). */
  mode: 'embedded' | 'scaled';
  database: 'sqlite' | 'postgres';
}

// Each service a capability may use is added here, so `ctx.services` is fully typed while core
// stays free of higher-layer imports. Later issues add market, chain, wallets, trading, alerts.
declare module '../core/capability.js' {
  interface CapabilityServices {
    registry: CapabilityRegistry;
    health: HealthRegistry;
    appInfo: AppInfo;
  }
}
