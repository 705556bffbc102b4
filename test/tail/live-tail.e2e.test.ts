/** StartLiveTail through the real AWS SDK (StartLiveTailCommand, event-stream decoding included). */
import { StartLiveTailCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFilterPattern } from '../../src/core/filter-pattern/index.js';
import { errorOf } from '../helpers/server.js';
import { arnOf, createGroup, put, startTail, startTailHarness, tailClient, waitUntil, type TailHarness } from './helpers.js';

let h: TailHarness;
let logs: CloudWatchLogsClient;
beforeAll(async () => {
  h = await startTailHarness({ liveTail: { sessionTimeoutMs: 60_000 } });
  logs = tailClient(h.url);
  await createGroup(logs, '/app/api', ['web-1', 'web-2', 'worker-1']);
  await createGroup(logs, '/app/db', ['primary']);
});
afterAll(async () => {
  logs.destroy();
  await h.close();
});

describe('StartLiveTail', () => {
  it('starts with sessionStart, then delivers new events with AWS fields in sessionUpdate', async () => {
    const tail = await startTail(logs, { logGroupIdentifiers: [arnOf('/app/api'), '/app/db'] });
    try {
      await waitUntil(() => tail.events.length >= 1, 2000, 'sessionStart');
      const start = tail.events[0]!.sessionStart!;
      expect(start.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(start.sessionId).toMatch(/^[0-9a-f-]{36}$/);
      expect(start.sessionId).not.toBe(start.requestId);
      expect(start.logGroupIdentifiers).toEqual([arnOf('/app/api'), '/app/db']);
      expect(start.logStreamNames).toBeUndefined();

      const before = Date.now();
      await put(logs, '/app/api', 'web-1', ['GET /health 200', 'GET /users 500'], before - 5000);
      await put(logs, '/app/db', 'primary', ['checkpoint complete']);
      await waitUntil(() => tail.messages().length >= 3, 3000, 'three events');
      const results = tail.events.flatMap((e) => e.sessionUpdate?.sessionResults ?? []);
      expect(results).toEqual([
        { logStreamName: 'web-1', logGroupIdentifier: arnOf('/app/api'), message: 'GET /health 200', timestamp: before - 5000, ingestionTime: expect.any(Number) },
        { logStreamName: 'web-1', logGroupIdentifier: arnOf('/app/api'), message: 'GET /users 500', timestamp: before - 5000, ingestionTime: expect.any(Number) },
        { logStreamName: 'primary', logGroupIdentifier: '/app/db', message: 'checkpoint complete', timestamp: expect.any(Number), ingestionTime: expect.any(Number) },
      ]);
      for (const r of results) expect(r.ingestionTime! - before).toBeGreaterThanOrEqual(0);
      const updates = tail.events.filter((e) => e.sessionUpdate);
      expect(updates.every((u) => u.sessionUpdate!.sessionMetadata!.sampled === false)).toBe(true);
      expect(tail.error).toBeUndefined();
    } finally {
      await tail.stop();
    }
  });

  it('sends an update at least once a second, empty when nothing happened', async () => {
    const tail = await startTail(logs, { logGroupIdentifiers: [arnOf('/app/db')] });
    try {
      const t0 = Date.now();
      await waitUntil(() => tail.events.filter((e) => e.sessionUpdate).length >= 2, 3500, 'two heartbeats');
      const elapsed = Date.now() - t0;
      expect(elapsed).toBeLessThan(3000);
      const empty = tail.events.find((e) => e.sessionUpdate)!.sessionUpdate!;
      expect(empty.sessionResults).toEqual([]);
      expect(empty.sessionMetadata).toEqual({ sampled: false });
    } finally {
      await tail.stop();
    }
  });

  it('applies logEventFilterPattern through the filter-pattern engine', async () => {
    const tail = await startTail(logs, { logGroupIdentifiers: [arnOf('/app/api')], logEventFilterPattern: '{ $.status >= 500 }' });
    try {
      await waitUntil(() => tail.events.length >= 1, 2000, 'sessionStart');
      expect(tail.events[0]!.sessionStart!.logEventFilterPattern).toBe('{ $.status >= 500 }');
      await put(logs, '/app/api', 'web-2', ['{"status":200,"path":"/a"}', '{"status":503,"path":"/b"}', 'not json 500', '{"status":500,"path":"/c"}']);
      await waitUntil(() => tail.messages().length >= 2, 3000, 'matching events');
      await new Promise((r) => setTimeout(r, 150));
      expect(tail.messages()).toEqual(['{"status":503,"path":"/b"}', '{"status":500,"path":"/c"}']);
    } finally {
      await tail.stop();
    }
  });

  it('follows only the streams asked for, by name or by prefix', async () => {
    const byName = await startTail(logs, { logGroupIdentifiers: [arnOf('/app/api')], logStreamNames: ['worker-1'] });
    const byPrefix = await startTail(logs, { logGroupIdentifiers: [arnOf('/app/api')], logStreamNamePrefixes: ['web-'] });
    try {
      await waitUntil(() => byName.events.length >= 1 && byPrefix.events.length >= 1, 2000, 'sessionStart');
      expect(byName.events[0]!.sessionStart!.logStreamNames).toEqual(['worker-1']);
      expect(byPrefix.events[0]!.sessionStart!.logStreamNamePrefixes).toEqual(['web-']);
      await put(logs, '/app/api', 'web-1', ['from web-1']);
      await put(logs, '/app/api', 'worker-1', ['from worker-1']);
      await put(logs, '/app/api', 'web-2', ['from web-2']);
      await waitUntil(() => byName.messages().length >= 1 && byPrefix.messages().length >= 2, 3000, 'stream-filtered events');
      await new Promise((r) => setTimeout(r, 150));
      expect(byName.messages()).toEqual(['from worker-1']);
      expect(byPrefix.messages()).toEqual(['from web-1', 'from web-2']);
    } finally {
      await byName.stop();
      await byPrefix.stop();
    }
  });

  it('rejects invalid selections before the stream starts, with AWS error types', async () => {
    const send = (input: ConstructorParameters<typeof StartLiveTailCommand>[0]) => errorOf(() => logs.send(new StartLiveTailCommand(input)));

    const both = await send({ logGroupIdentifiers: [arnOf('/app/api')], logStreamNames: ['web-1'], logStreamNamePrefixes: ['web'] });
    expect(both.name).toBe('InvalidParameterException');
    expect(both.$metadata?.httpStatusCode).toBe(400);

    const twoGroups = await send({ logGroupIdentifiers: [arnOf('/app/api'), arnOf('/app/db')], logStreamNames: ['web-1'] });
    expect(twoGroups.name).toBe('InvalidParameterException');

    const eleven = await send({ logGroupIdentifiers: Array.from({ length: 11 }, (_, i) => arnOf(`/g/${i}`)) });
    expect(eleven.name).toBe('InvalidParameterException');
    expect(eleven.message).toMatch(/^1 validation error detected: Value '.*' at 'logGroupIdentifiers' failed to satisfy constraint: Member must have length less than or equal to 10$/);

    const none = await send({ logGroupIdentifiers: [] });
    expect(none.name).toBe('InvalidParameterException');
    expect(none.message).toContain('Member must have length greater than or equal to 1');

    const missing = await send({ logGroupIdentifiers: [arnOf('/nope')] });
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.message).toBe('The specified log group does not exist.');

    const star = await send({ logGroupIdentifiers: [`${arnOf('/app/api')}:*`] });
    expect(star.name).toBe('InvalidParameterException');

    const badPattern = await send({ logGroupIdentifiers: [arnOf('/app/api')], logEventFilterPattern: '{ $.status = ' });
    expect(badPattern.name).toBe('InvalidParameterException');
    // The one filter-pattern engine decides, with the live-tail wording.
    const engineError = (() => {
      try {
        compileFilterPattern('{ $.status = ', { context: 'live-tail' });
      } catch (err) {
        return err as Error;
      }
      throw new Error('pattern compiled');
    })();
    expect(badPattern.message).toBe(engineError.message);
  });

  it('does not care about the Host header (SDKs prefix it with stream-)', async () => {
    const res = await fetch(h.url, {
      method: 'POST',
      headers: { 'X-Amz-Target': 'Logs_20140328.StartLiveTail', 'Content-Type': 'application/x-amz-json-1.1', Host: 'stream-logs.us-east-1.amazonaws.com' },
      body: JSON.stringify({ logGroupIdentifiers: [arnOf('/app/db')] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.amazon.eventstream');
    await res.body?.cancel();
  });
});

describe('StartLiveTail under load', () => {
  it('samples above 500 events per second and says so, at most 500 per update', async () => {
    const tail = await startTail(logs, { logGroupIdentifiers: [arnOf('/app/db')] });
    try {
      await waitUntil(() => tail.events.length >= 1, 2000, 'sessionStart');
      const t0 = Date.now();
      for (let round = 0; round < 6; round++) {
        await put(logs, '/app/db', 'primary', Array.from({ length: 1000 }, (_, i) => `burst ${round}-${i}`));
      }
      await new Promise((r) => setTimeout(r, 1200));
      const elapsedS = (Date.now() - t0) / 1000;
      const updates = tail.events.filter((e) => e.sessionUpdate).map((e) => e.sessionUpdate!);
      const delivered = updates.reduce((n, u) => n + u.sessionResults!.length, 0);
      expect(updates.every((u) => u.sessionResults!.length <= 500)).toBe(true);
      expect(updates.some((u) => u.sessionMetadata!.sampled === true)).toBe(true);
      // The token bucket starts with one second's worth and refills at 500/s.
      expect(delivered).toBeGreaterThanOrEqual(500);
      expect(delivered).toBeLessThanOrEqual(500 + Math.ceil(500 * elapsedS) + 10);
      // A sample, in order: every delivered message is one that was put, none twice.
      const messages = tail.messages().filter((m) => m.startsWith('burst'));
      expect(new Set(messages).size).toBe(messages.length);
    } finally {
      await tail.stop();
    }
  });
});

describe('session timeout', () => {
  it('ends the stream with SessionTimeoutException', async () => {
    const short = await startTailHarness({ liveTail: { sessionTimeoutMs: 400, heartbeatIntervalMs: 100 } });
    const client = tailClient(short.url);
    try {
      await createGroup(client, 'g', ['s']);
      const tail = await startTail(client, { logGroupIdentifiers: [arnOf('g')] });
      await waitUntil(() => tail.ended, 3000, 'end of stream');
      expect((tail.error as Error).name).toBe('SessionTimeoutException');
      expect(tail.events.filter((e) => e.sessionUpdate).length).toBeGreaterThanOrEqual(2);
    } finally {
      client.destroy();
      await short.close();
    }
  });
});
