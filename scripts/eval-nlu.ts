// Scores the built-in parser on the labeled corpus (test/nlu/*.jsonl): per-capability precision
// and recall, intent accuracy, slot exact match, the off-topic lines kept as "none", and the most
// frequent confusions. Usage: npm run eval:nlu [-- <train|dev|test|extra|all>] [--misses] [--json]
import { appParser, evaluate, EXTRA_SPLITS, loadSplit, SPLITS, type LabeledUtterance, type Split } from '../test/nlu/corpus.js';

const args = process.argv.slice(2);
const asked = args.find((a) => !a.startsWith('--')) ?? 'test';
const known: readonly string[] = [...SPLITS, ...EXTRA_SPLITS];
if (asked !== 'all' && !known.includes(asked)) {
  console.error(`unknown split "${asked}": use ${known.join(', ')} or all`);
  process.exit(2);
}
const lines: LabeledUtterance[] = asked === 'all' ? SPLITS.flatMap((s) => loadSplit(s)) : loadSplit(asked as Split);
const result = evaluate(appParser({ memo: false }), lines);

if (args.includes('--json')) {
  console.log(JSON.stringify({ split: asked, ...result }, null, 2));
} else {
  const pct = (n: number) => `${(n * 100).toFixed(1)}%`;
  console.log(`split ${asked}: ${result.total} utterances\n`);
  const width = Math.max(...result.perIntent.map((r) => r.intent.length), 10);
  console.log(`${'intent'.padEnd(width)}  support  precision  recall      f1`);
  for (const r of result.perIntent) {
    console.log(`${r.intent.padEnd(width)}  ${String(r.support).padStart(7)}  ${pct(r.precision).padStart(9)}  ${pct(r.recall).padStart(6)}  ${pct(r.f1).padStart(6)}`);
  }
  console.log('');
  console.log(`intent accuracy        ${pct(result.intentAccuracy)}`);
  console.log(`slot exact match       ${pct(result.slotExactMatch)}  (${pct(result.slotExactMatchGivenIntent)} where the intent is right)`);
  console.log(`off-topic kept as none ${pct(result.offTopicKept)}`);
  console.log(`capability precision   ${pct(result.capabilityPrecision)}  (answers other than none that are right)`);
  console.log('\ntop confusions (expected → got):');
  if (result.confusions.length === 0) console.log('  none');
  for (const c of result.confusions.slice(0, 10)) console.log(`  ${String(c.count).padStart(3)}  ${c.expected} → ${c.got}`);
  if (args.includes('--misses')) {
    console.log('\nmisses:');
    for (const m of result.misses) {
      console.log(`  ${JSON.stringify(m.text)}\n    want ${m.expected.intent} ${JSON.stringify(m.expected.slots)}\n    got  ${m.got.intent} ${JSON.stringify(m.got.input)} (${m.got.confidence})`);
    }
  }
}
