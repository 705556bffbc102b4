import { describeLogStreams, type DescribeLogStreamsRequest } from '../../core/use-cases/log-streams.js';
import { defineOperation } from '../context.js';

export default defineOperation<DescribeLogStreamsRequest>('DescribeLogStreams', (ctx, input) => describeLogStreams(ctx.deps, ctx.scope, input));
