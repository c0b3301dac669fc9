import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentWords, editDistance, normalize, similarity, withinOneEdit, words, wordsMatch } from './text-similarity.js';

describe('normalize', () => {
  it('lower-cases, drops accents, apostrophes and punctuation, and squeezes spaces', () => {
    assert.equal(normalize("  What's   the PRICE of Café-token?! "), 'whats the price of cafe token');
    assert.equal(normalize('get_status'), 'get_status');
    assert.equal(normalize('1.5 eth for $pepe...'), '1.5 eth for $pepe');
    assert.equal(normalize('🚀🚀'), '');
    assert.deepEqual(words('  '), []);
  });
});

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    assert.equal(editDistance('status', 'status'), 0);
    assert.equal(editDistance('status', 'statu'), 1);
    assert.equal(editDistance('status', 'statues'), 1);
    assert.equal(editDistance('status', 'stbtus'), 1);
    assert.equal(editDistance('kitten', 'sitting', 3), 3);
    assert.equal(editDistance('', 'abc', 3), 3);
  });

  it('counts a transposition of neighbours as one edit', () => {
    assert.equal(editDistance('stauts', 'status'), 1);
    assert.equal(editDistance('ab', 'ba'), 1);
    assert.equal(editDistance('teh', 'the'), 1);
    assert.equal(editDistance('recieve', 'receive'), 1);
  });

  it('stops early past the limit with max + 1', () => {
    assert.equal(editDistance('abcdef', 'uvwxyz', 2), 3);
    assert.equal(editDistance('a', 'abcdef', 2), 3);
    assert.equal(editDistance('price', 'pirce', 1), 1);
  });

  it('is symmetric', () => {
    for (const [a, b] of [['stauts', 'status'], ['kitten', 'sitting'], ['uptime', 'uptiem']] as const) {
      assert.equal(editDistance(a, b, 5), editDistance(b, a, 5));
    }
  });
});

describe('wordsMatch', () => {
  it('allows one typo in words of four letters or more, none in short words', () => {
    assert.equal(wordsMatch('stauts', 'status'), true);
    assert.equal(wordsMatch('uptme', 'uptime'), true);
    assert.equal(wordsMatch('statsu', 'status'), true);
    assert.equal(wordsMatch('sutats', 'status'), false);
    assert.equal(wordsMatch('eth', 'eth'), true);
    assert.equal(wordsMatch('eth', 'etc'), false);
    assert.equal(wordsMatch('up', 'ur'), false);
  });
});

describe('similarity', () => {
  it('is 1 for the same words, 0 for none shared, and prefers a short close message', () => {
    assert.equal(similarity(['status'], ['status']), 1);
    assert.equal(similarity(['pizza'], ['status']), 0);
    assert.equal(similarity([], ['status']), 0);
    const short = similarity(contentWords('status please'), contentWords('status'));
    const long = similarity(contentWords('status of my eth swap on base'), contentWords('status'));
    assert.ok(short > long, `${short} vs ${long}`);
    assert.ok(long > 0);
  });

  it('drops filler words but keeps them when nothing else is left', () => {
    assert.deepEqual(contentWords('can you show me the status please'), ['status']);
    assert.deepEqual(contentWords('are you'), ['are', 'you']);
  });
});

describe('withinOneEdit', () => {
  it('agrees with the edit distance on every kind of one-edit and two-edit pair', () => {
    const words = ['price', 'prices', 'pirce', 'prive', 'rice', 'prce', 'pricee', 'ethereum', 'etherum', 'ehtereum', 'bitcoin', 'bitcon', 'btc', 'balance', 'balnace', 'status', 'stauts', 'statsu', 'xtatus', 'abcd', 'abdc', 'bacd', 'dcba'];
    for (const a of words) {
      for (const b of words) assert.equal(withinOneEdit(a, b), editDistance(a, b, 1) <= 1, `${a} / ${b}`);
    }
  });
});
