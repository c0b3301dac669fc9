// One autocannon round against POST /v1/chat (or any JSON POST), with the server's CPU time per
// request: shared by the benchmarks that compare Möbius with a bare Fastify in the same run.
import autocannon from 'autocannon';
import { cpuSeconds, mobiusCli, startHelloFastify, startMobius, waitFor } from './processes.js';

export const CONNECTIONS = 32;

export interface Round {
  rps: number;
  p99: number;
  p50: number;
  failures: number;
  cpuMicrosPerRequest: number;
}

export async function chatRound(url: string, pid: number, headers: Record<string, string>, duration: number, text = 'help'): Promise<Round> {
  const cpu0 = cpuSeconds(pid);
  const r = await autocannon({
    url: `${url}/v1/chat`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ user: 'bench', text }),
    connections: CONNECTIONS,
    duration,
  });
  const cpu = cpuSeconds(pid) - cpu0;
  return {
    rps: r.requests.average,
    p99: r.latency.p99,
    p50: r.latency.p50,
    failures: r.non2xx + r.errors + r.timeouts,
    cpuMicrosPerRequest: (cpu * 1e6) / Math.max(1, r.requests.total),
  };
}

/**
 * Starts a bare Fastify and a Möbius (with `env`), warms both, then measures them in alternating
 * rounds: this machine's speed drifts second to second, so only rounds taken side by side compare.
 */
export async function pairedChatRounds(env: Record<string, string>, text: string, rounds: number, roundSeconds: number): Promise<{ ours: Round[]; reference: Round[] }> {
  const hello = await startHelloFastify();
  const mobius = await startMobius({ MOBIUS_RATE_LIMIT_ADMIN: '1000000000', ...env });
  const ours: Round[] = [];
  const reference: Round[] = [];
  try {
    await waitFor(`${mobius.url}/ready`);
    const created = JSON.parse(mobiusCli(['apikey', 'create', '--tier', 'admin', '--label', 'bench', '--json'], mobius.dataDir)) as { key: string };
    const auth = { authorization: `Bearer ${created.key}` };
    // Warm-up: JIT, caches, connection setup.
    await chatRound(hello.url, hello.pid, {}, 3);
    await chatRound(mobius.url, mobius.child.pid!, auth, 3, text);
    for (let i = 0; i < rounds; i++) {
      reference.push(await chatRound(hello.url, hello.pid, {}, roundSeconds));
      ours.push(await chatRound(mobius.url, mobius.child.pid!, auth, roundSeconds, text));
    }
  } finally {
    await hello.stop();
    await mobius.stop();
  }
  return { ours, reference };
}
