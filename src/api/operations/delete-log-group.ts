import { deleteLogGroup } from '../../core/use-cases/log-groups.js';
import { defineOperation } from '../context.js';

export default defineOperation<{ logGroupName: string }>('DeleteLogGroup', async (ctx, input) => {
  await deleteLogGroup(ctx.deps, ctx.scope, input);
  return {};
});
