import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { readConfirmation } from './yes-no.js';

describe('readConfirmation', () => {
  it('reads the usual ways of saying yes', () => {
    for (const text of ['yes', 'Yes!', 'YEP', 'yeah', 'sure', 'ok', 'go ahead', 'Go ahead please', 'do it', 'confirm', 'confrim', 'proceed', '👍', '✅', 'yes please', "let's go"]) {
      assert.deepEqual(readConfirmation(text), { answer: 'yes' }, text);
    }
  });

  it('reads the usual ways of saying no', () => {
    for (const text of ['no', 'No.', 'nope', 'nah', 'cancel', 'cancle', 'stop', 'never mind', 'nvm', "don't", 'forget it', '👎', '❌', 'no thanks']) {
      assert.deepEqual(readConfirmation(text), { answer: 'no' }, text);
    }
  });

  it('reads what a button sends, with the pending action it names', () => {
    const id = 'pa_0123456789abcdef0123456789abcdef';
    assert.deepEqual(readConfirmation(`confirm ${id}`), { answer: 'yes', id });
    assert.deepEqual(readConfirmation(`/cancel ${id}`), { answer: 'no', id });
    assert.equal(readConfirmation('confirm pa_123'), undefined);
  });

  it('leaves questions and near-misses alone', () => {
    for (const text of ['no, what is the price of eth', 'yes and chart btc', 'yesterday', 'note', 'node', 'none', 'step', 'price of eth', 'nothing', 'go to base', '']) {
      assert.equal(readConfirmation(text), undefined, text);
    }
  });

  it('never throws, and answers only yes, no or nothing', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const read = readConfirmation(text);
        assert.ok(read === undefined || read.answer === 'yes' || read.answer === 'no');
      }),
    );
  });
});
