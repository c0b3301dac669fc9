// One autocannon round against POST /v1/chat (or any JSON POST), with the server's CPU time per
// request: shared by the benchmarks that compare Möbius with a bare Fastify in the same run.
import autocannon from 'autocannon';
import { cpuSeconds } from './processes.js';

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
