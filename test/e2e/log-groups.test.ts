import {
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand,
  ListLogGroupsCommand,
  PutRetentionPolicyCommand,
  paginateDescribeLogGroups,
  type CloudWatchLogsClient,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
let logs: CloudWatchLogsClient;
beforeAll(async () => {
  t = await startTestServer();
  logs = t.client('eu-west-1');
});
afterAll(() => t.close());

describe('CreateLogGroup / DescribeLogGroups', () => {
  it('creates a group that is readable at once, with AWS ARNs and no retentionInDays', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/prod/api', kmsKeyId: 'arn:aws:kms:eu-west-1:000000000000:key/abc' }));
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/prod/api' }));
    expect(logGroups).toHaveLength(1);
    const group = logGroups![0]!;
    expect(group.logGroupName).toBe('/prod/api');
    expect(group.arn).toBe('arn:aws:logs:eu-west-1:000000000000:log-group:/prod/api:*');
    expect(group.logGroupArn).toBe('arn:aws:logs:eu-west-1:000000000000:log-group:/prod/api');
    expect(group.kmsKeyId).toBe('arn:aws:kms:eu-west-1:000000000000:key/abc');
    expect(group.logGroupClass).toBe('STANDARD');
    expect(group.metricFilterCount).toBe(0);
    expect(group.storedBytes).toBe(0);
    expect(group).not.toHaveProperty('retentionInDays');
    expect(Math.abs(group.creationTime! - Date.now())).toBeLessThan(10_000);
  });

  it('rejects a duplicate with ResourceAlreadyExistsException', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'dup' }));
    const err = await errorOf(() => logs.send(new CreateLogGroupCommand({ logGroupName: 'dup' })));
    expect(err.name).toBe('ResourceAlreadyExistsException');
    expect(err.message).toBe('The specified log group already exists');
    expect(err.$metadata?.httpStatusCode).toBe(400);
  });

  it('validates names with AWS messages and changes nothing', async () => {
    const err = await errorOf(() => logs.send(new CreateLogGroupCommand({ logGroupName: 'bad name' })));
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toBe(
      "1 validation error detected: Value 'bad name' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+",
    );
    const long = await errorOf(() => logs.send(new CreateLogGroupCommand({ logGroupName: 'a'.repeat(513) })));
    expect(long.message).toContain('Member must have length less than or equal to 512');
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'bad' }));
    expect(logGroups).toEqual([]);
  });

  it('reserves aws/ names', async () => {
    const err = await errorOf(() => logs.send(new CreateLogGroupCommand({ logGroupName: 'aws/mine' })));
    expect(err.name).toBe('InvalidParameterException');
  });

  it('lists in ASCII order, pages with nextToken to the end', async () => {
    const names = ['/page/B', '/page/a', '/page/C', '/page/_x', '/page/1', '/page/z', '/page/Z'];
    for (const name of names) await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
    const seen: string[] = [];
    for await (const page of paginateDescribeLogGroups({ client: logs, pageSize: 2 }, { logGroupNamePrefix: '/page/' })) {
      expect(page.logGroups!.length).toBeLessThanOrEqual(2);
      seen.push(...page.logGroups!.map((g) => g.logGroupName!));
    }
    expect(seen).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const last = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/page/', limit: 7 }));
    expect(last.nextToken).toBeUndefined();
  });

  it('filters by case-sensitive substring pattern and returns only arn, creationTime, name', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'GroupDataLogs' }));
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'datalogs' }));
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePattern: 'DataLogs' }));
    expect(logGroups!.map((g) => g.logGroupName)).toEqual(['GroupDataLogs']);
    expect(Object.keys(logGroups![0]!).sort()).toEqual(['arn', 'creationTime', 'logGroupName']);
  });

  it('rejects prefix together with pattern', async () => {
    const err = await errorOf(() => logs.send(new DescribeLogGroupsCommand({ logGroupNamePattern: 'x', logGroupNamePrefix: 'x' })));
    expect(err.name).toBe('InvalidParameterException');
  });

  it('filters by logGroupIdentifiers (names and ARNs)', async () => {
    const { logGroups } = await logs.send(
      new DescribeLogGroupsCommand({ logGroupIdentifiers: ['dup', 'arn:aws:logs:eu-west-1:000000000000:log-group:/prod/api', 'nope'] }),
    );
    expect(logGroups!.map((g) => g.logGroupName)).toEqual(['/prod/api', 'dup']);
  });

  it('checks limit bounds', async () => {
    const err = await errorOf(() => logs.send(new DescribeLogGroupsCommand({ limit: 51 })));
    expect(err.message).toBe("1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50");
  });

  it('scopes groups by region', async () => {
    const other = t.client('us-west-2');
    const { logGroups } = await other.send(new DescribeLogGroupsCommand({}));
    expect(logGroups).toEqual([]);
  });
});

describe('ListLogGroups', () => {
  it('matches ^prefix|substring patterns and pages', async () => {
    for (const name of ['/aws/lambda/one', '/aws/lambda/two', 'x-discovery-y', 'other']) {
      await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
    }
    const first = await logs.send(new ListLogGroupsCommand({ logGroupNamePattern: '^/aws/lambda|discovery', limit: 2 }));
    expect(first.logGroups!.map((g) => g.logGroupName)).toEqual(['/aws/lambda/one', '/aws/lambda/two']);
    expect(first.logGroups![0]!.logGroupArn).toBe('arn:aws:logs:eu-west-1:000000000000:log-group:/aws/lambda/one');
    expect(first.nextToken).toBeDefined();
    const second = await logs.send(new ListLogGroupsCommand({ logGroupNamePattern: '^/aws/lambda|discovery', limit: 2, nextToken: first.nextToken }));
    expect(second.logGroups!.map((g) => g.logGroupName)).toEqual(['x-discovery-y']);
    expect(second.nextToken).toBeUndefined();
  });
});

describe('retention policies', () => {
  it('sets and removes retentionInDays', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'ret' }));
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: 'ret', retentionInDays: 7 }));
    let { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'ret' }));
    expect(logGroups![0]!.retentionInDays).toBe(7);
    await logs.send(new DeleteRetentionPolicyCommand({ logGroupName: 'ret' }));
    ({ logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'ret' })));
    expect(logGroups![0]).not.toHaveProperty('retentionInDays');
  });

  it('accepts only AWS day values', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'ret2' }));
    const err = await errorOf(() => logs.send(new PutRetentionPolicyCommand({ logGroupName: 'ret2', retentionInDays: 2 })));
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toContain("Value '2' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]");
    for (const days of [1, 3653]) await logs.send(new PutRetentionPolicyCommand({ logGroupName: 'ret2', retentionInDays: days }));
  });

  it('reports a missing group', async () => {
    const err = await errorOf(() => logs.send(new PutRetentionPolicyCommand({ logGroupName: 'missing', retentionInDays: 1 })));
    expect(err.name).toBe('ResourceNotFoundException');
    expect(err.message).toBe('The specified log group does not exist.');
  });
});

describe('DeleteLogGroup', () => {
  it('deletes, then reports the group missing', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'gone' }));
    await logs.send(new DeleteLogGroupCommand({ logGroupName: 'gone' }));
    const err = await errorOf(() => logs.send(new DeleteLogGroupCommand({ logGroupName: 'gone' })));
    expect(err.name).toBe('ResourceNotFoundException');
    expect(err.message).toBe('The specified log group does not exist.');
  });
});
