/** The SSE endpoint: selection, JSON events, resumption by Last-Event-ID, stalled followers. */
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arnOf, createGroup, put, startTail, startTailHarness, tailClient, waitUntil, type TailHarness } from './helpers.js';
import { SseReader } from './sse-client.js';

interface LogEvent {
  logGroupIdentifier: string;
  logStreamName: string;
  message: string;
  timestamp: number;
  ingestionTime: number;
}

const streamUrl = (base: string, params: Record<string, string | string[]>) => {
  const url = new URL('/tail/stream', base);
  for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) url.searchParams.append(k, x);
  return url.toString();
};

describe('SSE live tail', () => {
  let h: TailHarness;
  let logs: CloudWatchLogsClient;
  beforeAll(async () => {
    h = await startTailHarness({ sse: { heartbeatIntervalMs: 200 } });
    logs = tailClient(h.url);
    await createGroup(logs, 'orders', ['a', 'b']);
    await createGroup(logs, 'other', ['x']);
  });
  afterAll(async () => {
    logs.destroy();
    await h.close();
  });

  it('streams the selection as JSON events with resumable ids', async () => {
    const sse = await SseReader.open(streamUrl(h.url, { logGroupIdentifier: arnOf('orders'), logStreamName: 'a' }));
    try {
      expect(sse.status).toBe(200);
      await waitUntil(() => sse.events.length >= 1, 2000, 'sessionStart');
      expect(sse.events[0]!.event).toBe('sessionStart');
      expect(JSON.parse(sse.events[0]!.data)).toMatchObject({ logGroupIdentifiers: [arnOf('orders')], logStreamNames: ['a'] });
      await put(logs, 'orders', 'a', ['one', 'two']);
      await put(logs, 'orders', 'b', ['not this stream']);
      await put(logs, 'other', 'x', ['not this group']);
      await put(logs, 'orders', 'a', ['three']);
      await waitUntil(() => sse.logEvents().length >= 3, 3000, 'events');
      const events = sse.logEvents<LogEvent>();
      expect(events.map((e) => e.message)).toEqual(['one', 'two', 'three']);
      expect(events[0]).toEqual({ logGroupIdentifier: arnOf('orders'), logStreamName: 'a', message: 'one', timestamp: expect.any(Number), ingestionTime: expect.any(Number) });
      const ids = sse.events.filter((e) => e.event === 'message').map((e) => Number(e.id.split('-')[0]));
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
      expect(new Set(ids).size).toBe(3);
    } finally {
      sse.drop();
    }
  });

  it('applies the filter pattern', async () => {
    const sse = await SseReader.open(streamUrl(h.url, { logGroupIdentifier: 'orders', logEventFilterPattern: '[level=ERROR, ...]' }));
    try {
      await waitUntil(() => sse.events.length >= 1, 2000, 'sessionStart');
      await put(logs, 'orders', 'b', ['INFO all good', 'ERROR disk full', 'WARN slow', 'ERROR again']);
      await waitUntil(() => sse.logEvents().length >= 2, 3000, 'events');
      await new Promise((r) => setTimeout(r, 100));
      expect(sse.logEvents<LogEvent>().map((e) => e.message)).toEqual(['ERROR disk full', 'ERROR again']);
    } finally {
      sse.drop();
    }
  });

  it('rejects bad selections with a JSON error', async () => {
    const both = await fetch(streamUrl(h.url, { logGroupIdentifier: 'orders', logStreamName: 'a', logStreamNamePrefix: 'b' }));
    expect(both.status).toBe(400);
    expect(await both.json()).toMatchObject({ __type: 'InvalidParameterException' });
    const none = await fetch(streamUrl(h.url, {}));
    expect(none.status).toBe(400);
    expect(((await none.json()) as { message: string }).message).toContain("at 'logGroupIdentifiers' failed to satisfy constraint");
    const missing = await fetch(streamUrl(h.url, { logGroupIdentifier: 'nope' }));
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ __type: 'ResourceNotFoundException', message: 'The specified log group does not exist.' });
    const badId = await fetch(streamUrl(h.url, { logGroupIdentifier: 'orders', lastEventId: 'yesterday' }));
    expect(badId.status).toBe(400);
  });

  it('resumes after a dropped connection with nothing lost and nothing repeated', async () => {
    const url = streamUrl(h.url, { logGroupIdentifier: 'orders', logEventFilterPattern: 'keep' });
    const first = await SseReader.open(url);
    await waitUntil(() => first.events.length >= 1, 2000, 'sessionStart');
    await put(logs, 'orders', 'a', ['keep 1', 'drop 1', 'keep 2']);
    await waitUntil(() => first.logEvents().length >= 2, 3000, 'first events');
    first.drop();
    // While disconnected: matching and non-matching events, in both streams.
    await put(logs, 'orders', 'b', ['keep 3', 'drop 2']);
    await put(logs, 'orders', 'a', ['keep 4']);
    const second = await SseReader.open(url, first.lastEventId);
    try {
      await waitUntil(() => second.logEvents().length >= 2, 3000, 'missed events');
      await put(logs, 'orders', 'a', ['keep 5']);
      await waitUntil(() => second.logEvents().length >= 3, 3000, 'live after resume');
      await new Promise((r) => setTimeout(r, 100));
      const all = [...first.logEvents<LogEvent>(), ...second.logEvents<LogEvent>()].map((e) => e.message);
      expect(all).toEqual(['keep 1', 'keep 2', 'keep 3', 'keep 4', 'keep 5']);
    } finally {
      second.drop();
    }
  });

  it('moves the resume point past events that did not match (checkpoints)', async () => {
    const url = streamUrl(h.url, { logGroupIdentifier: 'orders', logEventFilterPattern: 'needle' });
    const sse = await SseReader.open(url);
    try {
      await waitUntil(() => sse.lastEventId !== '', 2000, 'initial checkpoint');
      const startId = Number(sse.lastEventId.split('-')[0]);
      await put(logs, 'orders', 'a', ['hay', 'hay', 'hay']);
      await waitUntil(() => Number(sse.lastEventId.split('-')[0]) >= startId + 3, 3000, 'checkpoint past the hay');
      expect(sse.logEvents()).toEqual([]);
    } finally {
      sse.drop();
    }
  });
});

describe('SSE resumption from the store', () => {
  it('replays from the store when the recent window no longer reaches back', async () => {
    const h = await startTailHarness({ hub: { recentMaxEvents: 10 } });
    const logs = tailClient(h.url);
    try {
      await createGroup(logs, 'g', ['s', 't']);
      const url = streamUrl(h.url, { logGroupIdentifier: 'g', logStreamNamePrefix: 's' });
      const first = await SseReader.open(url);
      await waitUntil(() => first.events.length >= 1, 2000, 'sessionStart');
      await put(logs, 'g', 's', ['before']);
      await waitUntil(() => first.logEvents().length >= 1, 3000, 'first event');
      first.drop();
      // Out-of-order timestamps: the replay must still come back in commit order, complete.
      const now = Date.now();
      for (let i = 0; i < 30; i++) await put(logs, 'g', i % 3 === 2 ? 't' : 's', [`missed ${i}`], now - (i % 5) * 60_000);
      const second = await SseReader.open(url, first.lastEventId);
      try {
        await waitUntil(() => second.logEvents().length >= 20, 3000, 'replayed events');
        await put(logs, 'g', 's', ['after']);
        await waitUntil(() => second.logEvents().length >= 21, 3000, 'live event');
        const expected = Array.from({ length: 30 }, (_, i) => i)
          .filter((i) => i % 3 !== 2)
          .map((i) => `missed ${i}`);
        expect(second.logEvents<LogEvent>().map((e) => e.message)).toEqual([...expected, 'after']);
      } finally {
        second.drop();
      }
    } finally {
      logs.destroy();
      await h.close();
    }
  });
});

describe('a stalled follower during heavy ingest', () => {
  it('is cut off with a notice, never slows writers, and resumes without loss or repeats', async () => {
    const h = await startTailHarness({ sse: { maxQueuedEvents: 2000, maxSocketBacklogBytes: 64 * 1024 } });
    const logs = tailClient(h.url);
    try {
      await createGroup(logs, 'busy', ['s']);
      const url = streamUrl(h.url, { logGroupIdentifier: 'busy' });
      const stalled = await SseReader.open(url);
      const healthy = await SseReader.open(url);
      const sdkTail = await startTail(logs, { logGroupIdentifiers: [arnOf('busy')] });
      await waitUntil(() => stalled.events.length >= 1 && healthy.events.length >= 1 && sdkTail.events.length >= 1, 2000, 'sessions');
      stalled.stall();

      const payload = 'x'.repeat(1000);
      const batches = 40;
      const perBatch = 500;
      const putTimes: number[] = [];
      for (let b = 0; b < batches; b++) {
        const t0 = performance.now();
        await put(logs, 'busy', 's', Array.from({ length: perBatch }, (_, i) => `${b * perBatch + i} ${payload}`));
        putTimes.push(performance.now() - t0);
      }
      const total = batches * perBatch;
      // Writers were never held up by the stalled follower.
      putTimes.sort((a, b) => a - b);
      expect(putTimes[Math.floor(putTimes.length / 2)]).toBeLessThan(500);
      // The healthy SSE follower got everything; the SDK follower a sample, told so.
      await waitUntil(() => healthy.logEvents().length >= total, 10_000, 'healthy follower');
      await waitUntil(() => sdkTail.events.some((e) => e.sessionUpdate?.sessionMetadata?.sampled), 3000, 'sampled update');

      // The stalled one was cut off: it reads what the socket held, then the notice, then the end.
      stalled.unstall();
      await waitUntil(() => stalled.ended, 10_000, 'cut-off');
      const notice = stalled.events.find((e) => e.event === 'notice');
      expect(notice && JSON.parse(notice.data)).toMatchObject({ type: 'cutoff' });
      const seenBefore = stalled.logEvents<LogEvent>().length;
      expect(seenBefore).toBeLessThan(total);

      // Reconnecting with its Last-Event-ID delivers exactly the rest.
      const resumed = await SseReader.open(url, stalled.lastEventId);
      try {
        await waitUntil(() => seenBefore + resumed.logEvents().length >= total, 10_000, 'the rest');
        await new Promise((r) => setTimeout(r, 100));
        const numbers = [...stalled.logEvents<LogEvent>(), ...resumed.logEvents<LogEvent>()].map((e) => Number(e.message.split(' ')[0]));
        expect(numbers).toEqual(Array.from({ length: total }, (_, i) => i));
      } finally {
        resumed.drop();
      }
      healthy.drop();
      await sdkTail.stop();
    } finally {
      logs.destroy();
      await h.close();
    }
  }, 60_000);
});
