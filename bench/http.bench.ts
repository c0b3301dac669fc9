// POST /v1/chat {"text":"help"} through the whole pipeline (API-key auth, identity, rate limits,
// parser, invoker, metrics, request-context logging) against a bare Fastify hello-world measured in
// the same run. Both servers run in their own process, loaded by autocannon from this one.
//
// This machine's speed drifts by ±30% from second to second (shared 2-core VM), so the two servers
// are measured in alternating short rounds and the median of the per-round ratios is reported,
// next to the server CPU time per request, which depends less on what autocannon gets.
import type { Bench } from './lib.js';
import { median, round } from './lib.js';
import { CONNECTIONS, pairedChatRounds } from './load.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_S = Number(process.env.BENCH_ROUND_S ?? 4);

const bench: Bench = {
  name: 'http',
  async run() {
    // The HTTP and assistant path alone: no devnet whose market-maker would add noise.
    const { ours, reference } = await pairedChatRounds({ CHAINS: 'none' }, 'help', ROUNDS, ROUND_S);
    const ratios = ours.map((o, i) => o.rps / reference[i]!.rps);
    const ratio = round(median(ratios), 3);
    const failures = ours.reduce((n, r) => n + r.failures, 0);
    const p99 = median(ours.map((r) => r.p99));
    const cpuOurs = median(ours.map((r) => r.cpuMicrosPerRequest));
    const cpuRef = median(reference.map((r) => r.cpuMicrosPerRequest));
    return {
      name: 'http',
      measurements: [
        {
          metric: `chat "help" req/s, ${CONNECTIONS} conns (median of ${ROUNDS} paired rounds; ratios ${ratios.map((r) => r.toFixed(2)).join(' ')})`,
          value: round(median(ours.map((r) => r.rps)), 0),
          unit: 'req/s',
          reference: round(median(reference.map((r) => r.rps)), 0),
          ratio,
          target: '>= 0.5 ratio',
          pass: ratio >= 0.5,
        },
        { metric: 'chat "help" p99 latency (median of rounds)', value: p99, unit: 'ms', reference: median(reference.map((r) => r.p99)), target: '<= 10 ms', pass: p99 <= 10 },
        { metric: 'chat "help" p50 latency (median of rounds)', value: median(ours.map((r) => r.p50)), unit: 'ms', reference: median(reference.map((r) => r.p50)) },
        { metric: 'server CPU per request', value: round(cpuOurs, 1), unit: 'µs', reference: round(cpuRef, 1), ratio: round(cpuRef / cpuOurs, 3) },
        { metric: 'non-2xx, errors, timeouts', value: failures, unit: 'responses', target: '== 0', pass: failures === 0 },
      ],
    };
  },
};
export default bench;
