import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
  type CloudWatchLogsClient,
  type InputLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
let logs: CloudWatchLogsClient;
let streamNo = 0;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function newStream(): Promise<string> {
  const name = `s${++streamNo}`;
  await logs.send(new CreateLogStreamCommand({ logGroupName: 'g', logStreamName: name }));
  return name;
}

async function stored(stream: string): Promise<string[]> {
  const out = await logs.send(new GetLogEventsCommand({ logGroupName: 'g', logStreamName: stream, startFromHead: true }));
  return out.events!.map((e) => e.message!);
}

beforeAll(async () => {
  t = await startTestServer();
  logs = t.client();
  await logs.send(new CreateLogGroupCommand({ logGroupName: 'g' }));
});
afterAll(() => t.close());

describe('PutLogEvents', () => {
  it('stores events and always returns nextSequenceToken, without rejectedLogEventsInfo when all are accepted', async () => {
    const s = await newStream();
    const now = Date.now();
    const out = await logs.send(
      new PutLogEventsCommand({ logGroupName: 'g', logStreamName: s, logEvents: [{ timestamp: now, message: 'hello' }], sequenceToken: 'ignored' }),
    );
    expect(out.nextSequenceToken).toMatch(/^\d+$/);
    expect(out).not.toHaveProperty('rejectedLogEventsInfo');
    expect(await stored(s)).toEqual(['hello']);
  });

  it('accepts exactly 10,000 events and rejects 10,001 with the validation message', async () => {
    const s = await newStream();
    const now = Date.now();
    const events = (n: number): InputLogEvent[] => Array.from({ length: n }, (_, i) => ({ timestamp: now, message: `e${i}` }));
    await logs.send(new PutLogEventsCommand({ logGroupName: 'g', logStreamName: s, logEvents: events(10_000) }));
    const err = await errorOf(() => logs.send(new PutLogEventsCommand({ logGroupName: 'g', logStreamName: s, logEvents: events(10_001) })));
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toMatch(/^1 validation error detected: Value '.*' at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to 10000$/s);
    const empty = await errorOf(() => logs.send(new PutLogEventsCommand({ logGroupName: 'g', logStreamName: s, logEvents: [] })));
    expect(empty.message).toBe("1 validation error detected: Value '[]' at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1");
  });

  it('accepts exactly 1,048,576 bytes (message bytes + 26 per event) and rejects one byte more', async () => {
    const s = await newStream();
    const now = Date.now();
    // 4 events: 4 * 26 overhead; messages fill the rest, with multi-byte characters counted in UTF-8.
    const budget = 1_048_576 - 4 * 26;
    const euro = '€'.repeat(1000); // 3000 bytes
    const filler = (bytes: number) => 'x'.repeat(bytes);
    const exact = [euro, filler(100_000), filler(200_000), filler(budget - 3000 - 300_000)];
    const toEvents = (messages: string[]) => messages.map((message) => ({ timestamp: now, message }));
    await logs.send(new PutLogEventsCommand({ logGroupName: 'g', logStreamName: s, logEvents: toEvents(exact) }));
    const over = [...exact.slice(0, 3), `${exact[3]}x`];
    const err = await errorOf(() => logs.send(new PutLogEventsCommand({ logGroupName: 'g', logStreamName: s, logEvents: toEvents(over) })));
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toBe('Upload too large: 1048577 bytes exceeds limit of 1048576');
    const got = await logs.send(new GetLogEventsCommand({ logGroupName: 'g', logStreamName: s, startFromHead: true }));
    expect(got.events).toHaveLength(4);
  });

  it('counts an all-ASCII batch exactly too: 1,048,576 bytes pass, one more fails', async () => {
    const s = await newStream();
    const now = Date.now();
    const budget = 1_048_576 - 3 * 26;
    const exact = ['a'.repeat(500_000), 'b'.repeat(500_000), 'c'.repeat(budget - 1_000_000)];
    const toEvents = (messages: string[]) => messages.map((message) => ({ timestamp: now, message }));
    await logs.send(new PutLogEventsCommand({ logGroupName: 'g', logStreamName: s, logEvents: toEvents(exact) }));
    const err = await errorOf(() => logs.send(new PutLogEventsCommand({ logGroupName: 'g', logStreamName: s, logEvents: toEvents([...exact.slice(0, 2), `${exact[2]}c`]) })));
    expect(err.message).toBe('Upload too large: 1048577 bytes exceeds limit of 1048576');
    const got = await logs.send(new GetLogEventsCommand({ logGroupName: 'g', logStreamName: s, startFromHead: true }));
    expect(got.events?.map((e) => e.message)).toEqual(exact);
  });

  it('fails the whole call when events are out of order', async () => {
    const s = await newStream();
    const now = Date.now();
    const err = await errorOf(() =>
      logs.send(
        new PutLogEventsCommand({
          logGroupName: 'g',
          logStreamName: s,
          logEvents: [
            { timestamp: now, message: 'b' },
            { timestamp: now - 1, message: 'a' },
          ],
        }),
      ),
    );
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toBe('Log events in a single PutLogEvents request must be in chronological order.');
    expect(await stored(s)).toEqual([]);
  });

  it('fails a batch spanning more than 24 hours, and accepts exactly 24 hours', async () => {
    const s = await newStream();
    const now = Date.now();
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: 'g',
        logStreamName: s,
        logEvents: [
          { timestamp: now - DAY, message: 'a' },
          { timestamp: now, message: 'b' },
        ],
      }),
    );
    const err = await errorOf(() =>
      logs.send(
        new PutLogEventsCommand({
          logGroupName: 'g',
          logStreamName: s,
          logEvents: [
            { timestamp: now - DAY - 1, message: 'a' },
            { timestamp: now, message: 'b' },
          ],
        }),
      ),
    );
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toBe('The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
    expect(await stored(s)).toEqual(['a', 'b']);
  });

  it('skips too old and too new events, reporting their indexes, and stores the rest', async () => {
    const s = await newStream();
    const now = Date.now();
    const out = await logs.send(
      new PutLogEventsCommand({
        logGroupName: 'g',
        logStreamName: s,
        logEvents: [
          { timestamp: now - 15 * DAY, message: 'old1' },
          { timestamp: now - 14 * DAY - HOUR, message: 'old2' },
          { timestamp: now - HOUR, message: 'ok1' },
          { timestamp: now + HOUR, message: 'ok2' },
          { timestamp: now + 3 * HOUR, message: 'new1' },
        ],
      }),
    );
    expect(out.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 2, tooNewLogEventStartIndex: 4 });
    expect(await stored(s)).toEqual(['ok1', 'ok2']);
  });

  it('reports events older than the retention period as expired', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'short' }));
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: 'short', retentionInDays: 1 }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'short', logStreamName: 's' }));
    const now = Date.now();
    const out = await logs.send(
      new PutLogEventsCommand({
        logGroupName: 'short',
        logStreamName: 's',
        logEvents: [
          { timestamp: now - 3 * DAY, message: 'expired' },
          { timestamp: now, message: 'fresh' },
        ],
      }),
    );
    expect(out.rejectedLogEventsInfo).toEqual({ expiredLogEventEndIndex: 1 });
  });

  it('reports a missing group or stream', async () => {
    const now = Date.now();
    const group = await errorOf(() => logs.send(new PutLogEventsCommand({ logGroupName: 'none', logStreamName: 's', logEvents: [{ timestamp: now, message: 'x' }] })));
    expect(group.name).toBe('ResourceNotFoundException');
    expect(group.message).toBe('The specified log group does not exist.');
    const stream = await errorOf(() => logs.send(new PutLogEventsCommand({ logGroupName: 'g', logStreamName: 'none', logEvents: [{ timestamp: now, message: 'x' }] })));
    expect(stream.name).toBe('ResourceNotFoundException');
    expect(stream.message).toBe('The specified log stream does not exist.');
  });

  it('validates each event: empty messages and missing timestamps', async () => {
    const s = await newStream();
    const err = await errorOf(() => logs.send(new PutLogEventsCommand({ logGroupName: 'g', logStreamName: s, logEvents: [{ timestamp: Date.now(), message: '' }] })));
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toBe(
      "1 validation error detected: Value '' at 'logEvents.1.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    const noTs = await errorOf(() => logs.send(new PutLogEventsCommand({ logGroupName: 'g', logStreamName: s, logEvents: [{ message: 'x' } as InputLogEvent] })));
    expect(noTs.message).toBe("1 validation error detected: Value null at 'logEvents.1.member.timestamp' failed to satisfy constraint: Member must not be null");
  });

  it('accepts an entity and stores unicode intact', async () => {
    const s = await newStream();
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: 'g',
        logStreamName: s,
        logEvents: [{ timestamp: Date.now(), message: 'héllo 🌍 "quoted" \\ \n next' }],
        entity: { keyAttributes: { Type: 'Service', Name: 'api', Environment: 'prod' } },
      }),
    );
    expect(await stored(s)).toEqual(['héllo 🌍 "quoted" \\ \n next']);
  });
});
