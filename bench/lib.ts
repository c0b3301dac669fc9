import os from 'node:os';

/** One measured figure, optionally against a reference measured in the same run and a target. */
export interface Measurement {
  metric: string;
  value: number;
  unit: string;
  /** A reference measured in the same run (e.g. bare Fastify, bare Map.get). */
  reference?: number;
  /** value / reference, so results carry over between machines. */
  ratio?: number;
  /** The target, in words, e.g. ">= 0.5 ratio" or "<= 10 ms". */
  target?: string;
  pass?: boolean;
}

export interface BenchResult {
  name: string;
  measurements: Measurement[];
}

export interface Bench {
  name: string;
  run(): Promise<BenchResult>;
}

export function machine() {
  return {
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  };
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Calls `fn` in a tight loop for about `ms` milliseconds and returns operations per second. */
export function opsPerSecond(fn: () => void, ms = 500): number {
  // Warm up so the JIT has settled before timing.
  for (let i = 0; i < 10_000; i++) fn();
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 10_000; i++) fn();
    ops += 10_000;
    now = performance.now();
  }
  return (ops / (now - start)) * 1000;
}

/** The middle value (the upper middle for an even count). */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
