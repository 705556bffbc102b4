import { deleteLogStream } from '../../core/use-cases/log-streams.js';
import { defineOperation } from '../context.js';

export default defineOperation<{ logGroupName: string; logStreamName: string }>('DeleteLogStream', async (ctx, input) => {
  await deleteLogStream(ctx.deps, ctx.scope, input);
  return {};
});
