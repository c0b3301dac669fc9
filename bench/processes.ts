import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const root = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export async function waitFor(url: string, timeoutMs = 15_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return performance.now() - started;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > timeoutMs) throw new Error(`${url} not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return kb / 1024;
}

/** User + system CPU time a process has used, in seconds (from /proc). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of the full line: 12 and 13 after the command name.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export interface MobiusProcess {
  child: ChildProcess;
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** Starts `bin/mobius serve` (the compiled build) on a free port with a fresh data directory. */
export async function startMobius(env: Record<string, string> = {}): Promise<MobiusProcess & { startedAt: number }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'mobius-bench-'));
  const port = await freePort();
  const startedAt = performance.now();
  // What `npm start` runs.
  const child = spawn(process.execPath, [path.join(root, 'bin', 'mobius'), 'serve'], {
    cwd: root,
    env: { ...process.env, MOBIUS_PORT: String(port), MOBIUS_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    dataDir,
    startedAt,
    stop: () => stopChild(child, () => rmSync(dataDir, { recursive: true, force: true })),
  };
}

export function mobiusCli(args: string[], dataDir: string, env: Record<string, string> = {}): string {
  const out = spawnSync(process.execPath, [path.join(root, 'bin', 'mobius'), ...args], {
    cwd: root,
    env: { ...process.env, MOBIUS_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`mobius ${args.join(' ')} failed: ${out.stderr}`);
  return out.stdout;
}

export async function startHelloFastify(): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(root, 'bench', 'servers', 'hello-fastify.mjs')], {
    cwd: root,
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`hello server exited ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess, after?: () => void): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) {
      after?.();
      resolve();
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      after?.();
      resolve();
    });
    child.kill('SIGTERM');
  });
}
