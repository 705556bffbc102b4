import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogStreamCommand,
  DescribeLogStreamsCommand,
  PutLogEventsCommand,
  paginateDescribeLogStreams,
  type CloudWatchLogsClient,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
let logs: CloudWatchLogsClient;
beforeAll(async () => {
  t = await startTestServer();
  logs = t.client();
  await logs.send(new CreateLogGroupCommand({ logGroupName: 'app' }));
});
afterAll(() => t.close());

describe('log streams', () => {
  it('creates a stream readable at once, with arn, creationTime and storedBytes 0', async () => {
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'app', logStreamName: 'i-1' }));
    const { logStreams } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: 'app' }));
    expect(logStreams).toHaveLength(1);
    const s = logStreams![0]!;
    expect(s.logStreamName).toBe('i-1');
    expect(s.arn).toBe('arn:aws:logs:us-east-1:000000000000:log-group:app:log-stream:i-1');
    expect(s.storedBytes).toBe(0);
    expect(s.uploadSequenceToken).toMatch(/^\d+$/);
    expect(s).not.toHaveProperty('firstEventTimestamp');
    expect(s).not.toHaveProperty('lastEventTimestamp');
  });

  it('reports duplicates and missing groups as AWS does', async () => {
    const dup = await errorOf(() => logs.send(new CreateLogStreamCommand({ logGroupName: 'app', logStreamName: 'i-1' })));
    expect(dup.name).toBe('ResourceAlreadyExistsException');
    expect(dup.message).toBe('The specified log stream already exists');
    const missing = await errorOf(() => logs.send(new CreateLogStreamCommand({ logGroupName: 'nope', logStreamName: 'x' })));
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.message).toBe('The specified log group does not exist.');
    const bad = await errorOf(() => logs.send(new CreateLogStreamCommand({ logGroupName: 'app', logStreamName: 'a:b' })));
    expect(bad.name).toBe('InvalidParameterException');
    expect(bad.message).toBe(
      "1 validation error detected: Value 'a:b' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*",
    );
  });

  it('records first/last event timestamps and last ingestion time', async () => {
    const now = Date.now();
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'app', logStreamName: 'timed' }));
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: 'app',
        logStreamName: 'timed',
        logEvents: [
          { timestamp: now - 5000, message: 'a' },
          { timestamp: now - 1000, message: 'b' },
        ],
      }),
    );
    const { logStreams } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: 'app', logStreamNamePrefix: 'timed' }));
    expect(logStreams![0]).toMatchObject({ firstEventTimestamp: now - 5000, lastEventTimestamp: now - 1000 });
    expect(Math.abs(logStreams![0]!.lastIngestionTime! - Date.now())).toBeLessThan(10_000);
  });

  it('orders by name or last event time, descending, and pages to the end', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'order' }));
    const base = Date.now() - 60_000;
    const names = ['c', 'a', 'e', 'b', 'd'];
    for (const [i, name] of names.entries()) {
      await logs.send(new CreateLogStreamCommand({ logGroupName: 'order', logStreamName: name }));
      await logs.send(new PutLogEventsCommand({ logGroupName: 'order', logStreamName: name, logEvents: [{ timestamp: base + i * 1000, message: name }] }));
    }
    const collect = async (input: Record<string, unknown>) => {
      const out: string[] = [];
      for await (const page of paginateDescribeLogStreams({ client: logs, pageSize: 2 }, { logGroupName: 'order', ...input })) {
        out.push(...page.logStreams!.map((s) => s.logStreamName!));
      }
      return out;
    };
    expect(await collect({})).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(await collect({ descending: true })).toEqual(['e', 'd', 'c', 'b', 'a']);
    expect(await collect({ orderBy: 'LastEventTime' })).toEqual(names);
    expect(await collect({ orderBy: 'LastEventTime', descending: true })).toEqual([...names].reverse());
    const byArn = await logs.send(
      new DescribeLogStreamsCommand({ logGroupIdentifier: 'arn:aws:logs:us-east-1:000000000000:log-group:order', logStreamNamePrefix: 'a' }),
    );
    expect(byArn.logStreams!.map((s) => s.logStreamName)).toEqual(['a']);
  });

  it('rejects LastEventTime with a prefix, and name with identifier', async () => {
    const err = await errorOf(() =>
      logs.send(new DescribeLogStreamsCommand({ logGroupName: 'app', orderBy: 'LastEventTime', logStreamNamePrefix: 'x' })),
    );
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toBe('Cannot order by LastEventTime with a logStreamNamePrefix.');
    const both = await errorOf(() => logs.send(new DescribeLogStreamsCommand({ logGroupName: 'app', logGroupIdentifier: 'app' })));
    expect(both.name).toBe('ValidationException');
    expect(both.message).toBe('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
    const enumErr = await errorOf(() => logs.send(new DescribeLogStreamsCommand({ logGroupName: 'app', orderBy: 'Size' as never })));
    expect(enumErr.message).toBe(
      "1 validation error detected: Value 'Size' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]",
    );
  });

  it('deletes streams', async () => {
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'app', logStreamName: 'tmp' }));
    await logs.send(new DeleteLogStreamCommand({ logGroupName: 'app', logStreamName: 'tmp' }));
    const err = await errorOf(() => logs.send(new DeleteLogStreamCommand({ logGroupName: 'app', logStreamName: 'tmp' })));
    expect(err.name).toBe('ResourceNotFoundException');
    expect(err.message).toBe('The specified log stream does not exist.');
  });
});
