import { closeSync, existsSync, fdatasyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Hex } from 'viem';
import type { Address } from '../../core/token.js';

/**
 * What persists a devnet across restarts. EDR keeps state in memory only and has no state dump,
 * so we keep a journal and rebuild: a fresh, deterministic deployment, then every transaction
 * people sent (raw and signed, so the same hashes come back) at its original block, time and base
 * fee. The market-maker's thousands of swaps are not replayed: before each person's transaction
 * the journal holds the pools' storage as it was (`state`), which is all those swaps changed.
 */
export type JournalEntry =
  | { t: 'tx'; hash: Hex; raw: Hex; block: number; timestamp: number; baseFee: string }
  | { t: 'state'; storage: [Address, Hex, Hex][]; balances: [Address, string][] }
  | { t: 'maker'; state: unknown }
  | { t: 'head'; block: number; timestamp: number };

export interface JournalMeta {
  format: 1;
  /** The deployment version the journal was recorded on. */
  version: string;
  chainId: number;
  /** Genesis time (ms); a replay starts its chain at the same instant so timestamps fit. */
  genesisTime: number;
}

export interface OpenedJournal {
  journal: DevnetJournal;
  meta: JournalMeta;
  entries: JournalEntry[];
  /** Why an existing journal was set aside (another deployment version, unreadable), if it was. */
  setAside?: string;
}

const FILE = 'journal.jsonl';
const META = 'meta.json';
const LOCK = 'devnet.pid';
/** Where the running instance says its `/rpc/devnet` is, so a CLI run next to it can use it. */
const ENDPOINT = 'endpoint';

export class DevnetJournal {
  #fd: number | undefined;

  private constructor(
    readonly dir: string,
    fd: number,
  ) {
    this.#fd = fd;
  }

  /**
   * Opens (or starts) the journal in `dir`. A journal from another deployment version cannot be
   * replayed onto this one; it is moved aside, not deleted, and the devnet starts fresh.
   */
  static open(dir: string, expected: { version: string; chainId: number; now: number; genesisTime: number }): OpenedJournal {
    mkdirSync(dir, { recursive: true });
    claimLock(dir);
    let setAside: string | undefined;
    let meta = readMeta(dir);
    let entries: JournalEntry[] = [];
    if (meta && (meta.version !== expected.version || meta.chainId !== expected.chainId)) {
      setAside = `it was recorded on another devnet deployment (${meta.version.slice(0, 10)}…, now ${expected.version.slice(0, 10)}…)`;
    } else if (meta) {
      try {
        entries = readEntries(path.join(dir, FILE));
      } catch (err) {
        setAside = `it could not be read (${(err as Error).message})`;
      }
    }
    if (setAside) {
      const stamp = new Date(expected.now).toISOString().replace(/[:.]/g, '-');
      for (const name of [FILE, META]) {
        if (existsSync(path.join(dir, name))) renameSync(path.join(dir, name), path.join(dir, `${name}.${stamp}.old`));
      }
      meta = undefined;
      entries = [];
    }
    if (!meta) {
      meta = { format: 1, version: expected.version, chainId: expected.chainId, genesisTime: expected.genesisTime };
      rmSync(path.join(dir, FILE), { force: true });
      writeFileSync(path.join(dir, META), `${JSON.stringify(meta, null, 2)}\n`);
    }
    const fd = openSync(path.join(dir, FILE), 'a');
    return { journal: new DevnetJournal(dir, fd), meta, entries, ...(setAside ? { setAside } : {}) };
  }

  /** Appends and flushes to disk: a person's transaction must survive a crash right after. */
  append(entry: JournalEntry): void {
    if (this.#fd === undefined) throw new Error('the devnet journal is closed');
    writeSync(this.#fd, `${JSON.stringify(entry)}\n`);
    fdatasyncSync(this.#fd);
  }

  /** Rewrites the journal (compacted) atomically: a crash leaves either the old file or the new. */
  rewrite(entries: readonly JournalEntry[]): void {
    if (this.#fd === undefined) throw new Error('the devnet journal is closed');
    const file = path.join(this.dir, FILE);
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
    closeSync(this.#fd);
    renameSync(tmp, file);
    this.#fd = openSync(file, 'a');
  }

  /** Announces the server's `/rpc/devnet` URL next to the lock (see runningDevnetEndpoint). */
  publishEndpoint(url: string): void {
    writeFileSync(path.join(this.dir, ENDPOINT), `${url}\n`);
  }

  close(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
    rmSync(path.join(this.dir, ENDPOINT), { force: true });
    rmSync(path.join(this.dir, LOCK), { force: true });
  }
}

function readMeta(dir: string): JournalMeta | undefined {
  const file = path.join(dir, META);
  if (!existsSync(file)) return undefined;
  try {
    const meta = JSON.parse(readFileSync(file, 'utf8')) as JournalMeta;
    return meta.format === 1 ? meta : undefined;
  } catch {
    return undefined;
  }
}

function readEntries(file: string): JournalEntry[] {
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n');
  const entries: JournalEntry[] = [];
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    try {
      entries.push(JSON.parse(line) as JournalEntry);
    } catch (err) {
      // A crash mid-append leaves at most the last line torn; anything earlier is real damage.
      if (i >= lines.length - 2) break;
      throw new Error(`line ${i + 1} is not JSON`, { cause: err });
    }
  }
  return entries;
}

/** Two processes replaying one journal would fork it; the second one stops with a clear reason. */
function claimLock(dir: string): void {
  const file = path.join(dir, LOCK);
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (pid && pid !== process.pid && isAlive(pid)) {
      throw new DevnetBusyError(`the devnet in ${dir} is in use by process ${pid}; stop it first, or give this instance RPC_URL_DEVNET to share it`);
    }
  }
  writeFileSync(file, `${process.pid}\n`);
}

/**
 * The `/rpc/devnet` URL of another live process that holds this devnet, if there is one: a
 * `mobius ask` next to a running server then uses the server's devnet instead of failing on the lock.
 */
export function runningDevnetEndpoint(dir: string): string | undefined {
  try {
    const pid = Number(readFileSync(path.join(dir, LOCK), 'utf8').trim());
    if (!pid || pid === process.pid || !isAlive(pid)) return undefined;
    return readFileSync(path.join(dir, ENDPOINT), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class DevnetBusyError extends Error {
  override name = 'DevnetBusyError';
}

/** Where a data directory keeps its devnet. */
export function devnetDir(dataDir: string): string {
  return path.resolve(dataDir, 'devnet');
}

/** `mobius devnet reset`: forget the persisted devnet so the next start deploys it fresh. */
export function resetDevnetState(dir: string): { removed: boolean } {
  if (!existsSync(dir)) return { removed: false };
  const lock = path.join(dir, LOCK);
  if (existsSync(lock)) {
    const pid = Number(readFileSync(lock, 'utf8').trim());
    if (pid && pid !== process.pid && isAlive(pid)) {
      throw new DevnetBusyError(`the devnet in ${dir} is in use by process ${pid}; stop Möbius before resetting it`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return { removed: true };
}
