import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appParser, evaluate, EXTRA_SPLITS, loadSplit, SPLITS } from './corpus.js';

// Measured on the held-out test split (tune on train and dev, never here). Issue 6 asks for 97 %
// intent accuracy and 93 % slot exact match; the parser is not there yet (91.5 % and 91.2 % when
// these floors were set), so they guard what it reaches today against regressions, and are raised
// as it improves until they meet the targets.
const INTENT_ACCURACY = 0.91;
const SLOT_EXACT_MATCH = 0.91;
const OFF_TOPIC_KEPT = 0.88;

describe('NLU corpus', () => {
  it('has at least 800 labeled utterances, every split distinct from the others', () => {
    const splits = SPLITS.map((s) => loadSplit(s));
    assert.ok(splits.flat().length >= 800, `only ${splits.flat().length} utterances`);
    const key = (t: string) => t.toLowerCase().replace(/\s+/g, ' ').trim();
    const seen = new Map<string, string>();
    for (const split of [...SPLITS, ...EXTRA_SPLITS]) {
      const own = new Set(loadSplit(split).map((l) => key(l.text)));
      for (const text of own) {
        const other = seen.get(text);
        assert.ok(other === undefined, `"${text}" is in ${other} and ${split}`);
      }
      for (const text of own) seen.set(text, split);
    }
  });

  it('covers every capability in every split', async () => {
    const { capabilities } = await import('../../src/capabilities/index.js');
    for (const split of [...SPLITS, ...EXTRA_SPLITS]) {
      const intents = new Set(loadSplit(split).map((l) => l.intent));
      const missing = capabilities.map((c) => c.name).filter((name) => !intents.has(name));
      assert.deepEqual(missing, [], `${split} lacks ${missing.join(', ')}`);
      assert.ok(intents.has('none'), `${split} has no off-topic lines`);
    }
  });
});

describe('parser accuracy on the test split', () => {
  const result = evaluate(appParser({ memo: false }), loadSplit('test'));
  const misses = () => result.misses.map((m) => `${JSON.stringify(m.text)}: want ${m.expected.intent} ${JSON.stringify(m.expected.slots)}, got ${m.got.intent} ${JSON.stringify(m.got.input)}`).join('\n');

  it(`names the right intent for at least ${INTENT_ACCURACY * 100}% of messages`, () => {
    assert.ok(result.intentAccuracy >= INTENT_ACCURACY, `intent accuracy ${(result.intentAccuracy * 100).toFixed(1)}%\n${misses()}`);
  });

  it(`fills the exact input for at least ${SLOT_EXACT_MATCH * 100}% of requests`, () => {
    assert.ok(result.slotExactMatch >= SLOT_EXACT_MATCH, `slot exact match ${(result.slotExactMatch * 100).toFixed(1)}%\n${misses()}`);
  });

  it('leaves off-topic text as none instead of forcing a capability', () => {
    assert.ok(result.offTopicKept >= OFF_TOPIC_KEPT, `off-topic kept ${(result.offTopicKept * 100).toFixed(1)}%\n${misses()}`);
  });
});
