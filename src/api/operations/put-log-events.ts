import { putLogEvents, type PutLogEventsRequest } from '../../core/use-cases/put-log-events.js';
import { defineOperation } from '../context.js';

export default defineOperation<PutLogEventsRequest>('PutLogEvents', (ctx, input) => putLogEvents(ctx.deps, ctx.scope, input));
