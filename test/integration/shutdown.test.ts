import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { request, startTestServer } from '../helpers/app.js';

/** A dependency check that takes `ms` to answer, so a request that runs it is in flight for that long. */
function slowCheck(ms: number) {
  return {
    name: 'slow-dependency',
    required: false,
    check: () => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  };
}

describe('graceful shutdown', () => {
  it('finishes in-flight requests, refuses new connections, then closes the database', async () => {
    const server = await startTestServer('sqlite');
    server.app.health.register(slowCheck(400));
    const inFlight = request(server.url, 'POST', '/v1/chat', { json: { user: 'late', text: 'status' } });
    await new Promise((r) => setTimeout(r, 100)); // the request is now waiting on the slow check
    const stopping = server.dispose();
    await new Promise((r) => setTimeout(r, 50));
    await assert.rejects(fetch(`${server.url}/health`), 'a new connection after stop() began must be refused');
    const res = await inFlight;
    assert.equal(res.status, 200);
    assert.equal(res.body.intent.name, 'get_status');
    assert.equal(res.body.replies[0].blocks[0].text.startsWith('✅'), true);
    await stopping;
    // Closed after the request finished: nothing was cut off half-way.
    await assert.rejects(server.app.database.db.selectFrom('users').selectAll().execute());
  });

  it('bounds the wait: a request that outlives the shutdown timeout is cut off', async () => {
    const server = await startTestServer('sqlite', { MOBIUS_SHUTDOWN_TIMEOUT_MS: '150' });
    server.app.health.register(slowCheck(1500));
    const inFlight = request(server.url, 'POST', '/v1/chat', { json: { user: 'slow', text: 'status' } }).then(
      () => 'answered',
      () => 'cut off',
    );
    await new Promise((r) => setTimeout(r, 100));
    const started = performance.now();
    await server.dispose();
    const took = performance.now() - started;
    assert.ok(took < 1200, `stop() took ${Math.round(took)} ms despite a 150 ms timeout`);
    assert.equal(await inFlight, 'cut off');
  });
});
