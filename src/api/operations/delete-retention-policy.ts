import { deleteRetentionPolicy } from '../../core/use-cases/log-groups.js';
import { defineOperation } from '../context.js';

export default defineOperation<{ logGroupName: string }>('DeleteRetentionPolicy', async (ctx, input) => {
  await deleteRetentionPolicy(ctx.deps, ctx.scope, input);
  return {};
});
