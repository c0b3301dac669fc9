// A child process for bench/devnet.bench.ts: loads startDevnet from the module given (the compiled
// dist/ build, or the TypeScript source when run with --import tsx), starts a devnet (in memory, or
// persisted in the directory given), prints one JSON line when it is ready, then closes it.
// Usage: node [--import tsx] bench/servers/devnet-start.mjs <path of devnet.js|ts> [journal dir]
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [modulePath, dir] = process.argv.slice(2);
const { startDevnet } = await import(pathToFileURL(modulePath).href);
let ready = {};
const quiet = () => {};
const log = {
  debug: quiet,
  info: (obj, msg) => {
    if (msg === 'devnet ready') ready = obj;
  },
  warn: (obj, msg) => process.stderr.write(`devnet warning: ${msg ?? JSON.stringify(obj)}\n`),
  error: (obj, msg) => process.stderr.write(`devnet error: ${msg ?? JSON.stringify(obj)}\n`),
};
const devnet = await startDevnet({ dir: dir || undefined, log, marketMaker: { intervalMs: 0, seed: 1 } });
// performance.now() counts from this process's start, so it includes loading every module.
process.stdout.write(`${JSON.stringify({ ready: true, sinceProcessStartMs: performance.now(), deployMs: ready.deployMs, startDevnetMs: ready.totalMs })}\n`);
await devnet.close();
