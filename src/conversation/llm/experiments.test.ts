import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Experiments, variantFor } from './experiments.js';

describe('LLM experiments', () => {
  it('gives a user the same variant every time, and about the configured share variant B', () => {
    const ids = Array.from({ length: 4000 }, (_, i) => `usr_${i.toString(16).padStart(8, '0')}`);
    const first = ids.map((id) => variantFor('llm-b', 0.2, id));
    assert.deepEqual(ids.map((id) => variantFor('llm-b', 0.2, id)), first);
    const share = first.filter((v) => v === 'b').length / ids.length;
    assert.ok(share > 0.17 && share < 0.23, `share of B was ${share}`);
    assert.ok(ids.every((id) => variantFor('llm-b', 0, id) === 'a' && variantFor('llm-b', 1, id) === 'b'));
  });

  it('keeps the B group when the share grows, and reshuffles under a new name', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `usr_${i}`);
    const small = ids.filter((id) => variantFor('llm-b', 0.1, id) === 'b');
    assert.ok(small.every((id) => variantFor('llm-b', 0.3, id) === 'b'), 'growing the share only adds users');
    const renamed = ids.filter((id) => variantFor('llm-c', 0.1, id) === 'b');
    assert.notDeepEqual(renamed, small);
  });

  it('counts outcomes per variant, and a later yes for the variant that proposed the write', async () => {
    let now = 0;
    const experiments = new Experiments({
      name: 'llm-b',
      share: 0.5,
      variants: { a: { models: ['m1'], prompt: 'built-in' }, b: { models: ['m2'], prompt: 'custom' } },
      pendingTtlMs: 1000,
      now: () => now,
    });
    experiments.record('a', 'answered');
    experiments.record('b', 'tool_error');
    experiments.noteProposed('pa_1', 'b');
    experiments.noteProposed('pa_2', 'a');
    // The watcher reads the confirm capability's result after it ran.
    const inv = (id: string, name = 'confirm') => ({ capability: { name }, result: { data: { confirmed: { id } } } }) as never;
    await experiments.watchConfirmations(inv('pa_1'), async () => {});
    await experiments.watchConfirmations(inv('pa_1'), async () => {});
    now = 5000;
    await experiments.watchConfirmations(inv('pa_2'), async () => {}); // confirmed after the pending action lapsed
    await experiments.watchConfirmations(inv('pa_other'), async () => {}); // not proposed by the model
    experiments.noteProposed('pa_3', 'b');
    await experiments.watchConfirmations(inv('pa_3', 'cancel'), async () => {});
    const report = experiments.report();
    assert.equal(report.sharePercent, 50);
    assert.deepEqual(report.variants.map((v) => [v.name, v.turns, v.outcomes]), [
      ['a', 1, { answered: 1, tool_error: 0, provider_failure: 0, confirmed: 0 }],
      ['b', 1, { answered: 0, tool_error: 1, provider_failure: 0, confirmed: 1 }],
    ]);
  });
});
