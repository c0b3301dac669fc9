// The built-in parser: throughput on the labeled corpus (every split, one core) with the memo off,
// so every message is parsed in full — and, for reference, with the memo on as the app runs it —
// the p99 latency per message, and the slowest parse of random 4 KB strings.
import type { IntentParser } from '../src/conversation/parser.js';
import { appParser, loadSplit, SPLITS } from '../test/nlu/corpus.js';
import { round, type BenchResult } from './lib.js';

let sink: unknown;

function throughput(parser: IntentParser, texts: readonly string[], ms = 1500): number {
  for (let i = 0; i < 3; i++) for (const t of texts) sink = parser.parse(t);
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (const t of texts) sink = parser.parse(t);
    n += texts.length;
    now = performance.now();
  }
  return (n / (now - start)) * 1000;
}

function p99(parser: IntentParser, texts: readonly string[], rounds = 20): number {
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const t of texts) {
      const start = performance.now();
      sink = parser.parse(t);
      times.push(performance.now() - start);
    }
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length * 0.99)]!;
}

/** Deterministic random text (a fixed-seed xorshift), printable ASCII, spaces, digits, emoji and 0x runs. */
function randomTexts(count: number, length: number): string[] {
  let x = 0x9e3779b9;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const pieces = [' ', ' ', 'eth ', '0x', '$', '1,000', '.', 'on ', 'in ', 'wallet ', '🚀', 'a', 'e', 'z', '9', '"', "'", 'ffff', 'to '];
  return Array.from({ length: count }, () => {
    let s = '';
    while (s.length < length) s += next() < 0.5 ? String.fromCharCode(32 + Math.floor(next() * 95)) : pieces[Math.floor(next() * pieces.length)]!;
    return s.slice(0, length);
  });
}

export default {
  name: 'parser',
  async run(): Promise<BenchResult> {
    const texts = SPLITS.flatMap((s) => loadSplit(s)).map((l) => l.text);
    const cold = appParser({ memo: false });
    const opsNoMemo = throughput(cold, texts);
    const p99NoMemo = p99(cold, texts);
    const opsMemo = throughput(appParser(), texts);
    const random = randomTexts(200, 4096);
    let worst = 0;
    for (const t of random) {
      const start = performance.now();
      sink = cold.parse(t);
      worst = Math.max(worst, performance.now() - start);
    }
    void sink;
    return {
      name: 'parser',
      measurements: [
        { metric: `corpus throughput, memo off (${texts.length} msgs)`, value: Math.round(opsNoMemo), unit: 'msg/s', target: '>= 50000 msg/s', pass: opsNoMemo >= 50_000 },
        { metric: 'corpus p99 latency, memo off', value: round(p99NoMemo, 4), unit: 'ms', target: '<= 0.5 ms', pass: p99NoMemo <= 0.5 },
        { metric: 'corpus throughput, memo on (app setting)', value: Math.round(opsMemo), unit: 'msg/s' },
        { metric: 'max parse time, random 4 KB strings (200)', value: round(worst, 3), unit: 'ms', target: '< 1 ms', pass: worst < 1 },
      ],
    };
  },
};
