import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compose, type Middleware } from './middleware.js';

describe('compose', () => {
  it('runs middleware in order around the work', async () => {
    const seen: string[] = [];
    const mw = (name: string): Middleware<object> => async (_ctx, next) => {
      seen.push(`${name}>`);
      await next();
      seen.push(`<${name}`);
    };
    await compose([mw('a'), mw('b')])({}, async () => {
      seen.push('work');
    });
    assert.deepEqual(seen, ['a>', 'b>', 'work', '<b', '<a']);
  });

  it('refuses a second next() so the work never runs twice', async () => {
    let runs = 0;
    const twice: Middleware<object> = async (_ctx, next) => {
      await next();
      await next();
    };
    await assert.rejects(
      compose([twice])({}, async () => {
        runs++;
      }),
      /more than once/,
    );
    assert.equal(runs, 1);
  });

  it('stops when a middleware does not call next', async () => {
    let ran = false;
    await compose<object>([async () => {}])({}, async () => {
      ran = true;
    });
    assert.equal(ran, false);
  });

  it('propagates errors thrown synchronously or asynchronously', async () => {
    const sync: Middleware<object> = () => {
      throw new Error('sync');
    };
    await assert.rejects(compose([sync])({}, async () => {}), /sync/);
    await assert.rejects(compose<object>([])({}, async () => Promise.reject(new Error('async'))), /async/);
  });
});
