import {
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  ListTagsForResourceCommand,
  ListTagsLogGroupCommand,
  TagLogGroupCommand,
  TagResourceCommand,
  UntagLogGroupCommand,
  UntagResourceCommand,
  type CloudWatchLogsClient,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
let logs: CloudWatchLogsClient;
const arn = 'arn:aws:logs:us-east-1:000000000000:log-group:tagged';
beforeAll(async () => {
  t = await startTestServer();
  logs = t.client();
  await logs.send(new CreateLogGroupCommand({ logGroupName: 'tagged', tags: { team: 'core' } }));
});
afterAll(() => t.close());

describe('tags', () => {
  it('shares one tag set between the ARN and legacy name operations', async () => {
    expect((await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual({ team: 'core' });
    await logs.send(new TagResourceCommand({ resourceArn: arn, tags: { env: 'prod' } }));
    await logs.send(new TagLogGroupCommand({ logGroupName: 'tagged', tags: { owner: 'ana', team: 'platform' } }));
    expect((await logs.send(new ListTagsLogGroupCommand({ logGroupName: 'tagged' }))).tags).toEqual({ team: 'platform', env: 'prod', owner: 'ana' });
    await logs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['env'] }));
    await logs.send(new UntagLogGroupCommand({ logGroupName: 'tagged', tags: ['owner'] }));
    expect((await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual({ team: 'platform' });
  });

  it('limits a resource to 50 tags', async () => {
    const tags = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
    const err = await errorOf(() => logs.send(new TagResourceCommand({ resourceArn: arn, tags })));
    expect(err.name).toBe('TooManyTagsException');
    const tooMany = await errorOf(() => logs.send(new TagResourceCommand({ resourceArn: arn, tags: { ...tags, extra: 'v' } })));
    expect(tooMany.name).toBe('InvalidParameterException');
  });

  it('reports missing resources and drops tags with the group', async () => {
    const missing = await errorOf(() => logs.send(new ListTagsForResourceCommand({ resourceArn: 'arn:aws:logs:us-east-1:000000000000:log-group:nope' })));
    expect(missing.name).toBe('ResourceNotFoundException');
    const legacy = await errorOf(() => logs.send(new ListTagsLogGroupCommand({ logGroupName: 'nope' })));
    expect(legacy.name).toBe('ResourceNotFoundException');
    await logs.send(new DeleteLogGroupCommand({ logGroupName: 'tagged' }));
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'tagged' }));
    expect((await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual({});
  });
});
