import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

/** The key-encryption key (KEK): wraps every wallet's data key; never stored in the database. */
export interface MasterKey {
  /** Names the key in records (first 8 bytes of its SHA-256, hex): which key wrapped a row. */
  readonly id: string;
  readonly key: Buffer;
}

/** The master key cannot be used as configured; the message says what to fix. */
export class MasterKeyError extends Error {
  override name = 'MasterKeyError';
}

export function masterKeyFrom(key: Buffer): MasterKey {
  if (key.length !== 32) throw new MasterKeyError(`a master key is 32 bytes; this one has ${key.length}`);
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 16), key };
}

/** ENCRYPTION_KEY: 64 hex digits, or base64 of 32 bytes. */
export function parseMasterKey(text: string, variable = 'ENCRYPTION_KEY'): MasterKey {
  const trimmed = text.trim();
  const bytes = /^(0x)?[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed.replace(/^0x/, ''), 'hex') : Buffer.from(trimmed, 'base64');
  if (bytes.length !== 32) throw new MasterKeyError(`${variable} must be 32 random bytes as 64 hex digits or base64 (generate one with: openssl rand -hex 32)`);
  return masterKeyFrom(bytes);
}

export interface LoadMasterKeyOptions {
  /** ENCRYPTION_KEY when set: the key lives outside the machine's disk (a secret manager). */
  encryptionKey?: string | undefined;
  /** The key file used otherwise, e.g. `$MOBIUS_DATA_DIR/master.key`. */
  keyFile: string;
  /** Generate the key file when it does not exist (embedded mode's first start). */
  create: boolean;
}

/**
 * The master key from ENCRYPTION_KEY, or from the key file — generated on first start with mode
 * 0600, atomically, so two instances starting together end up with the same key. A key file
 * readable by others is refused rather than trusted.
 */
export function loadMasterKey(options: LoadMasterKeyOptions): { master: MasterKey; created: boolean } {
  if (options.encryptionKey) return { master: parseMasterKey(options.encryptionKey), created: false };
  const file = options.keyFile;
  if (!existsSync(file)) {
    if (!options.create) throw new MasterKeyError(`no master key: set ENCRYPTION_KEY or restore the key file ${file}`);
    mkdirSync(path.dirname(file), { recursive: true });
    const key = randomBytes(32);
    // Written whole to a private temporary file, then linked into place: the link either creates
    // the key file complete or fails because another instance just did, and then we use theirs.
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, `${key.toString('hex')}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, file);
      return { master: masterKeyFrom(key), created: true };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return { master: readKeyFile(file), created: false };
    } finally {
      unlinkSync(tmp);
    }
  }
  return { master: readKeyFile(file), created: false };
}

function readKeyFile(file: string): MasterKey {
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
    throw new MasterKeyError(`the master key file ${file} is readable by other users; restrict it with: chmod 600 ${file}`);
  }
  return parseMasterKey(readFileSync(file, 'utf8'), `the key file ${file}`);
}
