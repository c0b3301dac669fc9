import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { withConfigTable } from '../scripts/config-table.js';
import { ConfigError, isLoopbackHost, loadConfig } from './config.js';

/** Asserts `fn` throws a ConfigError naming `variable` in a single line, and returns its message. */
function configErrorOf(fn: () => unknown, variable: string): string {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
  assert.equal(caught.variable, variable);
  assert.ok(caught.message.includes(variable), `"${caught.message}" does not name ${variable}`);
  assert.doesNotMatch(caught.message, /[\r\n]/, 'a configuration error is one line');
  return caught.message;
}

describe('loadConfig', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'mobius-config-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function configFile(name: string, content: string): string {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    return file;
  }

  it('defaults to the embedded mode with no environment at all', () => {
    const config = loadConfig({});
    assert.equal(config.MOBIUS_HOST, '127.0.0.1');
    assert.equal(config.MOBIUS_PORT, 8080);
    assert.equal(config.loopbackOnly, true);
    assert.equal(config.DATABASE_URL, undefined);
    assert.equal(config.LOG_LEVEL, 'info');
    assert.ok(path.isAbsolute(config.sqlitePath));
    assert.ok(config.sqlitePath.endsWith(path.join('data', 'mobius.db')), config.sqlitePath);
  });

  it('takes values from the environment, coercing numbers', () => {
    const config = loadConfig({
      MOBIUS_PORT: '9123',
      MOBIUS_DATA_DIR: dir,
      LOG_LEVEL: 'debug',
      DATABASE_URL: 'postgres://u@db.example:5432/mobius',
      MOBIUS_RATE_LIMIT_FREE: '7',
      MOBIUS_MAX_MESSAGE_CHARS: '100',
    });
    assert.equal(config.MOBIUS_PORT, 9123);
    assert.equal(config.LOG_LEVEL, 'debug');
    assert.equal(config.DATABASE_URL, 'postgres://u@db.example:5432/mobius');
    assert.equal(config.MOBIUS_RATE_LIMIT_FREE, 7);
    assert.equal(config.MOBIUS_MAX_MESSAGE_CHARS, 100);
    assert.equal(config.sqlitePath, path.join(dir, 'mobius.db'));
  });

  it('treats an empty variable as unset', () => {
    assert.equal(loadConfig({ MOBIUS_PORT: '' }).MOBIUS_PORT, 8080);
  });

  it('is not loopback-only when listening on every address', () => {
    assert.equal(loadConfig({ MOBIUS_HOST: '0.0.0.0' }).loopbackOnly, false);
    assert.equal(loadConfig({ MOBIUS_HOST: '192.168.1.10' }).loopbackOnly, false);
    assert.equal(loadConfig({ MOBIUS_HOST: '::1' }).loopbackOnly, true);
    assert.equal(loadConfig({ MOBIUS_HOST: 'localhost' }).loopbackOnly, true);
    assert.equal(isLoopbackHost('127.0.0.2'), true);
    assert.equal(isLoopbackHost('127.evil.example'), false);
  });

  it('refuses a wrong value with one line naming the variable', () => {
    assert.match(configErrorOf(() => loadConfig({ MOBIUS_PORT: 'abc' }), 'MOBIUS_PORT'), /"abc"/);
    assert.match(configErrorOf(() => loadConfig({ MOBIUS_PORT: '70000' }), 'MOBIUS_PORT'), /70000/);
    configErrorOf(() => loadConfig({ MOBIUS_PORT: '80.5' }), 'MOBIUS_PORT');
    assert.match(configErrorOf(() => loadConfig({ LOG_LEVEL: 'loud' }), 'LOG_LEVEL'), /loud/);
    configErrorOf(() => loadConfig({ MOBIUS_RATE_LIMIT_FREE: '0' }), 'MOBIUS_RATE_LIMIT_FREE');
  });

  it('refuses a non-PostgreSQL DATABASE_URL without echoing it', () => {
    const message = configErrorOf(() => loadConfig({ DATABASE_URL: 'mysql://x' }), 'DATABASE_URL');
    assert.ok(!message.includes('mysql'), message);
    const withPassword = configErrorOf(() => loadConfig({ DATABASE_URL: 'mysql://admin:hunter2@db/x' }), 'DATABASE_URL');
    assert.ok(!withPassword.includes('hunter2'), withPassword);
    configErrorOf(() => loadConfig({ DATABASE_URL: 'not a url' }), 'DATABASE_URL');
  });

  it('reads the MOBIUS_CONFIG file, and the environment wins over it', () => {
    const file = configFile('settings.json', JSON.stringify({ MOBIUS_PORT: 9001, LOG_LEVEL: 'warn', MOBIUS_RATE_LIMIT_PRO: 42 }));
    const fromFile = loadConfig({ MOBIUS_CONFIG: file });
    assert.equal(fromFile.MOBIUS_PORT, 9001);
    assert.equal(fromFile.LOG_LEVEL, 'warn');
    assert.equal(fromFile.MOBIUS_RATE_LIMIT_PRO, 42);
    const overridden = loadConfig({ MOBIUS_CONFIG: file, MOBIUS_PORT: '9002' });
    assert.equal(overridden.MOBIUS_PORT, 9002);
    assert.equal(overridden.LOG_LEVEL, 'warn');
  });

  it('names the variable when a value in the file is wrong', () => {
    const file = configFile('bad-value.json', JSON.stringify({ MOBIUS_PORT: 'abc' }));
    configErrorOf(() => loadConfig({ MOBIUS_CONFIG: file }), 'MOBIUS_PORT');
  });

  it('refuses a config file with an unknown key, bad JSON, or that cannot be read', () => {
    const unknownKey = configFile('unknown.json', JSON.stringify({ MOBIUS_PORT: 1, MOBIUS_PROT: 2 }));
    assert.match(configErrorOf(() => loadConfig({ MOBIUS_CONFIG: unknownKey }), 'MOBIUS_CONFIG'), /MOBIUS_PROT/);
    const invalid = configFile('invalid.json', '{"MOBIUS_PORT": 1,');
    assert.match(configErrorOf(() => loadConfig({ MOBIUS_CONFIG: invalid }), 'MOBIUS_CONFIG'), /not valid JSON/);
    const array = configFile('array.json', '[1, 2]');
    configErrorOf(() => loadConfig({ MOBIUS_CONFIG: array }), 'MOBIUS_CONFIG');
    const missing = path.join(dir, 'no-such-file.json');
    assert.match(configErrorOf(() => loadConfig({ MOBIUS_CONFIG: missing }), 'MOBIUS_CONFIG'), /ENOENT/);
    configErrorOf(() => loadConfig({ MOBIUS_CONFIG: dir }), 'MOBIUS_CONFIG');
  });
});

describe('README configuration table', () => {
  it('matches the settings in src/config.ts', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    assert.equal(readme, withConfigTable(readme), 'README.md is out of date: run npm run docs:config');
    // …and the comparison would notice a stale row.
    const stale = readme.replace('| `MOBIUS_PORT` | `8080` |', '| `MOBIUS_PORT` | `8081` |');
    assert.notEqual(stale, readme);
    assert.notEqual(stale, withConfigTable(stale));
  });
});
