import { filterLogEvents, type FilterLogEventsRequest } from '../../core/use-cases/filter-log-events.js';
import { defineOperation } from '../context.js';

export default defineOperation<FilterLogEventsRequest>('FilterLogEvents', (ctx, input) => filterLogEvents(ctx.deps, ctx.scope, input));
