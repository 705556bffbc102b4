import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  FilterLogEventsCommand,
  PutLogEventsCommand,
  paginateFilterLogEvents,
  type CloudWatchLogsClient,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
let logs: CloudWatchLogsClient;

const messages = [
  '[ERROR] 2026-11-24 payment failed for order 42',
  '[INFO] 2026-11-24 request served in 12 ms',
  '{"level":"ERROR","latency":250,"user":{"id":7,"tags":["vip","beta"]},"ok":false}',
  '{"level":"INFO","latency":12,"user":{"id":8,"tags":["free"]},"ok":true,"extra":null}',
  '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 404 1534',
  '10.0.0.2 - bob [10/Oct/2000:13:35:22 -0700] "POST /api HTTP/1.1" 200 5326',
  'WARN disk usage at 91% on /dev/sda1',
  'Exception in thread "main" java.lang.NullPointerException',
];

beforeAll(async () => {
  t = await startTestServer();
  logs = t.client();
  await logs.send(new CreateLogGroupCommand({ logGroupName: 'fp' }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: 'fp', logStreamName: 's' }));
  const now = Date.now();
  await logs.send(new PutLogEventsCommand({ logGroupName: 'fp', logStreamName: 's', logEvents: messages.map((message, i) => ({ timestamp: now + i, message })) }));
});
afterAll(() => t.close());

async function search(filterPattern: string): Promise<number[]> {
  const found: number[] = [];
  for await (const page of paginateFilterLogEvents({ client: logs, pageSize: 2 }, { logGroupName: 'fp', filterPattern })) {
    for (const e of page.events!) found.push(messages.indexOf(e.message!));
  }
  return found;
}

describe('FilterLogEvents with filter patterns, through the AWS SDK', () => {
  it.each([
    // unstructured terms, phrases, OR, exclusion
    ['ERROR', [0, 2]],
    ['"payment failed"', [0]],
    ['ERROR payment', [0]],
    ['?WARN ?Exception', [6, 7]],
    ['ERROR -payment', [2]],
    ['', [0, 1, 2, 3, 4, 5, 6, 7]],
    // JSON
    ['{ $.level = "ERROR" }', [2]],
    ['{ $.latency > 100 }', [2]],
    ['{ $.user.tags[0] = "vip" }', [2]],
    ['{ $.ok IS TRUE }', [3]],
    ['{ $.extra IS NULL }', [3]],
    ['{ $.level = "INFO" && $.latency < 20 }', [3]],
    ['{ ($.level = "ERROR") || ($.user.id = 8) }', [2, 3]],
    // space-delimited
    ['[ip, user, username, timestamp, request, status_code = 4*, bytes]', [4]],
    ['[ip, ..., status_code = 200, size > 1000]', [5]],
    // regex
    ['%disk usage at 9[0-9]%', [6]],
    ['%Null[A-Za-z]+Exception%', [7]],
  ] as const)('%s', async (pattern, expected) => {
    expect(await search(pattern)).toEqual(expected);
  });

  it('rejects invalid patterns with InvalidParameterException', async () => {
    const err = await errorOf(() => logs.send(new FilterLogEventsCommand({ logGroupName: 'fp', filterPattern: '{ $.level = ' })));
    expect(err.name).toBe('InvalidParameterException');
    expect(err.$metadata?.httpStatusCode).toBe(400);
  });
});
