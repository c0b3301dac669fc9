import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { startServer } from '../../src/app.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/infra/log.js';
import { startTestServer } from '../helpers/app.js';

describe('start-up', () => {
  it('refuses a port that is taken with one line naming MOBIUS_PORT, and leaves nothing open', async () => {
    const first = await startTestServer('sqlite');
    const dir = mkdtempSync(path.join(tmpdir(), 'mobius-port-'));
    try {
      const port = new URL(first.url).port;
      const config = loadConfig({ MOBIUS_PORT: port, MOBIUS_DATA_DIR: dir });
      await assert.rejects(startServer(config, { log: createLogger({ level: 'silent' }), defaultMetrics: false }), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.variable, 'MOBIUS_PORT');
        assert.match(err.message, /already in use/);
        assert.equal(err.message.includes('\n'), false);
        return true;
      });
      // The first server is untouched.
      assert.equal((await fetch(`${first.url}/health`)).status, 200);
    } finally {
      await first.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
