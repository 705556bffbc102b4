import { createLogGroup, type CreateLogGroupRequest } from '../../core/use-cases/log-groups.js';
import { defineOperation } from '../context.js';

export default defineOperation<CreateLogGroupRequest>('CreateLogGroup', async (ctx, input) => {
  await createLogGroup(ctx.deps, ctx.scope, input);
  return {};
});
