// Start-up to ready and idle memory of `bin/mobius serve` (the compiled build), from a fresh data
// directory (so migrations run). The targets are for the server without the devnet (CHAINS=none);
// the default start with the devnet is measured alongside. Node's own RSS is the reference.
import type { Bench } from './lib.js';
import { median, round } from './lib.js';
import { rssMiB, startMobius, waitFor } from './processes.js';

const RUNS = 3;
const NO_CHAINS = { CHAINS: 'none' };
const IDLE_S = 30;

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
    const rssSoon: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const mobius = await startMobius(NO_CHAINS);
      try {
        await waitFor(`${mobius.url}/ready`);
        startups.push(performance.now() - mobius.startedAt);
        await new Promise((r) => setTimeout(r, 2000));
        rssSoon.push(rssMiB(mobius.child.pid!));
      } finally {
        await mobius.stop();
      }
    }
    // Idle for real: V8 gives back start-up memory once the process has been quiet for a while.
    const idle = await startMobius(NO_CHAINS);
    let rssIdle: number;
    try {
      await waitFor(`${idle.url}/ready`);
      await new Promise((r) => setTimeout(r, IDLE_S * 1000));
      rssIdle = rssMiB(idle.child.pid!);
    } finally {
      await idle.stop();
    }
    // What `npm start` does with no configuration: deploy the devnet, then serve.
    const withDevnet: number[] = [];
    let rssDevnet = 0;
    for (let i = 0; i < RUNS; i++) {
      const mobius = await startMobius({ DEVNET_MARKET_MAKER_INTERVAL_MS: '3000' });
      try {
        await waitFor(`${mobius.url}/ready`);
        withDevnet.push(performance.now() - mobius.startedAt);
        await new Promise((r) => setTimeout(r, 2000));
        rssDevnet = rssMiB(mobius.child.pid!);
      } finally {
        await mobius.stop();
      }
    }
    const startup = round(median(startups), 0);
    const soon = round(median(rssSoon), 1);
    const quiet = round(rssIdle, 1);
    const baseline = round(nodeBaseline, 1);
    return {
      name: 'startup',
      measurements: [
        { metric: 'spawn → /ready 200 (fresh data dir, median of 3)', value: startup, unit: 'ms', target: '<= 1500 ms', pass: startup <= 1500 },
        { metric: 'RSS 2 s after ready (median of 3)', value: soon, unit: 'MiB', reference: baseline, ratio: round(soon / baseline, 2) },
        { metric: `idle RSS, ${IDLE_S} s after ready`, value: quiet, unit: 'MiB', reference: baseline, ratio: round(quiet / baseline, 2), target: '<= 80 MiB', pass: quiet <= 80 },
        { metric: 'with the devnet (npm start defaults): spawn → /ready, median of 3', value: round(median(withDevnet), 0), unit: 'ms', reference: startup, ratio: round(median(withDevnet) / startup, 2) },
        { metric: 'with the devnet: RSS 2 s after ready', value: round(rssDevnet, 1), unit: 'MiB', reference: soon, ratio: round(rssDevnet / soon, 2) },
      ],
    };
  },
};
export default bench;
