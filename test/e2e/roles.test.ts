import { CloudWatchLogsClient, CreateLogGroupCommand, StartLiveTailCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startTestServer, type TestServer } from '../helpers/server.js';

describe('server roles', () => {
  let t: TestServer;
  let logs: CloudWatchLogsClient;
  beforeAll(async () => {
    t = await startTestServer({ roles: ['api'] });
    logs = new CloudWatchLogsClient({
      endpoint: t.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      disableHostPrefix: true,
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    logs.destroy();
    await t.close();
  });

  it('serves the API without live tail when the tail role is off', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'roles' }));
    const err = await errorOf(() =>
      logs.send(new StartLiveTailCommand({ logGroupIdentifiers: ['arn:aws:logs:us-east-1:000000000000:log-group:roles'] })),
    );
    expect(err.name).toBe('UnknownOperationException');
  });
});
