/** The tag operations, new (by ARN) and legacy (by log group name), over one tag set per resource. */
import * as tags from '../../core/use-cases/tags.js';
import { defineOperation } from '../context.js';

export const tagResource = defineOperation<{ resourceArn: string; tags: Record<string, string> }>('TagResource', async (ctx, input) => {
  await tags.tagResource(ctx.deps, ctx.scope, input);
  return {};
});
export const untagResource = defineOperation<{ resourceArn: string; tagKeys: string[] }>('UntagResource', async (ctx, input) => {
  await tags.untagResource(ctx.deps, ctx.scope, input);
  return {};
});
export const listTagsForResource = defineOperation<{ resourceArn: string }>('ListTagsForResource', (ctx, input) =>
  tags.listTagsForResource(ctx.deps, ctx.scope, input),
);
export const tagLogGroup = defineOperation<{ logGroupName: string; tags: Record<string, string> }>('TagLogGroup', async (ctx, input) => {
  await tags.tagLogGroup(ctx.deps, ctx.scope, input);
  return {};
});
export const untagLogGroup = defineOperation<{ logGroupName: string; tags: string[] }>('UntagLogGroup', async (ctx, input) => {
  await tags.untagLogGroup(ctx.deps, ctx.scope, input);
  return {};
});
export const listTagsLogGroup = defineOperation<{ logGroupName: string }>('ListTagsLogGroup', (ctx, input) =>
  tags.listTagsLogGroup(ctx.deps, ctx.scope, input),
);
