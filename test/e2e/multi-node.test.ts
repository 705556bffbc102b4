/**
 * Two `logharbor server` processes sharing one PostgreSQL database: a write acknowledged by node A
 * is readable through node B at once, and a kill -9 of node A mid-ingest loses no acknowledged event.
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startChildServer, waitForExit, type ChildServer } from '../helpers/child-server.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { SseReader } from '../tail/sse-client.js';

let postgres: PostgresServer;
let nodeA: ChildServer;
let nodeB: ChildServer;
const clients: CloudWatchLogsClient[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'logharbor-multi-node-'));

function client(url: string): CloudWatchLogsClient {
  const c = new CloudWatchLogsClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
  clients.push(c);
  return c;
}

async function startNode(store: string): Promise<ChildServer> {
  return startChildServer(['--store', store, '--data-dir', dataDir], await freePort());
}

async function readAll(logs: CloudWatchLogsClient, group: string, stream: string): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  for (;;) {
    const page = await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true, nextToken: token }));
    out.push(...page.events!.map((e) => e.message!));
    if (page.nextForwardToken === token) return out;
    token = page.nextForwardToken;
  }
}

async function waitUntil(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  postgres = await startPostgres();
  const store = `${await postgres.createDatabase('logharbor')}?schema=e2e`;
  // Both nodes start at once: migrations must apply exactly once.
  [nodeA, nodeB] = await Promise.all([startNode(store), startNode(store)]);
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.destroy();
  for (const node of [nodeA, nodeB]) {
    if (node && node.process.exitCode === null && node.process.signalCode === null) {
      node.process.kill('SIGTERM');
      await waitForExit(node.process);
    }
  }
  await postgres?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('two server processes, one PostgreSQL database', () => {
  it('serves a write acknowledged by node A from node B at once', async () => {
    const a = client(nodeA.url);
    const b = client(nodeB.url);
    await a.send(new CreateLogGroupCommand({ logGroupName: '/shared/app' }));
    await b.send(new CreateLogStreamCommand({ logGroupName: '/shared/app', logStreamName: 'web' }));
    const now = Date.now();
    for (let i = 0; i < 10; i++) {
      await a.send(new PutLogEventsCommand({
        logGroupName: '/shared/app',
        logStreamName: 'web',
        logEvents: [{ timestamp: now + i, message: `request ${i}` }],
      }));
      const page = await b.send(new GetLogEventsCommand({ logGroupName: '/shared/app', logStreamName: 'web', limit: 1 }));
      expect(page.events!.map((e) => e.message)).toEqual([`request ${i}`]);
    }
    const filtered = await b.send(new FilterLogEventsCommand({ logGroupName: '/shared/app', filterPattern: '"request 7"' }));
    expect(filtered.events!.map((e) => e.message)).toEqual(['request 7']);
    const { logStreams } = await b.send(new DescribeLogStreamsCommand({ logGroupName: '/shared/app' }));
    expect(logStreams![0]).toMatchObject({ logStreamName: 'web', firstEventTimestamp: now, lastEventTimestamp: now + 9 });
  });

  it('streams to a live tail on node B the events written through node A', async () => {
    const a = client(nodeA.url);
    await a.send(new CreateLogGroupCommand({ logGroupName: 'tailed' }));
    await a.send(new CreateLogStreamCommand({ logGroupName: 'tailed', logStreamName: 's' }));
    const url = new URL('/tail/stream', nodeB.url);
    url.searchParams.set('logGroupIdentifier', 'arn:aws:logs:us-east-1:000000000000:log-group:tailed');
    const sse = await SseReader.open(url.toString());
    try {
      expect(sse.status).toBe(200);
      await waitUntil(() => sse.events.some((e) => e.event === 'sessionStart'));
      const now = Date.now();
      for (let i = 0; i < 3; i++) {
        await a.send(new PutLogEventsCommand({ logGroupName: 'tailed', logStreamName: 's', logEvents: [{ timestamp: now + i, message: `live ${i}` }] }));
      }
      await waitUntil(() => sse.logEvents().length >= 3);
      expect(sse.logEvents<{ message: string }>().map((e) => e.message)).toEqual(['live 0', 'live 1', 'live 2']);
    } finally {
      sse.drop();
    }
  });

  it('loses no acknowledged event when node A is killed with SIGKILL mid-ingest', async () => {
    const a = client(nodeA.url);
    const b = client(nodeB.url);
    await a.send(new CreateLogGroupCommand({ logGroupName: 'crash' }));
    await a.send(new CreateLogStreamCommand({ logGroupName: 'crash', logStreamName: 's' }));
    const acknowledged: string[] = [];
    let seq = 0;
    const writers = Array.from({ length: 3 }, async () => {
      for (;;) {
        const batch = Array.from({ length: 200 }, () => `event ${seq++}`);
        try {
          await a.send(new PutLogEventsCommand({
            logGroupName: 'crash',
            logStreamName: 's',
            logEvents: batch.map((message) => ({ timestamp: Date.now(), message })),
          }));
          acknowledged.push(...batch);
        } catch {
          return; // node A is gone: unacknowledged batches may or may not be stored
        }
      }
    });
    await new Promise((r) => setTimeout(r, 500 + Math.random() * 500));
    nodeA.process.kill('SIGKILL');
    await Promise.all(writers);
    await waitForExit(nodeA.process);
    expect(acknowledged.length).toBeGreaterThan(0);
    const stored = new Set(await readAll(b, 'crash', 's'));
    expect(acknowledged.filter((m) => !stored.has(m))).toEqual([]);
    // Node B carries on alone.
    await b.send(new PutLogEventsCommand({ logGroupName: 'crash', logStreamName: 's', logEvents: [{ timestamp: Date.now(), message: 'after' }] }));
    const last = await b.send(new GetLogEventsCommand({ logGroupName: 'crash', logStreamName: 's', limit: 1 }));
    expect(last.events!.map((e) => e.message)).toEqual(['after']);
  });
});
