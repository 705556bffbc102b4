/**
 * Agent footprint while shipping 10,000 lines/s: `logharbor run` wraps a program writing 10,000
 * lines per second (100 bytes each) for ~10 s, against a local Logharbor server in this process.
 * Reports the agent process's resident memory (VmRSS, peak and mean) and CPU (utime + stime) as a
 * percentage of one core, and checks that every line arrived. Targets: <= 60 MB, <= 15%.
 *
 * The agent runs as users run it: `node bin/logharbor.js run ...` over what `npm run build` makes
 * (tsc's output, one module per file), compiled into a temp dir. The production build loads more
 * module files than a bundle and measured 1-5 MB more RSS than the esbuild bundle this bench used
 * to measure, so the bundle is now only an option (LOGHARBOR_BENCH_AGENT=bundle; without esbuild it
 * falls back to tsx, which adds its own loader to RSS).
 *
 *   npx tsx bench/agent.ts
 */
import { GetLogEventsCommand, CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startServer } from '../src/app/server.js';
import { loadServerConfig } from '../src/config/config.js';
import { buildProduction } from './lib/production-build.js';

const LINES_PER_SECOND = 10_000;
const SECONDS = 10;
const WARMUP_MS = 2000;
const root = resolve(import.meta.dirname, '..');

function clockTicksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
}

function cpuTicks(pid: number): number {
  // /proc/<pid>/stat: fields 14 and 15 (utime, stime) after the parenthesised command name.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** Bundles the agent into one file with esbuild (a dependency of tsx); undefined if unavailable. */
async function bundleAgent(dir: string): Promise<string | undefined> {
  let esbuild: { build(options: object): Promise<unknown> };
  try {
    const require = createRequire(join(root, 'node_modules', 'tsx', 'package.json'));
    esbuild = (await import(pathToFileURL(require.resolve('esbuild')).href)) as typeof esbuild;
  } catch {
    return undefined;
  }
  const entry = join(dir, 'entry.ts');
  writeFileSync(entry, `import { runAgentCommand } from ${JSON.stringify(join(root, 'src', 'agent', 'main.ts'))};\nrunAgentCommand(process.argv.slice(2)).then((code) => { process.exitCode = code; });\n`);
  const outfile = join(dir, 'agent.mjs');
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    outfile,
    logLevel: 'error',
    absWorkingDir: root,
    nodePaths: [join(root, 'node_modules')],
    banner: { js: "import { createRequire as __lhCreateRequire } from 'node:module'; const require = __lhCreateRequire(import.meta.url);" },
  });
  return outfile;
}

export async function benchAgent(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'logharbor-bench-agent-'));
  const config = { ...loadServerConfig({ port: '0', 'data-dir': join(dir, 'data'), 'sqlite-synchronous': 'NORMAL' }, {}) };
  const server = await startServer(config, { logger: { info: () => {}, error: () => {} } });
  const client = new CloudWatchLogsClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 3 });
  try {
    const writer = join(dir, 'writer.cjs');
    const total = LINES_PER_SECOND * SECONDS;
    // 100 lines every 10 ms, each 100 bytes with its newline; paced against the clock, not timers.
    writeFileSync(
      writer,
      `const fs = require('fs');
       const pad = 'x'.repeat(80);
       const start = Date.now();
       let i = 0;
       function tick() {
         const due = Math.min(${total}, Math.floor((Date.now() - start) * ${LINES_PER_SECOND} / 1000));
         let out = '';
         for (; i < due; i++) out += 'line ' + String(i).padStart(8, '0') + ' ' + pad + '\\n';
         if (out) fs.writeSync(1, out);
         if (i < ${total}) setTimeout(tick, 10);
       }
       tick();`,
    );
    const production = process.env['LOGHARBOR_BENCH_AGENT'] === 'bundle' ? undefined : buildProduction(dir);
    const bundle = production ? undefined : await bundleAgent(dir);
    const agentArgs = ['run', '--endpoint', server.url, '--group', '/bench/agent', '--stream', 'writer', '--no-spool', '--final-flush-timeout-ms', '10000', '--', process.execPath, writer];
    const nodeFlags = (process.env['LOGHARBOR_BENCH_NODE_FLAGS'] ?? '').split(' ').filter(Boolean);
    const argv = production
      ? [...nodeFlags, production, ...agentArgs]
      : bundle
        ? [...nodeFlags, bundle, ...agentArgs]
        : ['--import', 'tsx', join(root, 'src', 'agent', 'bench-entry.ts'), ...agentArgs];
    const child = spawn(process.execPath, argv, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, XDG_STATE_HOME: join(dir, 'state') } });
    const pid = child.pid!;
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const started = Date.now();
    const samples: number[] = [];
    let peak = 0;
    let ticksAtWarmup = 0;
    let ticksAtEnd = 0;
    let warmupAt = 0;
    let endAt = 0;
    const sampler = setInterval(() => {
      try {
        const rss = rssMb(pid);
        const elapsed = Date.now() - started;
        if (elapsed >= WARMUP_MS && elapsed <= SECONDS * 1000) {
          if (warmupAt === 0) {
            warmupAt = Date.now();
            ticksAtWarmup = cpuTicks(pid);
          }
          samples.push(rss);
          peak = Math.max(peak, rss);
          ticksAtEnd = cpuTicks(pid);
          endAt = Date.now();
        }
      } catch {
        // the process has exited
      }
    }, 250);
    const code = await exited;
    clearInterval(sampler);
    if (code !== 0) throw new Error(`agent exited with ${code}`);
    const cpuSeconds = (ticksAtEnd - ticksAtWarmup) / clockTicksPerSecond();
    const wallSeconds = (endAt - warmupAt) / 1000;

    let shipped = 0;
    let token: string | undefined;
    for (;;) {
      const page = await client.send(new GetLogEventsCommand({ logGroupName: '/bench/agent', logStreamName: 'writer', startFromHead: true, ...(token ? { nextToken: token } : {}) }));
      shipped += page.events?.length ?? 0;
      if (!page.nextForwardToken || page.nextForwardToken === token) break;
      token = page.nextForwardToken;
    }
    return {
      agent_lines_per_second: LINES_PER_SECOND,
      agent_lines_written: total,
      agent_lines_shipped: shipped,
      rss_mb: round(peak),
      rss_mb_mean: round(samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length)),
      cpu_percent_of_one_core: round((cpuSeconds / wallSeconds) * 100),
      agent_bundled: bundle ? 1 : 0,
      agent_production_build: production ? 1 : 0,
    };
  } finally {
    client.destroy();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // esbuild's service does not keep the event loop alive while it works.
  const keepAlive = setInterval(() => {}, 1000);
  benchAgent().finally(() => clearInterval(keepAlive)).then(
    (figures) => {
      for (const [name, value] of Object.entries(figures)) console.log(`${name.padEnd(28)} ${value}`);
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
