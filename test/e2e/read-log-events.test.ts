import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  paginateFilterLogEvents,
  type CloudWatchLogsClient,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
let logs: CloudWatchLogsClient;
const base = Date.now() - 3_600_000;

beforeAll(async () => {
  t = await startTestServer();
  logs = t.client();
  await logs.send(new CreateLogGroupCommand({ logGroupName: 'r' }));
  for (const s of ['one', 'two', 'empty']) await logs.send(new CreateLogStreamCommand({ logGroupName: 'r', logStreamName: s }));
  // stream one: 25 events at base+0..24 (ms); stream two: events at base+0.5 steps interleaved.
  await logs.send(
    new PutLogEventsCommand({
      logGroupName: 'r',
      logStreamName: 'one',
      logEvents: Array.from({ length: 25 }, (_, i) => ({ timestamp: base + i * 10, message: `one ${i}` })),
    }),
  );
  await logs.send(
    new PutLogEventsCommand({
      logGroupName: 'r',
      logStreamName: 'two',
      logEvents: Array.from({ length: 10 }, (_, i) => ({ timestamp: base + i * 10 + 5, message: `two ${i}` })),
    }),
  );
});
afterAll(() => t.close());

describe('GetLogEvents', () => {
  it('returns the newest page in ascending order by default', async () => {
    const out = await logs.send(new GetLogEventsCommand({ logGroupName: 'r', logStreamName: 'one', limit: 5 }));
    expect(out.events!.map((e) => e.message)).toEqual(['one 20', 'one 21', 'one 22', 'one 23', 'one 24']);
    expect(out.nextForwardToken).toMatch(/^f\/\d{56}$/);
    expect(out.nextBackwardToken).toMatch(/^b\/\d{56}$/);
    expect(out.events![0]).toMatchObject({ timestamp: base + 200 });
    expect(typeof out.events![0]!.ingestionTime).toBe('number');
  });

  it('pages forward from the head to the end, then returns the same token', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    for (let i = 0; i < 20; i++) {
      const out = await logs.send(new GetLogEventsCommand({ logGroupName: 'r', logStreamName: 'one', limit: 7, startFromHead: true, nextToken: token }));
      seen.push(...out.events!.map((e) => e.message!));
      if (out.nextForwardToken === token) {
        expect(out.events).toEqual([]);
        break;
      }
      token = out.nextForwardToken;
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `one ${i}`));
  });

  it('pages backward from the tail to the head, then returns the same token', async () => {
    const pages: string[][] = [];
    let token: string | undefined;
    for (let i = 0; i < 20; i++) {
      const out = await logs.send(new GetLogEventsCommand({ logGroupName: 'r', logStreamName: 'one', limit: 10, nextToken: token }));
      if (token !== undefined && out.nextBackwardToken === token) {
        expect(out.events).toEqual([]);
        break;
      }
      pages.push(out.events!.map((e) => e.message!));
      token = out.nextBackwardToken;
    }
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(pages.reverse().flat()).toEqual(Array.from({ length: 25 }, (_, i) => `one ${i}`));
  });

  it('treats startTime as inclusive and endTime as exclusive', async () => {
    const out = await logs.send(
      new GetLogEventsCommand({ logGroupName: 'r', logStreamName: 'one', startTime: base + 50, endTime: base + 100, startFromHead: true }),
    );
    expect(out.events!.map((e) => e.message)).toEqual(['one 5', 'one 6', 'one 7', 'one 8', 'one 9']);
  });

  it('returns tokens for an empty stream and later finds new events with the forward token', async () => {
    const out = await logs.send(new GetLogEventsCommand({ logGroupName: 'r', logStreamName: 'empty', startFromHead: true }));
    expect(out.events).toEqual([]);
    expect(out.nextForwardToken).toBeDefined();
    expect(out.nextBackwardToken).toBeDefined();
    await logs.send(new PutLogEventsCommand({ logGroupName: 'r', logStreamName: 'empty', logEvents: [{ timestamp: Date.now(), message: 'late' }] }));
    const next = await logs.send(
      new GetLogEventsCommand({ logGroupName: 'r', logStreamName: 'empty', startFromHead: true, nextToken: out.nextForwardToken }),
    );
    expect(next.events!.map((e) => e.message)).toEqual(['late']);
  });

  it('caps a page at 1 MB', async () => {
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'r', logStreamName: 'big' }));
    const now = Date.now();
    const message = 'x'.repeat(300_000);
    for (let i = 0; i < 4; i++) {
      await logs.send(new PutLogEventsCommand({ logGroupName: 'r', logStreamName: 'big', logEvents: [{ timestamp: now + i, message }] }));
    }
    const out = await logs.send(new GetLogEventsCommand({ logGroupName: 'r', logStreamName: 'big', startFromHead: true }));
    expect(out.events).toHaveLength(3);
  });

  it('errors on a missing stream, a bad token and limit bounds', async () => {
    const missing = await errorOf(() => logs.send(new GetLogEventsCommand({ logGroupName: 'r', logStreamName: 'nope' })));
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.message).toBe('The specified log stream does not exist.');
    const token = await errorOf(() => logs.send(new GetLogEventsCommand({ logGroupName: 'r', logStreamName: 'one', nextToken: 'f/123' })));
    expect(token.name).toBe('InvalidParameterException');
    const limit = await errorOf(() => logs.send(new GetLogEventsCommand({ logGroupName: 'r', logStreamName: 'one', limit: 10_001 })));
    expect(limit.message).toBe("1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000");
  });
});

describe('FilterLogEvents without a pattern', () => {
  it('interleaves streams in time order with stable event ids and paging to the end', async () => {
    const seen: Array<{ message: string; eventId: string; stream: string }> = [];
    const tokens = new Set<string>();
    let sent: string | undefined;
    for await (const page of paginateFilterLogEvents({ client: logs, pageSize: 4 }, { logGroupName: 'r', startTime: base, endTime: base + 250 })) {
      expect(page.events!.length).toBeLessThanOrEqual(4);
      expect(page.searchedLogStreams).toEqual([]);
      if (page.nextToken) {
        expect(page.nextToken).not.toBe(sent);
        expect(tokens.has(page.nextToken)).toBe(false);
        tokens.add(page.nextToken);
      }
      sent = page.nextToken;
      seen.push(...page.events!.map((e) => ({ message: e.message!, eventId: e.eventId!, stream: e.logStreamName! })));
    }
    const expected = [...Array.from({ length: 25 }, (_, i) => [base + i * 10, `one ${i}`] as const), ...Array.from({ length: 10 }, (_, i) => [base + i * 10 + 5, `two ${i}`] as const)]
      .sort((a, b) => a[0] - b[0])
      .map(([, m]) => m);
    expect(seen.map((e) => e.message)).toEqual(expected);
    expect(new Set(seen.map((e) => e.eventId)).size).toBe(seen.length);
    const again = await logs.send(new FilterLogEventsCommand({ logGroupName: 'r', startTime: base, endTime: base + 250 }));
    expect(again.events!.map((e) => e.eventId)).toEqual(seen.map((e) => e.eventId));
    expect(again.nextToken).toBeUndefined();
  });

  it('replays a token to the same page', async () => {
    const first = await logs.send(new FilterLogEventsCommand({ logGroupName: 'r', limit: 3 }));
    const a = await logs.send(new FilterLogEventsCommand({ logGroupName: 'r', limit: 3, nextToken: first.nextToken }));
    const b = await logs.send(new FilterLogEventsCommand({ logGroupName: 'r', limit: 3, nextToken: first.nextToken }));
    expect(a.events).toEqual(b.events);
    expect(a.nextToken).toBe(b.nextToken);
  });

  it('treats startTime and endTime as inclusive', async () => {
    const out = await logs.send(new FilterLogEventsCommand({ logGroupName: 'r', startTime: base + 10, endTime: base + 20 }));
    expect(out.events!.map((e) => e.message)).toEqual(['one 1', 'two 1', 'one 2']);
  });

  it('filters by stream names or prefix, not both', async () => {
    const named = await logs.send(new FilterLogEventsCommand({ logGroupName: 'r', logStreamNames: ['two'], limit: 3 }));
    const missing = await errorOf(() => logs.send(new FilterLogEventsCommand({ logGroupName: 'r', logStreamNames: ['two', 'nope'] })));
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.message).toBe('The specified log stream does not exist.');
    expect(named.events!.map((e) => e.message)).toEqual(['two 0', 'two 1', 'two 2']);
    const prefixed = await logs.send(new FilterLogEventsCommand({ logGroupName: 'r', logStreamNamePrefix: 'tw', limit: 2 }));
    expect(prefixed.events!.map((e) => e.logStreamName)).toEqual(['two', 'two']);
    const both = await errorOf(() => logs.send(new FilterLogEventsCommand({ logGroupName: 'r', logStreamNames: ['two'], logStreamNamePrefix: 't' })));
    expect(both.name).toBe('InvalidParameterException');
    const tooMany = await errorOf(() =>
      logs.send(new FilterLogEventsCommand({ logGroupName: 'r', logStreamNames: Array.from({ length: 101 }, (_, i) => `s${i}`) })),
    );
    expect(tooMany.message).toContain("at 'logStreamNames' failed to satisfy constraint: Member must have length less than or equal to 100");
  });

  it('returns newest first with startFromHead=false', async () => {
    const out = await logs.send(new FilterLogEventsCommand({ logGroupName: 'r', startFromHead: false, startTime: base, logStreamNames: ['one'], limit: 3 }));
    expect(out.events!.map((e) => e.message)).toEqual(['one 24', 'one 23', 'one 22']);
    const next = await logs.send(new FilterLogEventsCommand({ logGroupName: 'r', startTime: base, logStreamNames: ['one'], limit: 3, nextToken: out.nextToken }));
    expect(next.events!.map((e) => e.message)).toEqual(['one 21', 'one 20', 'one 19']);
  });

  it('reports a missing group', async () => {
    const err = await errorOf(() => logs.send(new FilterLogEventsCommand({ logGroupName: 'none' })));
    expect(err.name).toBe('ResourceNotFoundException');
    expect(err.message).toBe('The specified log group does not exist.');
  });
});
