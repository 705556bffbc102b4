/**
 * Live tail latency: put-to-seen p50/p99 while ingest runs at 50,000 events/s.
 *
 * The server runs in its own process (as in production: followers and writers share it, the
 * load generator does not). This process sends PutLogEvents batches on a fixed schedule, each
 * message stamped with its send time, and follows the group two ways at once:
 * - StartLiveTail through the real AWS SDK (sampled by the server to 500 events/s, as AWS does),
 * - SSE with a filter pattern that selects the 2% of events carrying the word `probe`.
 * Latency is seen-time minus send-time on the same clock, so it includes HTTP, validation, the
 * SQLite commit, fan-out, framing and decoding. Target: p50 <= 50 ms, p99 <= 250 ms.
 *
 * Standalone: `npx tsx bench/live-tail.ts` (LIVE_TAIL_BENCH_SECONDS, LIVE_TAIL_BENCH_RATE tune it).
 */
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, StartLiveTailCommand } from '@aws-sdk/client-cloudwatch-logs';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { Worker } from 'node:worker_threads';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startServerProcess } from './lib/server-process.js';
import { percentile, round } from './lib/stats.js';

export interface LiveTailBenchOptions {
  readonly eventsPerSecond?: number;
  readonly batchSize?: number;
  readonly warmupMs?: number;
  readonly durationMs?: number;
  /** false: ingest alone, the baseline that shows what following costs writers */
  readonly followers?: boolean;
  /** extra node flags for the server process, e.g. ['--cpu-prof'] */
  readonly serverNodeArgs?: readonly string[];
}

const GROUP = '/bench/live-tail';
const STREAM = 'ingest';
const PROBE_EVERY = 50;

const now = () => performance.timeOrigin + performance.now();





/** Follows GROUP over SSE, calling onMessage with each event's message. */
function followSse(base: string, pattern: string, onMessage: (message: string) => void): { close(): void } {
  const url = new URL('/tail/stream', base);
  url.searchParams.set('logGroupIdentifier', GROUP);
  url.searchParams.set('logEventFilterPattern', pattern);
  const req = request(url, { headers: { Accept: 'text/event-stream' } }, (res) => {
    res.setEncoding('utf8');
    let buffer = '';
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        for (const line of block.split('\n')) {
          if (line.startsWith('data: ') && !block.includes('\nevent: ') && !block.startsWith('event: ')) {
            onMessage((JSON.parse(line.slice(6)) as { message: string }).message);
          }
        }
      }
    });
    res.on('error', () => {});
  });
  req.on('error', () => {});
  req.end();
  return { close: () => req.destroy() };
}

interface IngestParams {
  url: string;
  group: string;
  stream: string;
  batchSize: number;
  intervalMs: number;
  start: number;
  measureFrom: number;
  measureTo: number;
  probeEvery: number;
}

interface IngestResult {
  acknowledgedInWindow: number;
  failed: number;
  putLatencies: number[];
  endedAt: number;
}

// Plain JavaScript (the worker runs without a TypeScript loader). Batches go out on a fixed
// schedule with at most 8 in flight; one that cannot go on time goes late, never skipped.
const INGEST_WORKER = `
const { parentPort, workerData: p } = require('node:worker_threads');
const http = require('node:http');
const now = () => performance.timeOrigin + performance.now();
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
let seq = 0, acknowledgedInWindow = 0, failed = 0;
const putLatencies = [];
function put() {
  const sentAt = now();
  const events = [];
  for (let i = 0; i < p.batchSize; i++, seq++) {
    const probe = seq % p.probeEvery === 0 ? ' probe' : '';
    events.push({ timestamp: Math.floor(sentAt), message: 'seq=' + seq + ' sent=' + sentAt.toFixed(3) + ' GET /api/v1/orders/' + (seq % 9973) + ' 200 ' + (seq % 997) + 'ms ip=10.0.' + (seq % 250) + '.' + (seq % 199) + probe });
  }
  const body = JSON.stringify({ logGroupName: p.group, logStreamName: p.stream, logEvents: events });
  return new Promise((resolve) => {
    const req = http.request(new URL('/', p.url), { method: 'POST', agent, headers: { 'X-Amz-Target': 'Logs_20140328.PutLogEvents', 'Content-Type': 'application/x-amz-json-1.1', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => {
        const inWindow = sentAt >= p.measureFrom && sentAt < p.measureTo;
        if (res.statusCode === 200) {
          if (inWindow) { acknowledgedInWindow += p.batchSize; putLatencies.push(now() - sentAt); }
        } else failed += p.batchSize;
        resolve();
      });
    });
    req.on('error', () => { failed += p.batchSize; resolve(); });
    req.end(body);
  });
}
(async () => {
  const inFlight = new Set();
  for (let k = 0; ; k++) {
    const due = p.start + k * p.intervalMs;
    if (due >= p.measureTo) break;
    const wait = due - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    while (inFlight.size >= 8) await Promise.race(inFlight);
    const q = put().finally(() => inFlight.delete(q));
    inFlight.add(q);
  }
  await Promise.all(inFlight);
  agent.destroy();
  parentPort.postMessage({ acknowledgedInWindow, failed, putLatencies, endedAt: Math.max(now(), p.measureTo) });
})();
`;

function runIngestWorker(params: IngestParams): Promise<IngestResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(INGEST_WORKER, { eval: true, workerData: params });
    worker.once('message', (result: IngestResult) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

export async function benchLiveTail(options: LiveTailBenchOptions = {}): Promise<Record<string, number>> {
  const rate = options.eventsPerSecond ?? 50_000;
  // 250 events per PutLogEvents, 200 calls/s: an agent flushing often. With 1,000-event batches
  // the figure is dominated by how long the server takes to accept a batch, not by following.
  const batchSize = options.batchSize ?? 250;
  const warmupMs = options.warmupMs ?? 1500;
  const durationMs = options.durationMs ?? 5000;
  const dataDir = mkdtempSync(join(tmpdir(), 'logharbor-bench-tail-'));
  const server = await startServerProcess(dataDir, ['--sqlite-synchronous', 'NORMAL', '--log-level', 'error'], options.serverNodeArgs ?? []);
  const { url } = server;
  const client = new CloudWatchLogsClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'secret' },
    disableHostPrefix: true,
    maxAttempts: 1,
  });
  const abort = new AbortController();
  let sse: { close(): void } | undefined;
  try {
    await client.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
    await client.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: STREAM }));

    let measureFrom = Number.POSITIVE_INFINITY;
    let measureTo = Number.POSITIVE_INFINITY;
    const tailLatencies: number[] = [];
    const sseLatencies: number[] = [];
    let sampledUpdates = 0;
    let updates = 0;
    const record = (into: number[], message: string, seenAt: number) => {
      const sent = Number(message.slice(message.indexOf('sent=') + 5, message.indexOf(' ', message.indexOf('sent='))));
      if (sent >= measureFrom && sent < measureTo) into.push(seenAt - sent);
    };

    const following = options.followers ?? true;
    const output = !following ? undefined : await client.send(new StartLiveTailCommand({ logGroupIdentifiers: [`arn:aws:logs:us-east-1:000000000000:log-group:${GROUP}`] }), {
      abortSignal: abort.signal,
    });
    const tailDone = (async () => {
      if (!output) return;
      try {
        for await (const event of output.responseStream!) {
          const update = event.sessionUpdate;
          if (!update) continue;
          const seenAt = now();
          updates++;
          if (update.sessionMetadata?.sampled) sampledUpdates++;
          for (const r of update.sessionResults ?? []) record(tailLatencies, r.message ?? '', seenAt);
        }
      } catch {
        // aborted at the end of the run
      }
    })();
    if (following) sse = followSse(url, 'probe', (message) => record(sseLatencies, message, now()));

    // Ingest runs in a worker thread so that building and sending batches never delays this
    // thread's reading of the followers' streams (which would inflate the figures).
    const intervalMs = (1000 * batchSize) / rate;
    const start = now() + 300;
    measureFrom = start + warmupMs;
    measureTo = measureFrom + durationMs;
    const ingest = await runIngestWorker({ url, group: GROUP, stream: STREAM, batchSize, intervalMs, start, measureFrom, measureTo, probeEvery: PROBE_EVERY });
    const putLatencies = ingest.putLatencies;
    const failed = ingest.failed;
    const ingestRate = (ingest.acknowledgedInWindow * 1000) / (ingest.endedAt - measureFrom);
    await new Promise((r) => setTimeout(r, 1200)); // let followers see the last events
    abort.abort();
    await tailDone;

    tailLatencies.sort((a, b) => a - b);
    sseLatencies.sort((a, b) => a - b);
    putLatencies.sort((a, b) => a - b);
    return {
      'ingest.targetEventsPerSec': rate,
      'ingest.eventsPerSec': Math.round(ingestRate),
      'ingest.failedEvents': failed,
      'ingest.putP50Ms': round(percentile(putLatencies, 50)),
      'ingest.putP99Ms': round(percentile(putLatencies, 99)),
      'startLiveTail.putToSeenP50Ms': round(percentile(tailLatencies, 50)),
      'startLiveTail.putToSeenP99Ms': round(percentile(tailLatencies, 99)),
      'startLiveTail.eventsSeen': tailLatencies.length,
      'startLiveTail.updates': updates,
      'startLiveTail.sampledUpdates': sampledUpdates,
      'sse.putToSeenP50Ms': round(percentile(sseLatencies, 50)),
      'sse.putToSeenP99Ms': round(percentile(sseLatencies, 99)),
      'sse.eventsSeen': sseLatencies.length,
    };
  } finally {
    abort.abort();
    sse?.close();
    client.destroy();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const seconds = Number(process.env['LIVE_TAIL_BENCH_SECONDS'] ?? 5);
  const rate = Number(process.env['LIVE_TAIL_BENCH_RATE'] ?? 50_000);
  benchLiveTail({ durationMs: seconds * 1000, eventsPerSecond: rate }).then(
    (result) => {
      for (const [name, value] of Object.entries(result)) process.stdout.write(`${name.padEnd(34)} ${value}\n`);
    },
    (err: unknown) => {
      process.stderr.write(`live-tail bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
