import {
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DeleteMetricFilterCommand,
  DescribeLogGroupsCommand,
  DescribeMetricFiltersCommand,
  PutMetricFilterCommand,
  TestMetricFilterCommand,
  type CloudWatchLogsClient,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
let logs: CloudWatchLogsClient;
beforeAll(async () => {
  t = await startTestServer();
  logs = t.client();
  await logs.send(new CreateLogGroupCommand({ logGroupName: 'mf' }));
  await logs.send(new CreateLogGroupCommand({ logGroupName: 'mf2' }));
});
afterAll(() => t.close());

const transformation = { metricName: 'Errors', metricNamespace: 'App', metricValue: '1' };

describe('metric filters', () => {
  it('puts, describes (by prefix, by metric) and counts them on the group', async () => {
    await logs.send(new PutMetricFilterCommand({ logGroupName: 'mf', filterName: 'errors', filterPattern: 'ERROR', metricTransformations: [transformation] }));
    await logs.send(
      new PutMetricFilterCommand({
        logGroupName: 'mf',
        filterName: 'latency',
        filterPattern: '{ $.latency > 0 }',
        metricTransformations: [{ metricName: 'Latency', metricNamespace: 'App', metricValue: '$.latency', unit: 'Milliseconds', dimensions: { Route: '$.route' } }],
      }),
    );
    await logs.send(
      new PutMetricFilterCommand({
        logGroupName: 'mf2',
        filterName: 'bytes',
        filterPattern: '[ip, user, ts, request, status, size]',
        metricTransformations: [{ metricName: 'Bytes', metricNamespace: 'Web', metricValue: '$size', defaultValue: 0 }],
      }),
    );
    const byGroup = await logs.send(new DescribeMetricFiltersCommand({ logGroupName: 'mf' }));
    expect(byGroup.metricFilters!.map((f) => f.filterName)).toEqual(['errors', 'latency']);
    expect(byGroup.metricFilters![1]).toMatchObject({
      filterName: 'latency',
      filterPattern: '{ $.latency > 0 }',
      logGroupName: 'mf',
      metricTransformations: [{ metricName: 'Latency', metricNamespace: 'App', metricValue: '$.latency', unit: 'Milliseconds', dimensions: { Route: '$.route' } }],
    });
    expect(typeof byGroup.metricFilters![0]!.creationTime).toBe('number');
    const byPrefix = await logs.send(new DescribeMetricFiltersCommand({ logGroupName: 'mf', filterNamePrefix: 'lat' }));
    expect(byPrefix.metricFilters!.map((f) => f.filterName)).toEqual(['latency']);
    const byMetric = await logs.send(new DescribeMetricFiltersCommand({ metricName: 'Bytes', metricNamespace: 'Web' }));
    expect(byMetric.metricFilters!.map((f) => f.filterName)).toEqual(['bytes']);
    const all = await logs.send(new DescribeMetricFiltersCommand({ limit: 2 }));
    expect(all.metricFilters!.map((f) => f.filterName)).toEqual(['bytes', 'errors']);
    const rest = await logs.send(new DescribeMetricFiltersCommand({ limit: 2, nextToken: all.nextToken }));
    expect(rest.metricFilters!.map((f) => f.filterName)).toEqual(['latency']);
    expect(rest.nextToken).toBeUndefined();
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'mf' }));
    expect(logGroups!.map((g) => g.metricFilterCount)).toEqual([2, 1]);
  });

  it('updates a filter in place', async () => {
    await logs.send(new PutMetricFilterCommand({ logGroupName: 'mf', filterName: 'errors', filterPattern: '?ERROR ?FATAL', metricTransformations: [transformation] }));
    const { metricFilters } = await logs.send(new DescribeMetricFiltersCommand({ logGroupName: 'mf', filterNamePrefix: 'errors' }));
    expect(metricFilters!.map((f) => f.filterPattern)).toEqual(['?ERROR ?FATAL']);
  });

  it('validates patterns and transformations', async () => {
    const badPattern = await errorOf(() =>
      logs.send(new PutMetricFilterCommand({ logGroupName: 'mf', filterName: 'x', filterPattern: '{ $.a = ', metricTransformations: [transformation] })),
    );
    expect(badPattern.name).toBe('InvalidParameterException');
    const dims = await errorOf(() =>
      logs.send(
        new PutMetricFilterCommand({
          logGroupName: 'mf',
          filterName: 'x',
          filterPattern: 'ERROR',
          metricTransformations: [{ ...transformation, dimensions: { A: '$.a' } }],
        }),
      ),
    );
    expect(dims.message).toBe('The specified filter pattern does not support dimensions');
    const both = await errorOf(() =>
      logs.send(
        new PutMetricFilterCommand({
          logGroupName: 'mf',
          filterName: 'x',
          filterPattern: '{ $.a = 1 }',
          metricTransformations: [{ ...transformation, defaultValue: 0, dimensions: { A: '$.a' } }],
        }),
      ),
    );
    expect(both.message).toBe('Invalid metric transformation: dimensions and default value are mutually exclusive properties');
    const two = await errorOf(() =>
      logs.send(new PutMetricFilterCommand({ logGroupName: 'mf', filterName: 'x', filterPattern: '', metricTransformations: [transformation, transformation] })),
    );
    expect(two.message).toContain("at 'metricTransformations' failed to satisfy constraint: Member must have length less than or equal to 1");
    const missing = await errorOf(() =>
      logs.send(new PutMetricFilterCommand({ logGroupName: 'nope', filterName: 'x', filterPattern: '', metricTransformations: [transformation] })),
    );
    expect(missing.name).toBe('ResourceNotFoundException');
    const { metricFilters } = await logs.send(new DescribeMetricFiltersCommand({ logGroupName: 'mf', filterNamePrefix: 'x' }));
    expect(metricFilters).toEqual([]);
  });

  it('allows 100 filters per group', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'many' }));
    for (let i = 0; i < 100; i++) {
      await logs.send(new PutMetricFilterCommand({ logGroupName: 'many', filterName: `f${i}`, filterPattern: '', metricTransformations: [transformation] }));
    }
    const err = await errorOf(() =>
      logs.send(new PutMetricFilterCommand({ logGroupName: 'many', filterName: 'f100', filterPattern: '', metricTransformations: [transformation] })),
    );
    expect(err.name).toBe('LimitExceededException');
    await logs.send(new PutMetricFilterCommand({ logGroupName: 'many', filterName: 'f5', filterPattern: 'x', metricTransformations: [transformation] }));
  });

  it('deletes filters, and removes them with their group', async () => {
    await logs.send(new DeleteMetricFilterCommand({ logGroupName: 'mf', filterName: 'errors' }));
    const err = await errorOf(() => logs.send(new DeleteMetricFilterCommand({ logGroupName: 'mf', filterName: 'errors' })));
    expect(err.name).toBe('ResourceNotFoundException');
    await logs.send(new DeleteLogGroupCommand({ logGroupName: 'mf2' }));
    const { metricFilters } = await logs.send(new DescribeMetricFiltersCommand({ metricName: 'Bytes', metricNamespace: 'Web' }));
    expect(metricFilters).toEqual([]);
  });
});

describe('TestMetricFilter', () => {
  it('reports matches with eventNumber from 1 and extracted values', async () => {
    const out = await logs.send(
      new TestMetricFilterCommand({
        filterPattern: '[ip, user, username, timestamp, request, status_code = 4*, bytes]',
        logEventMessages: [
          '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 404 1534',
          '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326',
        ],
      }),
    );
    expect(out.matches).toHaveLength(1);
    expect(out.matches![0]!.eventNumber).toBe(1);
    expect(out.matches![0]!.extractedValues).toMatchObject({ $status_code: '404', $bytes: '1534', $ip: '127.0.0.1' });
  });

  it('rejects an invalid pattern', async () => {
    const err = await errorOf(() => logs.send(new TestMetricFilterCommand({ filterPattern: '{ $.a = ', logEventMessages: ['x'] })));
    expect(err.name).toBe('InvalidParameterException');
  });
});
