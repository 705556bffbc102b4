import { createLogStream } from '../../core/use-cases/log-streams.js';
import { defineOperation } from '../context.js';

export default defineOperation<{ logGroupName: string; logStreamName: string }>('CreateLogStream', async (ctx, input) => {
  await createLogStream(ctx.deps, ctx.scope, input);
  return {};
});
