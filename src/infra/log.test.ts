import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createLogger, scrubSecrets, type Logger } from './log.js';
import { runWithRequestContext } from './request-context.js';

/** The JSON lines a logger wrote, as written. */
class Lines extends Writable {
  readonly raw: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.raw.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  get records(): Array<Record<string, any>> {
    return this.raw.map((l) => JSON.parse(l) as Record<string, any>);
  }
  get last(): Record<string, any> {
    const record = this.records.at(-1);
    assert.ok(record, 'nothing was logged');
    return record;
  }
}

function capture(): { log: Logger; out: Lines } {
  const out = new Lines();
  return { log: createLogger({ level: 'debug', destination: out }), out };
}

const PRIVATE_KEY = '4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318';
const MNEMONIC = 'legal winner thank year wave sausage worth useful legal winner thank yellow';

describe('createLogger', () => {
  it('writes JSON lines with a level label and the service name', () => {
    const { log, out } = capture();
    log.info({ n: 1 }, 'hello');
    assert.equal(out.last.level, 'info');
    assert.equal(out.last.service, 'mobius');
    assert.equal(out.last.msg, 'hello');
    assert.equal(out.last.n, 1);
  });

  it('redacts secrets by key at the top level and nested', () => {
    const { log, out } = capture();
    log.info({ privateKey: PRIVATE_KEY, keep: 'visible' }, 'top');
    assert.equal(out.last.privateKey, '[REDACTED]');
    assert.equal(out.last.keep, 'visible');
    log.info({ input: { mnemonic: MNEMONIC, to: '0xabc' } }, 'one down');
    assert.equal(out.last.input.mnemonic, '[REDACTED]');
    assert.equal(out.last.input.to, '0xabc');
    log.info({ req: { headers: { authorization: 'Bearer mbx_key_0123456789abcdef_secret', host: 'x' } } }, 'two down');
    assert.equal(out.last.req.headers.authorization, '[REDACTED]');
    assert.equal(out.last.req.headers.host, 'x');
    const text = out.raw.join('\n');
    assert.ok(!text.includes(PRIVATE_KEY) && !text.includes(MNEMONIC) && !text.includes('mbx_key_'), text);
  });

  it('keeps public hashes under hash-named keys but still masks the same digits elsewhere', () => {
    const { log, out } = capture();
    log.info({ txHash: `0x${PRIVATE_KEY}`, receipt: { blockHash: PRIVATE_KEY }, note: PRIVATE_KEY }, 'sent');
    assert.equal(out.last.txHash, `0x${PRIVATE_KEY}`);
    assert.equal(out.last.receipt.blockHash, PRIVATE_KEY);
    assert.equal(out.last.note, '[REDACTED]');
  });

  it('masks a private key and a mnemonic inside the message text and its format arguments', () => {
    const { log, out } = capture();
    log.warn(`imported key 0x${PRIVATE_KEY} for alice`);
    assert.equal(out.last.msg, 'imported key [REDACTED] for alice');
    log.warn({ step: 'restore' }, `restoring from: ${MNEMONIC}`);
    assert.equal(out.last.msg, 'restoring from: [REDACTED]');
    log.warn('typed: %s', PRIVATE_KEY);
    assert.equal(out.last.msg, 'typed: [REDACTED]');
    assert.ok(!out.raw.join('\n').includes(PRIVATE_KEY.slice(0, 20)));
  });

  it("masks secrets inside an Error's message and stack, however the error is logged", () => {
    const { log, out } = capture();
    const err = new Error(`cannot import ${PRIVATE_KEY} or ${MNEMONIC}`);
    const { message, stack } = err;
    log.error({ err }, 'import failed');
    log.error({ err });
    log.error(err);
    log.error({ error: err }, 'as error');
    assert.equal(out.records.length, 4);
    for (const [i, record] of out.records.entries()) {
      const serialized = record.err ?? record.error;
      assert.equal(serialized.type, 'Error');
      assert.match(serialized.message, /^cannot import \[REDACTED\]/);
      assert.match(serialized.stack, /^Error: cannot import \[REDACTED\]/);
      assert.ok(!out.raw[i]!.includes(PRIVATE_KEY), `line ${i} leaks the key: ${out.raw[i]}`);
      assert.ok(!out.raw[i]!.includes('sausage'), `line ${i} leaks the mnemonic: ${out.raw[i]}`);
    }
    // With no message of its own, the line's msg is the error's — scrubbed too.
    assert.match(out.records[1]!.msg, /^cannot import \[REDACTED\]/);
    assert.match(out.records[2]!.msg, /^cannot import \[REDACTED\]/);
    // The caller's error is untouched: it may still be thrown or shown elsewhere.
    assert.equal(err.message, message);
    assert.equal(err.stack, stack);
    assert.ok(err.message.includes(PRIVATE_KEY));
  });

  it('masks secrets in an error cause', () => {
    const { log, out } = capture();
    log.error({ err: new Error('wrapped', { cause: new Error(`inner ${PRIVATE_KEY}`) }) }, 'with cause');
    assert.ok(!out.raw.join('\n').includes(PRIVATE_KEY));
  });

  it("masks secrets in an error's own properties (a UserError's details, a library's fields)", () => {
    const { log, out } = capture();
    const err = Object.assign(new Error('not an address'), { details: { field: 'address', input: PRIVATE_KEY }, privateKey: PRIVATE_KEY, words: MNEMONIC });
    log.error({ err }, 'failed');
    log.error(err);
    for (const line of out.raw) {
      assert.ok(!line.includes(PRIVATE_KEY), `leaks the key: ${line}`);
      assert.ok(!line.includes('sausage'), `leaks the mnemonic: ${line}`);
    }
    assert.equal(out.records[0]!.err.details.field, 'address');
  });

  it('writes nothing it did not walk: objects nested deeper than the redaction goes', () => {
    const { log, out } = capture();
    let deep: Record<string, unknown> = { privateKey: PRIVATE_KEY, note: PRIVATE_KEY };
    for (let i = 0; i < 12; i++) deep = { inner: deep };
    log.info({ deep, list: [[[[[[[[[[[[PRIVATE_KEY]]]]]]]]]]]] }, 'deep');
    assert.ok(!out.raw.join('\n').includes(PRIVATE_KEY), out.raw.join('\n'));
  });

  it('adds the request id and user to lines written inside a request context, also after an await', async () => {
    const { log, out } = capture();
    log.info('before');
    await runWithRequestContext({ requestId: 'r1', user: 'cli:x' }, async () => {
      log.info('inside');
      await nextTurn();
      await new Promise((resolve) => setTimeout(resolve, 1));
      log.child({ capability: 'help' }).info('after awaits, in a child');
    });
    log.info('after');
    const [before, inside, later, after] = out.records;
    assert.equal(before!.requestId, undefined);
    assert.equal(inside!.requestId, 'r1');
    assert.equal(inside!.user, 'cli:x');
    assert.equal(later!.requestId, 'r1');
    assert.equal(later!.user, 'cli:x');
    assert.equal(later!.capability, 'help');
    assert.equal(after!.requestId, undefined);
    assert.equal(after!.user, undefined);
  });

  it('keeps concurrent request contexts apart', async () => {
    const { log, out } = capture();
    await Promise.all(
      ['a', 'b'].map((id) =>
        runWithRequestContext({ requestId: id }, async () => {
          await nextTurn();
          log.info(id);
        }),
      ),
    );
    for (const record of out.records) {
      assert.equal(record.requestId, record.msg);
      assert.equal('user' in record, false);
    }
  });

  it('honours the level', () => {
    const out = new Lines();
    const log = createLogger({ level: 'warn', destination: out });
    log.info('quiet');
    log.warn('loud');
    assert.deepEqual(out.records.map((r) => r.msg), ['loud']);
  });
});

describe('scrubSecrets', () => {
  it('masks keys, phrases and bearer tokens but leaves ordinary text alone', () => {
    assert.equal(scrubSecrets(`key=0x${PRIVATE_KEY};`), 'key=[REDACTED];');
    assert.equal(scrubSecrets(MNEMONIC), '[REDACTED]');
    assert.equal(scrubSecrets('Authorization: Bearer abcdefgh12345678'), 'Authorization: Bearer [REDACTED]');
    const ordinary = 'price of eth is 3000 usd, tx 0x1234abcd';
    assert.equal(scrubSecrets(ordinary), ordinary);
    // Capitalised, comma-separated, on several lines, with a typo, or inside a sentence: still a phrase.
    const capitalised = 'Legal, Winner, Thank, Year, Wave, Sausage, Worth, Useful, Legal, Winner, Thank, Yellow';
    assert.equal(scrubSecrets(capitalised), '[REDACTED]');
    assert.equal(scrubSecrets(MNEMONIC.replaceAll(' ', '\n')), '[REDACTED]');
    assert.equal(scrubSecrets(`import wallet ${MNEMONIC.replace('sausage', 'sausag')} please`).includes('winner'), false);
    // Prose of short words is not a phrase.
    const prose = 'the price oracle could not reach any source within the deadline so the cache answered with older data';
    assert.equal(scrubSecrets(prose), prose);
    // A 40-hex address is not a key.
    const address = '0x52908400098527886E0F7030069857D2E4169EE7';
    assert.equal(scrubSecrets(address), address);
  });
});
