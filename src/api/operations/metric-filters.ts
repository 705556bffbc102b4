/** The metric filter operations; metrics and alarms built on them live in src/alerts. */
import * as mf from '../../core/use-cases/metric-filters.js';
import { defineOperation } from '../context.js';

export const putMetricFilter = defineOperation<mf.PutMetricFilterRequest>('PutMetricFilter', async (ctx, input) => {
  await mf.putMetricFilter(ctx.deps, ctx.scope, input);
  return {};
});
export const describeMetricFilters = defineOperation<mf.DescribeMetricFiltersRequest>('DescribeMetricFilters', (ctx, input) =>
  mf.describeMetricFilters(ctx.deps, ctx.scope, input),
);
export const deleteMetricFilter = defineOperation<{ logGroupName: string; filterName: string }>('DeleteMetricFilter', async (ctx, input) => {
  await mf.deleteMetricFilter(ctx.deps, ctx.scope, input);
  return {};
});
export const testMetricFilter = defineOperation<{ filterPattern: string; logEventMessages: string[] }>('TestMetricFilter', async (_ctx, input) =>
  mf.testMetricFilter(input),
);
