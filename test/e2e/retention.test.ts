import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
  type CloudWatchLogsClient,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import type { StoredLogEvent } from '../../src/core/types.js';

let t: TestServer;
let logs: CloudWatchLogsClient;
const DAY = 86_400_000;
beforeAll(async () => {
  t = await startTestServer({ retentionIntervalMs: 200 });
  logs = t.client();
});
afterAll(() => t.close());

describe('retention', () => {
  it('stops returning expired events at once and reclaims them in the background', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'ret' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'ret', logStreamName: 's' }));
    const now = Date.now();
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: 'ret',
        logStreamName: 's',
        logEvents: [
          { timestamp: now - 3 * DAY, message: 'old' },
          { timestamp: now - 3 * DAY + 1000, message: 'old too' },
        ],
      }),
    );
    await logs.send(new PutLogEventsCommand({ logGroupName: 'ret', logStreamName: 's', logEvents: [{ timestamp: now, message: 'new' }] }));
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: 'ret', retentionInDays: 1 }));
    const got = await logs.send(new GetLogEventsCommand({ logGroupName: 'ret', logStreamName: 's', startFromHead: true }));
    expect(got.events!.map((e) => e.message)).toEqual(['new']);
    const filtered = await logs.send(new FilterLogEventsCommand({ logGroupName: 'ret' }));
    expect(filtered.events!.map((e) => e.message)).toEqual(['new']);
    // The background job deletes them from storage too.
    const scope = { accountId: '000000000000', region: 'us-east-1' };
    let stored: StoredLogEvent[] = [];
    for (let i = 0; i < 50; i++) {
      stored = [];
      for await (const batch of t.server.store.scan(scope, 'ret', { descending: false })) stored.push(...batch);
      if (stored.length === 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(stored.map((e) => e.message)).toEqual(['new']);
  });
});
