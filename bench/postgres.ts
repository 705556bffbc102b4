/**
 * The PostgreSQL store's figures: ingest events/s and GetLogEvents p50/p99, through the AWS SDK
 * over HTTP against `logharbor server --store postgres://...` in its own process, on a local
 * PostgreSQL started for the run with fsync and synchronous commit on (an acknowledged batch is
 * on disk). Targets: ingest >= 100,000 events/s, GetLogEvents p99 <= 25 ms.
 *
 * Standalone: `npx tsx bench/postgres.ts` (PG_BENCH_SECONDS, PG_BENCH_WRITERS tune it).
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  type InputLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startServerProcess, type ServerProcess } from './lib/server-process.js';
import { percentile, round } from './lib/stats.js';
import { startPostgres } from '../test/helpers/postgres.js';
import { LogGenerator } from './lib/generate.js';

export interface PostgresBenchOptions {
  /** concurrent PutLogEvents callers, one stream each (agents on different hosts) */
  readonly writers?: number;
  readonly warmupMs?: number;
  readonly durationMs?: number;
  readonly reads?: number;
}

const GROUP = '/bench/postgres';
/** AWS PutLogEvents quotas: 10,000 events and 1,048,576 bytes (message bytes + 26 per event). */
const MAX_EVENTS = 10_000;
const MAX_BYTES = 1_048_576;





/** Full batches of realistic messages, as a busy agent sends them. */
function makeBatches(count: number): string[][] {
  const generator = new LogGenerator({ seed: 42 });
  const batches: string[][] = [];
  const t = Date.now();
  for (let b = 0; b < count; b++) {
    const batch: string[] = [];
    let bytes = 0;
    for (;;) {
      const message = generator.next(t);
      const size = Buffer.byteLength(message) + 26;
      if (batch.length === MAX_EVENTS || bytes + size > MAX_BYTES) break;
      batch.push(message);
      bytes += size;
    }
    batches.push(batch);
  }
  return batches;
}

export async function benchPostgres(options: PostgresBenchOptions = {}): Promise<Record<string, number>> {
  const writers = options.writers ?? 4;
  const warmupMs = options.warmupMs ?? 1_500;
  const durationMs = options.durationMs ?? 8_000;
  const reads = options.reads ?? 500;
  const postgres = await startPostgres({ durable: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'logharbor-bench-pg-'));
  let server: ServerProcess | undefined;
  const clients: CloudWatchLogsClient[] = [];
  try {
    server = await startServerProcess(dataDir, ['--store', await postgres.createDatabase('bench'), '--log-level', 'error']);
    const endpoint = server.url;
    const client = () => {
      const c = new CloudWatchLogsClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
      clients.push(c);
      return c;
    };
    const admin = client();
    await admin.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
    for (let w = 0; w < writers; w++) await admin.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: `agent-${w}` }));

    // Ingest: every writer sends full batches back to back; count the events acknowledged in the window.
    const batches = makeBatches(16);
    const start = performance.now();
    const measureFrom = start + warmupMs;
    const stopAt = measureFrom + durationMs;
    let measured = 0;
    let measuredStart = Number.NaN;
    let measuredEnd = 0;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const logs = client();
        for (let i = w; ; i++) {
          const sent = performance.now();
          if (sent >= stopAt) return;
          const timestamp = Date.now();
          const logEvents: InputLogEvent[] = batches[i % batches.length]!.map((message) => ({ timestamp, message }));
          await logs.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: `agent-${w}`, logEvents }));
          const done = performance.now();
          if (sent >= measureFrom && done <= stopAt) {
            if (Number.isNaN(measuredStart) || sent < measuredStart) measuredStart = sent;
            measuredEnd = Math.max(measuredEnd, done);
            measured += logEvents.length;
          }
        }
      }),
    );
    const ingestEventsPerSecond = measured / ((stopAt - measureFrom) / 1000);

    // GetLogEvents: a reader paging a large stream, as the console and `logharbor get` do:
    // the latest page, the first page, and forward pages from tokens.
    const reader = client();
    const latencies: number[] = [];
    let token: string | undefined;
    for (let i = 0; i < reads; i++) {
      const kind = i % 3;
      const input =
        kind === 0
          ? { logGroupName: GROUP, logStreamName: 'agent-0', limit: 100 }
          : kind === 1 || token === undefined
            ? { logGroupName: GROUP, logStreamName: 'agent-1', limit: 100, startFromHead: true }
            : { logGroupName: GROUP, logStreamName: 'agent-1', limit: 100, nextToken: token };
      const t0 = performance.now();
      const page = await reader.send(new GetLogEventsCommand(input));
      latencies.push(performance.now() - t0);
      if (kind !== 0) token = page.nextForwardToken;
    }
    latencies.sort((a, b) => a - b);
    return {
      ingestEventsPerSecond: Math.round(ingestEventsPerSecond),
      getLogEventsP50Ms: round(percentile(latencies, 50)),
      getLogEventsP99Ms: round(percentile(latencies, 99)),
    };
  } finally {
    for (const c of clients) c.destroy();
    if (server) await server.stop();
    await postgres.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const seconds = Number(process.env['PG_BENCH_SECONDS'] ?? 8);
  const writers = Number(process.env['PG_BENCH_WRITERS'] ?? 4);
  const figures = await benchPostgres({ durationMs: seconds * 1000, writers });
  for (const [name, value] of Object.entries(figures)) console.log(`${name.padEnd(24)} ${value}`);
}
