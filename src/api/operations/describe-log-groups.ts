import { describeLogGroups, type DescribeLogGroupsRequest } from '../../core/use-cases/log-groups.js';
import { defineOperation } from '../context.js';

export default defineOperation<DescribeLogGroupsRequest>('DescribeLogGroups', (ctx, input) => describeLogGroups(ctx.deps, ctx.scope, input));
