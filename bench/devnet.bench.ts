// Devnet start-up, from spawning a fresh Node process (so module loading counts) to the devnet
// being ready: an in-memory cold start (deployment included), and a restart of a persisted devnet
// that replays a journal of 200 people's transactions (faucet payouts) recorded between 500
// market-maker steps. The child loads the compiled build in dist/ when it is fresh (`npm run bench`
// builds first), else the TypeScript sources through tsx, as bin/mobius does; the metric says which.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getAddress, keccak256, parseEther, parseUnits, toBytes } from 'viem';
import type { Logger } from '../src/core/capability.js';
import { startDevnet } from '../src/chain/devnet/devnet.js';
import type { Bench } from './lib.js';
import { median, round } from './lib.js';
import { root } from './processes.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PAYOUTS = 200;
const MAKER_STEPS = 500;
const COLD_TARGET_MS = 3_000;

const ignore = () => undefined;
const log: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

interface Ready {
  /** Spawn to the "ready" line, measured here. */
  wallMs: number;
  /** The child's own clock at ready: from its process start. */
  sinceProcessStartMs: number;
  /** startDevnet alone (deployment, and replay when persisted), as the devnet logs it. */
  startDevnetMs: number;
}

/** bin/mobius's rule: the build is used when its stamp is newer than every source file. */
function freshBuild(): boolean {
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) return Math.max(m, newest(p));
      return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? Math.max(m, statSync(p).mtimeMs) : m;
    }, 0);
  try {
    return statSync(path.join(root, 'dist', '.build-complete')).mtimeMs >= newest(path.join(root, 'src'));
  } catch {
    return false;
  }
}

function startChild(fromDist: boolean, dir?: string): Promise<Ready> {
  const script = path.join(root, 'bench', 'servers', 'devnet-start.mjs');
  const module = fromDist ? path.join(root, 'dist', 'chain', 'devnet', 'devnet.js') : path.join(root, 'src', 'chain', 'devnet', 'devnet.ts');
  const started = performance.now();
  const child = spawn(process.execPath, [...(fromDist ? [] : ['--import', 'tsx']), script, module, ...(dir ? [dir] : [])], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let ready: Ready | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (!ready && out.includes('\n')) {
        const line = JSON.parse(out.slice(0, out.indexOf('\n'))) as { sinceProcessStartMs: number; startDevnetMs: number };
        ready = { wallMs: performance.now() - started, sinceProcessStartMs: line.sinceProcessStartMs, startDevnetMs: line.startDevnetMs };
      }
    });
    // Wait for the exit too: a persisted devnet holds its journal's lock until it has closed.
    child.once('exit', (code) => (ready && code === 0 ? resolve(ready) : reject(new Error(`devnet child exited ${code} before ready`))));
  });
}

/** Runs the child once unmeasured (disk cache, tsx's transform cache), then RUNS times. */
async function measure(fromDist: boolean, dir?: string): Promise<Ready[]> {
  await startChild(fromDist, dir);
  const runs: Ready[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await startChild(fromDist, dir));
  return runs;
}

/** A persisted devnet with PAYOUTS journaled faucet payouts spread over MAKER_STEPS market moves. */
async function recordJournal(dir: string): Promise<{ lines: number; bytes: number }> {
  const devnet = await startDevnet({ dir, log, marketMaker: { intervalMs: 0, seed: 1 } });
  try {
    const symbols = ['ETH', 'USDC', 'DAI', 'LINK'] as const;
    const amounts = { ETH: parseEther('0.5'), USDC: parseUnits('100', 6), DAI: parseEther('100'), LINK: parseEther('5') };
    const stepsPerPayout = MAKER_STEPS / PAYOUTS;
    let steps = 0;
    for (let i = 0; i < PAYOUTS; i++) {
      for (; steps < Math.round((i + 1) * stepsPerPayout); steps++) await devnet.marketMaker.step();
      const to = getAddress(`0x${keccak256(toBytes(`bench person ${i % 50}`)).slice(26)}`);
      const symbol = symbols[i % symbols.length]!;
      await devnet.faucet.drip(to, symbol, amounts[symbol]);
    }
  } finally {
    await devnet.close();
  }
  const text = readFileSync(path.join(dir, 'journal.jsonl'), 'utf8');
  return { lines: text.split('\n').filter(Boolean).length, bytes: Buffer.byteLength(text) };
}

const bench: Bench = {
  name: 'devnet',
  async run() {
    const fromDist = freshBuild();
    const mode = fromDist ? 'dist build' : 'tsx, no fresh build';
    const cold = await measure(fromDist);
    const dir = mkdtempSync(path.join(tmpdir(), 'mobius-bench-devnet-'));
    let journal: { lines: number; bytes: number };
    let restarts: Ready[];
    try {
      journal = await recordJournal(dir);
      restarts = await measure(fromDist, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const coldMedian = round(median(cold.map((r) => r.wallMs)), 0);
    const restartMedian = round(median(restarts.map((r) => r.wallMs)), 0);
    return {
      name: 'devnet',
      measurements: [
        {
          metric: `cold start, spawn → ready, in memory (${mode}, median of ${RUNS})`,
          value: coldMedian,
          unit: 'ms',
          target: `<= ${COLD_TARGET_MS} ms`,
          pass: coldMedian <= COLD_TARGET_MS,
        },
        { metric: `cold start, slowest of ${RUNS}`, value: round(Math.max(...cold.map((r) => r.wallMs)), 0), unit: 'ms' },
        { metric: 'cold start: startDevnet alone (deploy), median', value: round(median(cold.map((r) => r.startDevnetMs)), 0), unit: 'ms' },
        {
          metric: `restart replaying ${PAYOUTS} txs + ${MAKER_STEPS} maker steps (${journal.lines} journal lines, ${round(journal.bytes / 1024, 0)} KiB), median of ${RUNS}`,
          value: restartMedian,
          unit: 'ms',
          reference: coldMedian,
          ratio: round(restartMedian / coldMedian, 2),
        },
        { metric: `restart, slowest of ${RUNS}`, value: round(Math.max(...restarts.map((r) => r.wallMs)), 0), unit: 'ms' },
        { metric: 'restart: startDevnet alone (deploy + replay), median', value: round(median(restarts.map((r) => r.startDevnetMs)), 0), unit: 'ms' },
      ],
    };
  },
};
export default bench;
