import { getLogEvents, type GetLogEventsRequest } from '../../core/use-cases/get-log-events.js';
import { defineOperation } from '../context.js';

export default defineOperation<GetLogEventsRequest>('GetLogEvents', (ctx, input) => getLogEvents(ctx.deps, ctx.scope, input));
