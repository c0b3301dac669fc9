// Runs every bench/*.bench.ts (or those named on the command line), prints a table and writes
// bench/results/<name>.json plus bench/results/latest.json.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, type Bench, type BenchResult } from './lib.js';

const dir = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const results: BenchResult[] = [];
for (const file of files) {
  const mod = (await import(path.join(dir, file))) as { default: Bench };
  process.stderr.write(`running ${mod.default.name} …\n`);
  results.push(await mod.default.run());
}

const rows = results.flatMap((r) =>
  r.measurements.map((m) => ({
    bench: r.name,
    metric: m.metric,
    value: `${m.value} ${m.unit}`,
    reference: m.reference === undefined ? '' : `${m.reference} ${m.unit}`,
    ratio: m.ratio === undefined ? '' : String(m.ratio),
    target: m.target ?? '',
    pass: m.pass === undefined ? '' : m.pass ? 'yes' : 'NO',
  })),
);
const columns = ['bench', 'metric', 'value', 'reference', 'ratio', 'target', 'pass'] as const;
const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => r[c].length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
console.log(line([...columns]));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line(columns.map((c) => r[c])));

const out = { at: new Date().toISOString(), machine: machine(), results };
mkdirSync(path.join(dir, 'results'), { recursive: true });
for (const r of results) writeFileSync(path.join(dir, 'results', `${r.name}.json`), JSON.stringify({ ...out, results: [r] }, null, 2));
writeFileSync(path.join(dir, 'results', 'latest.json'), JSON.stringify(out, null, 2));
console.log(`\nJSON: ${path.relative(process.cwd(), path.join(dir, 'results', 'latest.json'))}`);
if (rows.some((r) => r.pass === 'NO')) process.exitCode = 1;
