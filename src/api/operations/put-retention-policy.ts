import { putRetentionPolicy } from '../../core/use-cases/log-groups.js';
import { defineOperation } from '../context.js';

export default defineOperation<{ logGroupName: string; retentionInDays: number }>('PutRetentionPolicy', async (ctx, input) => {
  await putRetentionPolicy(ctx.deps, ctx.scope, input);
  return {};
});
