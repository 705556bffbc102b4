/** Runs `logharbor server` as a separate process for the bench and samples its memory. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProduction } from './production-build.js';
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in bytes (Linux), from /proc. */
export function rssOf(pid: number): { rss: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return { rss: 0, peak: 0 };
  }
}

/** CPU time (ms) each thread of a process has used so far (Linux, from /proc; empty elsewhere). */
export function threadCpuMs(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        // utime and stime (fields 14 and 15), in clock ticks of 10 ms
        out.set(Number(tid), (Number(fields[11]) + Number(fields[12])) * 10);
      } catch {
        // the thread ended meanwhile
      }
    }
  } catch {
    // not Linux
  }
  return out;
}

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  /** highest RSS seen by sampling, and the kernel's high-water mark */
  peakRss(): number;
  /** highest RSS sampled since the previous call (or the start): a phase's peak */
  phasePeakRss(): number;
  stop(): Promise<void>;
}

let productionBin: string | undefined;

/**
 * The server as users run it (tsc's output via bin/logharbor.js, built once per bench run);
 * LOGHARBOR_BENCH_SERVER=tsx runs the sources under tsx instead (more memory: the transformer).
 */
function serverEntry(): string[] {
  if (process.env['LOGHARBOR_BENCH_SERVER'] === 'tsx') return ['--import', 'tsx', 'src/app/main.ts'];
  productionBin ??= buildProduction(mkdtempSync(join(tmpdir(), 'logharbor-bench-build-')));
  return [productionBin];
}

export async function startServerProcess(dataDir: string, extraArgs: readonly string[] = [], nodeArgs: readonly string[] = []): Promise<ServerProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [...nodeArgs, ...serverEntry(), 'server', '--port', String(port), '--data-dir', dataDir, ...extraArgs],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LOGHARBOR_LOG_LEVEL: 'error' } },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.length > 20_000) stderr = stderr.slice(-10_000);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early: ${stderr}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = child.pid!;
  let sampled = 0;
  let phase = 0;
  const sampler = setInterval(() => {
    const rss = rssOf(pid).rss;
    sampled = Math.max(sampled, rss);
    phase = Math.max(phase, rss);
  }, 100);
  sampler.unref();
  return {
    url,
    pid,
    peakRss: () => Math.max(sampled, rssOf(pid).peak),
    phasePeakRss: () => {
      const peak = Math.max(phase, rssOf(pid).rss);
      phase = 0;
      return peak;
    },
    async stop() {
      clearInterval(sampler);
      sampled = Math.max(sampled, rssOf(pid).peak);
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
