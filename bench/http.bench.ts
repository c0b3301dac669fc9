// POST /v1/chat {"text":"help"} through the whole pipeline (auth, identity, rate limit, parser,
// invoker, metrics) against a bare Fastify hello-world measured in the same run, both in their own
// process, loaded by autocannon from this one.
import autocannon from 'autocannon';
import type { Bench, Measurement } from './lib.js';
import { round } from './lib.js';
import { mobiusCli, startHelloFastify, startMobius, waitFor } from './processes.js';

const CONNECTIONS = 32;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);

async function load(url: string, headers: Record<string, string>) {
  const body = JSON.stringify({ user: 'bench', text: 'help' });
  const opts = { url: `${url}/v1/chat`, method: 'POST' as const, headers: { 'content-type': 'application/json', ...headers }, body, connections: CONNECTIONS };
  await autocannon({ ...opts, duration: 2 }); // warm-up: JIT, caches, connection setup
  return autocannon({ ...opts, duration: DURATION_S });
}

const bench: Bench = {
  name: 'http',
  async run() {
    const hello = await startHelloFastify();
    const helloResult = await load(hello.url, {});
    await hello.stop();

    const mobius = await startMobius({ MOBIUS_RATE_LIMIT_ADMIN: '1000000000' });
    let result: autocannon.Result;
    try {
      await waitFor(`${mobius.url}/ready`);
      const key = (JSON.parse(mobiusCli(['apikey', 'create', '--tier', 'admin', '--label', 'bench', '--json'], mobius.dataDir)) as { key: string }).key;
      result = await load(mobius.url, { authorization: `Bearer ${key}` });
    } finally {
      await mobius.stop();
    }
    const failures = result.non2xx + result.errors + result.timeouts;
    const rps = round(result.requests.average, 0);
    const ref = round(helloResult.requests.average, 0);
    const ratio = round(rps / ref, 3);
    const measurements: Measurement[] = [
      { metric: `chat "help" req/s (${CONNECTIONS} conns)`, value: rps, unit: 'req/s', reference: ref, ratio, target: '>= 0.5 ratio', pass: ratio >= 0.5 && failures === 0 },
      { metric: 'chat "help" p99 latency', value: result.latency.p99, unit: 'ms', reference: helloResult.latency.p99, ratio: round(result.latency.p99 / Math.max(helloResult.latency.p99, 1), 2), target: '<= 10 ms', pass: result.latency.p99 <= 10 },
      { metric: 'chat "help" p50 latency', value: result.latency.p50, unit: 'ms', reference: helloResult.latency.p50 },
      { metric: 'non-2xx, errors, timeouts', value: failures, unit: 'responses', target: '== 0', pass: failures === 0 },
    ];
    return { name: 'http', measurements };
  },
};
export default bench;
