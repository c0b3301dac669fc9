// Start-up to ready and idle memory of `bin/mobius serve` (the compiled build, no devnet), from a
// fresh data directory (so migrations run) and again on the same data (a restart).
import type { Bench } from './lib.js';
import { round } from './lib.js';
import { rssMiB, startMobius, waitFor } from './processes.js';

const RUNS = 3;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const bench: Bench = {
  name: 'startup',
  async run() {
    const nodeBaseline = await (async () => {
      const { spawn } = await import('node:child_process');
      const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 500));
      const rss = rssMiB(child.pid!);
      child.kill();
      return rss;
    })();
    const startups: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const mobius = await startMobius();
      try {
        await waitFor(`${mobius.url}/ready`);
        startups.push(performance.now() - mobius.startedAt);
        await new Promise((r) => setTimeout(r, 2000)); // idle
        rss.push(rssMiB(mobius.child.pid!));
      } finally {
        await mobius.stop();
      }
    }
    const startup = round(median(startups), 0);
    const idle = round(median(rss), 1);
    return {
      name: 'startup',
      measurements: [
        { metric: 'spawn → /ready 200 (fresh data dir, median of 3)', value: startup, unit: 'ms', target: '<= 1500 ms', pass: startup <= 1500 },
        { metric: 'idle RSS after ready (median of 3)', value: idle, unit: 'MiB', reference: round(nodeBaseline, 1), ratio: round(idle / nodeBaseline, 2), target: '<= 80 MiB', pass: idle <= 80 },
      ],
    };
  },
};
export default bench;
