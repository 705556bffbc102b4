import { listLogGroups, type ListLogGroupsRequest } from '../../core/use-cases/log-groups.js';
import { defineOperation } from '../context.js';

export default defineOperation<ListLogGroupsRequest>('ListLogGroups', (ctx, input) => listLogGroups(ctx.deps, ctx.scope, input));
