import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { Command, InvalidArgumentError, Option } from 'commander';
import { createApp, masterKeySettings, packageVersion, startServer, type App, type CreateAppOptions } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { DevnetBusyError, devnetDir, resetDevnetState } from './chain/devnet/journal.js';
import { MobiusError } from './core/errors.js';
import { finishKeyFileRotation, loadMasterKeys, prepareNextKeyFile, rotateWalletKeys } from './wallets/key-vault.js';
import { MasterKeyError } from './wallets/master-key.js';
import { tiers, type Tier } from './core/identity.js';
import { DatabaseOpenError } from './infra/db/database.js';
import { migrateToLatest } from './infra/db/migrate.js';
import { createLogger } from './infra/log.js';
import { runRetention } from './infra/retention.js';
import { toJson } from './core/json.js';
import { ask, createApiKey, parseJsonl } from './platforms/cli/commands.js';

/** Fails with one clear line for problems a person can fix (config, database, input); a stack otherwise. */
function fail(err: unknown): never {
  if (err instanceof ConfigError || err instanceof DatabaseOpenError || err instanceof MobiusError || err instanceof DevnetBusyError || err instanceof MasterKeyError) {
    console.error(err.message);
  } else {
    console.error(err);
  }
  process.exit(1);
}

function config(): Config {
  try {
    return loadConfig();
  } catch (err) {
    fail(err);
  }
}

/** Runs a one-shot command on a quiet app (warnings only), closing it afterwards. */
async function withApp<T>(fn: (app: App) => Promise<T>, options: CreateAppOptions = {}): Promise<T> {
  const cfg = config();
  const level = process.env.LOG_LEVEL ? cfg.LOG_LEVEL : 'warn';
  // A one-shot command's output is its stdout (`--json`, `parse --jsonl`): its logs go to stderr.
  const app = await createApp({ ...cfg, LOG_LEVEL: level }, { defaultMetrics: false, log: createLogger({ level, destination: process.stderr }), ...options });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

async function serve(): Promise<void> {
  const server = await startServer(config());
  const { log } = server.app;
  log.info({ url: server.url, mode: server.app.info.mode, version: server.app.info.version }, `Möbius is listening on ${server.url}`);
  let signals = 0;
  const shutdown = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    server.stop().then(
      () => {
        log.info('stopped cleanly');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

/** The OS user as a CLI identity; 'local' when there is none (containers run with bare uids). */
function localUserName(): string {
  try {
    const name = os.userInfo().username.replace(/[^A-Za-z0-9_.@-]/g, '_');
    return name || 'local';
  } catch {
    return 'local';
  }
}

/** Who ran an operator command, for the audit log. */
function operator(): string {
  return `cli:${localUserName()}`;
}

/** `--scopes chat,market`: split here, checked by the key store (which knows the tier). */
function scopeList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Asks a yes/no question on the terminal (or reads the answer piped to stdin); only "y"/"yes" is a yes. */
async function confirmOnStdin(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.question(`${question} [y/N] `, resolve);
      rl.once('close', () => resolve(''));
    });
    return /^\s*y(es)?\s*$/i.test(answer);
  } finally {
    rl.close();
  }
}

function tier(value: string): Tier {
  if (!(tiers as readonly string[]).includes(value)) throw new InvalidArgumentError(`must be one of ${tiers.join(', ')}`);
  return value as Tier;
}

const program = new Command('mobius')
  .description('Möbius — a self-hosted crypto assistant')
  .version(packageVersion())
  .showHelpAfterError();

program
  .command('serve')
  .description('start the assistant: web, REST, WebSocket and MCP on MOBIUS_HOST:MOBIUS_PORT')
  .action(serve);

program
  .command('ask')
  .description('ask one question in-process and print the reply')
  .argument('<text...>', 'what to ask, e.g. "help"')
  .option('--user <platform:id>', 'who is asking', `cli:${localUserName()}`)
  .option('--json', 'print the full result as JSON', false)
  .action(async (words: string[], opts: { user: string; json: boolean }) => {
    await withApp((app) => ask(app.assistant, { text: words.join(' '), user: opts.user, json: opts.json }, process.stdout));
  });

program
  .command('mcp')
  .description('serve MCP over stdio for an MCP client (stdout is the protocol; logs go to stderr)')
  .option('--user <name>', 'who the client speaks for, as mcp:<name>', 'local')
  .action(async (opts: { user: string }) => {
    // Loaded here, not at the top: the MCP SDK (and the zod builds it brings) costs about 0.3 s and
    // 10 MiB of start-up, which every other command, `serve` included, should not pay.
    const { parseMcpUserName, reserveStdoutForProtocol, serveMcpOverStdio } = await import('./platforms/mcp/stdio.js');
    const user = parseMcpUserName(opts.user);
    reserveStdoutForProtocol();
    await withApp((app) => serveMcpOverStdio(app, { user }));
    // Whatever a library left scheduled, the client is gone: do not linger as an orphan.
    process.exit(0);
  });

program
  .command('parse')
  .description('parse text into an intent without running anything')
  .argument('[text...]', 'a phrase (omit with --jsonl)')
  .option('--jsonl', 'read one text per stdin line, write one JSON per line', false)
  .action(async (words: string[], opts: { jsonl: boolean }) => {
    await withApp(async (app) => {
      if (opts.jsonl) {
        await parseJsonl(app.assistant, process.stdin, process.stdout);
        return;
      }
      if (words.length === 0) throw new InvalidArgumentError('give a phrase, or --jsonl to read stdin');
      process.stdout.write(JSON.stringify({ intent: app.assistant.parse(words.join(' ')) }) + '\n');
    }, { withoutChains: true, keystore: false });
  });

program
  .command('migrate')
  .description('apply database migrations (also done at every start)')
  .action(async () => {
    // The app must not migrate at start here, or this would always report "up to date".
    await withApp(
      async (app) => {
        const { applied } = await migrateToLatest(app.database.db);
        console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.');
      },
      { migrate: false, withoutChains: true, keystore: false },
    );
  });

const apikey = program.command('apikey').description('manage HTTP API keys');
apikey
  .command('create')
  .description('create an API key (printed once)')
  .addOption(new Option('--tier <tier>', 'free, pro or admin').argParser(tier).makeOptionMandatory())
  .option('--label <label>', 'a note to recognise it by', '')
  .option('--scopes <list>', 'comma-separated, of chat, market, wallet, trade, admin (default: chat,market,wallet,trade; an admin-tier key also gets admin)', scopeList)
  .option('--json', 'print JSON', false)
  .action(async (opts: { tier: Tier; label: string; json: boolean; scopes?: string[] }) => {
    await withApp(async (app) => {
      const created = await createApiKey(app.apiKeys, opts, process.stdout);
      await app.audit.append({ actor: operator(), action: 'apikey.created', subject: created.id, data: { tier: created.tier, label: created.label, scopes: created.scopes } });
    }, { withoutChains: true, keystore: false });
  });
apikey
  .command('list')
  .description('list API keys (never the keys themselves)')
  .action(async () => {
    await withApp(async (app) => {
      for (const k of await app.apiKeys.list()) {
        console.log(`${k.id}  ${k.tier.padEnd(5)}  ${k.revokedAt ? 'revoked' : 'active '}  ${k.scopes.join(',')}  ${k.label}`.trimEnd());
      }
    }, { withoutChains: true, keystore: false });
  });
apikey
  .command('revoke')
  .description('revoke an API key by id')
  .argument('<id>')
  .action(async (id: string) => {
    await withApp(async (app) => {
      const revoked = await app.apiKeys.revoke(id);
      if (revoked) await app.audit.append({ actor: operator(), action: 'apikey.revoked', subject: id });
      console.log(revoked ? `Revoked ${id}.` : `No active key ${id}.`);
    }, { withoutChains: true, keystore: false });
  });

const keys = program.command('keys').description('the master key that wraps wallet keys');
keys
  .command('rotate')
  .description('re-wrap every wallet key under a new master key (safe to interrupt and run again)')
  .action(async () => {
    await withApp(
      async (app) => {
        const settings = masterKeySettings(app.config);
        const loaded = loadMasterKeys(settings);
        // File mode makes (or resumes) `master.key.next`; environment mode reads ENCRYPTION_KEY_NEXT.
        const next = loaded.next ?? (settings.encryptionKey ? undefined : prepareNextKeyFile(settings.keyFile));
        const result = await rotateWalletKeys(app.database.db, { current: loaded.current, next });
        await app.audit.append({ actor: operator(), action: 'keys.rotated', subject: result.to, data: { from: result.from, rewrapped: result.rewrapped, remaining: result.remaining } });
        if (!result.finished) {
          console.log(`Re-wrapped ${result.rewrapped} wallet keys; ${result.remaining} remain. Run it again to finish.`);
          return;
        }
        if (settings.encryptionKey) {
          console.log(`Re-wrapped ${result.rewrapped} wallet keys under ${result.to}. Now set ENCRYPTION_KEY to the new key and unset ENCRYPTION_KEY_NEXT.`);
        } else {
          const retired = finishKeyFileRotation(settings.keyFile, loaded.current);
          console.log(`Re-wrapped ${result.rewrapped} wallet keys under ${result.to}; the new key is in ${settings.keyFile} (back it up). The old key is kept as ${retired}.`);
        }
      },
      { withoutChains: true },
    );
  });

const devnet = program.command('devnet').description('the built-in devnet');
devnet
  .command('reset')
  .description(`forget the devnet's persisted state (balances, transactions); the next start deploys it fresh`)
  .action(async () => {
    await withApp(
      async (app) => {
        const dir = devnetDir(app.config.MOBIUS_DATA_DIR);
        const { removed } = resetDevnetState(dir);
        if (removed) await app.audit.append({ actor: operator(), action: 'devnet.reset', subject: dir });
        console.log(removed ? `Devnet state in ${dir} removed; the next start deploys a fresh devnet.` : `No devnet state in ${dir}; nothing to reset.`);
      },
      { withoutChains: true, keystore: false },
    );
  });

const audit = program.command('audit').description('the hash-chained audit log');
audit
  .command('verify')
  .description('recompute the hash chain; exits non-zero at the first entry that was edited or follows a deleted one')
  .action(async () => {
    await withApp(
      async (app) => {
        const result = await app.audit.verify();
        if (result.ok) {
          console.log(`The audit log is intact: ${result.count} ${result.count === 1 ? 'entry' : 'entries'} verified.`);
          return;
        }
        console.log(`The audit log is BROKEN at seq ${result.brokenAt}: that entry was edited, or the one before it deleted (${result.count} ${result.count === 1 ? 'entry' : 'entries'} before it verified).`);
        process.exitCode = 2;
      },
      { withoutChains: true, keystore: false },
    );
  });

const user = program.command('user').description("a person's data (GDPR): export or erase it");
user
  .command('export')
  .description('write all data held about a user as JSON (never wallet keys)')
  .argument('<user>', 'a usr_… id, or a platform identity such as telegram:42')
  .option('--out <file>', 'write to this file (mode 0600) instead of stdout')
  .action(async (spec: string, opts: { out?: string }) => {
    await withApp(
      async (app) => {
        const userId = await app.userData.resolveUser(spec);
        const data = await app.userData.export(userId, operator());
        const text = toJson(data, 2) + '\n';
        if (opts.out) {
          writeFileSync(opts.out, text, { mode: 0o600 });
          console.error(`Exported ${userId} to ${opts.out}.`);
        } else {
          process.stdout.write(text);
        }
      },
      { withoutChains: true, keystore: false },
    );
  });
user
  .command('delete')
  .description('erase a user: identities, wallets, preferences, pending actions, history; leaves an audit tombstone')
  .argument('<user>', 'a usr_… id, or a platform identity such as telegram:42')
  .option('--yes', 'do not ask for confirmation', false)
  .action(async (spec: string, opts: { yes: boolean }) => {
    await withApp(
      async (app) => {
        const userId = await app.userData.resolveUser(spec);
        if (!opts.yes && !(await confirmOnStdin(`Erase ${userId} (${spec}) and all their data, wallets included? This cannot be undone.`))) {
          console.log('Nothing deleted.');
          process.exitCode = 1;
          return;
        }
        const erased = await app.userData.delete(userId, operator());
        const summary = Object.entries(erased).filter(([, n]) => n > 0).map(([what, n]) => `${n} ${what}`);
        console.log(`Deleted ${userId}${summary.length ? `: ${summary.join(', ')}` : ''}.`);
      },
      { withoutChains: true, keystore: false },
    );
  });

program
  .command('retention')
  .description('data retention')
  .command('run')
  .description('delete messages and notifications older than MOBIUS_RETENTION_DAYS, and expired link codes and pending actions, once')
  .action(async () => {
    await withApp(
      async (app) => {
        const removed = await runRetention(app.database.db, { retentionDays: app.config.MOBIUS_RETENTION_DAYS });
        console.log(`Removed ${removed.messages} messages, ${removed.notifications} notifications, ${removed.linkCodes} expired link codes and ${removed.pendingActions} expired pending actions (retention ${app.config.MOBIUS_RETENTION_DAYS} days).`);
      },
      { withoutChains: true, keystore: false },
    );
  });

program.parseAsync(process.argv).catch(fail);
