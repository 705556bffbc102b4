/**
 * Ingest drivers: PutLogEvents through the AWS SDK, one client per stream, batches cut at 10,000
 * events or 1 MiB (message bytes + 26 per event, as AWS counts), every request's latency recorded.
 */
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { createHash, createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';
import { LogGenerator } from './generate.js';

export const MAX_BATCH_EVENTS = 10_000;
export const MAX_BATCH_BYTES = 1_048_576;
const EVENT_OVERHEAD = 26;

export interface Batch {
  readonly stream: string;
  readonly events: Array<{ timestamp: number; message: string }>;
  readonly bytes: number;
}

export function makeClient(url: string): CloudWatchLogsClient {
  return new CloudWatchLogsClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' },
    maxAttempts: 1,
  });
}

export async function createGroup(client: CloudWatchLogsClient, group: string, streams: readonly string[]): Promise<void> {
  await client.send(new CreateLogGroupCommand({ logGroupName: group }));
  for (const s of streams) await client.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: s }));
}

export interface BatchPlan {
  readonly streams: readonly string[];
  readonly events: number;
  readonly maxBatchEvents: number;
  readonly profile: 'mixed' | 'long';
  readonly seed: number;
  /** first event's timestamp; events of a stream are `stepMs` apart */
  readonly startTime: number;
  readonly stepMs: number;
}

/**
 * Batches for each stream, generated up front so that generating text does not compete with the
 * server for the CPU while throughput is measured. Generators continue across calls via `state`.
 */
export class BatchSource {
  private readonly generators = new Map<string, { gen: LogGenerator; t: number }>();
  constructor(private readonly plan: BatchPlan) {
    plan.streams.forEach((s, i) => {
      this.generators.set(s, { gen: new LogGenerator({ seed: plan.seed * 1000 + i, profile: plan.profile }), t: plan.startTime + i });
    });
  }

  generator(stream: string): LogGenerator {
    return this.generators.get(stream)!.gen;
  }

  /** Up to `events` more events as batches, round-robin over the streams. */
  take(events: number, maxBatchEvents = this.plan.maxBatchEvents): Batch[][] {
    const perStream = Math.ceil(events / this.plan.streams.length);
    return this.plan.streams.map((stream) => {
      const g = this.generators.get(stream)!;
      const batches: Batch[] = [];
      let current: Batch = { stream, events: [], bytes: 0 };
      for (let i = 0; i < perStream; i++) {
        const message = g.gen.next(g.t);
        const size = Buffer.byteLength(message) + EVENT_OVERHEAD;
        if (current.events.length >= maxBatchEvents || current.bytes + size > MAX_BATCH_BYTES) {
          batches.push(current);
          current = { stream, events: [], bytes: 0 };
        }
        current.events.push({ timestamp: Math.floor(g.t), message });
        (current as { bytes: number }).bytes += size;
        g.t += this.plan.stepMs;
      }
      if (current.events.length > 0) batches.push(current);
      return batches;
    });
  }
}

export interface IngestResult {
  events: number;
  messageBytes: number;
  seconds: number;
  eventsPerSec: number;
  mbPerSec: number;
  requests: number;
  latenciesMs: number[];
}

/** One client per stream, each sending its batches one after another (4 streams: 4 concurrent clients). */
export async function drive(url: string, group: string, perStream: Batch[][], stopAt = Infinity): Promise<IngestResult> {
  const latenciesMs: number[] = [];
  let events = 0;
  let messageBytes = 0;
  const started = performance.now();
  await Promise.all(
    perStream.map(async (batches) => {
      const client = makeClient(url);
      try {
        for (const batch of batches) {
          if (performance.now() > stopAt) break;
          const t = performance.now();
          await client.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: batch.stream, logEvents: batch.events }));
          latenciesMs.push(performance.now() - t);
          events += batch.events.length;
          messageBytes += batch.bytes - EVENT_OVERHEAD * batch.events.length;
        }
      } finally {
        client.destroy();
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { events, messageBytes, seconds, eventsPerSec: events / seconds, mbPerSec: messageBytes / 1e6 / seconds, requests: latenciesMs.length, latenciesMs };
}

/** Events per second one core can JSON.parse from the same request bodies (the ingest ceiling's yardstick). */
export function jsonParseRate(group: string, perStream: Batch[][]): number {
  const bodies: string[] = [];
  let events = 0;
  for (const batches of perStream) {
    for (const b of batches) {
      bodies.push(JSON.stringify({ logGroupName: group, logStreamName: b.stream, logEvents: b.events }));
      events += b.events.length;
    }
  }
  const buffers = bodies.map((b) => Buffer.from(b));
  let best = 0;
  for (let round = 0; round < 3; round++) {
    const t = performance.now();
    let parsed = 0;
    for (const buf of buffers) parsed += (JSON.parse(buf.toString('utf8')) as { logEvents: unknown[] }).logEvents.length;
    const rate = parsed / ((performance.now() - t) / 1000);
    best = Math.max(best, rate);
  }
  return events > 0 ? best : 0;
}

/**
 * A PutLogEvents request exactly as the AWS SDK sends it (JSON 1.1 body, X-Amz-Target, SigV4
 * headers with the body's SHA-256), serialized and signed ahead of time: the SDK's own serializer
 * costs more CPU per event than the server does, and client and server share the same two cores.
 */
export interface PreparedRequest {
  readonly body: Buffer;
  readonly headers: Record<string, string>;
  readonly events: number;
  readonly messageBytes: number;
}

function sign(body: Buffer, host: string, target: string): Record<string, string> {
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const payloadHash = createHash('sha256').update(body).digest('hex');
  const headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.1',
    host,
    'x-amz-content-sha256': payloadHash,
    'x-amz-date': amzDate,
    'x-amz-target': target,
  };
  const signed = Object.keys(headers).sort();
  const canonical = ['POST', '/', '', ...signed.map((h) => `${h}:${headers[h]}`), '', signed.join(';'), payloadHash].join('\n');
  const scope = `${day}/us-east-1/logs/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  let key: Buffer = createHmac('sha256', 'AWS4bench').update(day).digest();
  for (const part of ['us-east-1', 'logs', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return {
    ...headers,
    'content-length': String(body.length),
    authorization: `AWS4-HMAC-SHA256 Credential=AKIDBENCH/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`,
  };
}

export function prepare(url: string, group: string, perStream: Batch[][]): PreparedRequest[][] {
  const host = new URL(url).host;
  return perStream.map((batches) =>
    batches.map((b) => {
      const body = Buffer.from(JSON.stringify({ logGroupName: group, logStreamName: b.stream, logEvents: b.events }));
      return { body, headers: sign(body, host, 'Logs_20140328.PutLogEvents'), events: b.events.length, messageBytes: b.bytes - EVENT_OVERHEAD * b.events.length };
    }),
  );
}

function post(agent: Agent, url: URL, req: PreparedRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    const r = request({ agent, host: url.hostname, port: url.port, method: 'POST', path: '/', headers: req.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode === 200) resolve();
        else reject(new Error(`PutLogEvents failed: ${res.statusCode} ${Buffer.concat(chunks).toString().slice(0, 300)}`));
      });
      res.on('error', reject);
    });
    r.on('error', reject);
    r.end(req.body);
  });
}

/** One connection per stream, each sending its prepared requests one after another. */
export async function driveRaw(url: string, perStream: PreparedRequest[][], stopAt = Infinity): Promise<IngestResult> {
  const target = new URL(url);
  const latenciesMs: number[] = [];
  let events = 0;
  let messageBytes = 0;
  const started = performance.now();
  await Promise.all(
    perStream.map(async (requests) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        for (const req of requests) {
          if (performance.now() > stopAt) break;
          const t = performance.now();
          await post(agent, target, req);
          latenciesMs.push(performance.now() - t);
          events += req.events;
          messageBytes += req.messageBytes;
        }
      } finally {
        agent.destroy();
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { events, messageBytes, seconds, eventsPerSec: events / seconds, mbPerSec: messageBytes / 1e6 / seconds, requests: latenciesMs.length, latenciesMs };
}
