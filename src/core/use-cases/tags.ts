import { logGroupArn, parseArn } from '../arn.js';
import { InvalidParameterException, ResourceNotFoundException, TooManyTagsException } from '../errors.js';
import { MAX_TAGS } from '../limits.js';
import type { Scope } from '../types.js';
import type { CoreDeps } from './deps.js';

const TAGS_KIND = 'tags';
type Tags = Record<string, string>;

/** Every resource has one tag set, keyed by its ARN (for log groups, the ARN without `:*`). */
async function resolveTaggable(deps: CoreDeps, scope: Scope, resourceArn: string): Promise<string> {
  const arn = parseArn(resourceArn);
  if (!arn || arn.service !== 'logs') throw new InvalidParameterException(`Invalid resource ARN: ${resourceArn}`);
  if (arn.resource.startsWith('log-group:')) {
    let name = arn.resource.slice('log-group:'.length);
    if (name.endsWith(':*')) name = name.slice(0, -2);
    if (arn.accountId !== scope.accountId || arn.region !== scope.region || !(await deps.store.getLogGroup(scope, name))) {
      throw new ResourceNotFoundException('The specified log group does not exist.');
    }
    return logGroupArn(scope, name);
  }
  if (arn.resource.startsWith('destination:')) {
    const name = arn.resource.slice('destination:'.length);
    if (!(await deps.store.getResource(scope, 'destination', name))) {
      throw new ResourceNotFoundException('The specified destination does not exist.');
    }
    return resourceArn;
  }
  throw new ResourceNotFoundException('The specified resource does not exist.');
}

export async function getTags(deps: CoreDeps, scope: Scope, key: string): Promise<Tags> {
  return (await deps.store.getResource<Tags>(scope, TAGS_KIND, key)) ?? {};
}

export async function setTags(deps: CoreDeps, scope: Scope, key: string, tags: Tags): Promise<void> {
  const merged = { ...(await getTags(deps, scope, key)), ...tags };
  if (Object.keys(merged).length > MAX_TAGS) {
    throw new TooManyTagsException(`A resource can have no more than ${MAX_TAGS} tags.`);
  }
  await deps.store.putResource(scope, TAGS_KIND, key, merged);
}

export async function removeTags(deps: CoreDeps, scope: Scope, key: string, tagKeys: readonly string[]): Promise<void> {
  const tags = await getTags(deps, scope, key);
  for (const tagKey of tagKeys) delete tags[tagKey];
  await deps.store.putResource(scope, TAGS_KIND, key, tags);
}

export async function tagResource(deps: CoreDeps, scope: Scope, input: { resourceArn: string; tags: Tags }): Promise<void> {
  await setTags(deps, scope, await resolveTaggable(deps, scope, input.resourceArn), input.tags);
}

export async function untagResource(deps: CoreDeps, scope: Scope, input: { resourceArn: string; tagKeys: string[] }): Promise<void> {
  await removeTags(deps, scope, await resolveTaggable(deps, scope, input.resourceArn), input.tagKeys);
}

export async function listTagsForResource(deps: CoreDeps, scope: Scope, input: { resourceArn: string }): Promise<{ tags: Tags }> {
  return { tags: await getTags(deps, scope, await resolveTaggable(deps, scope, input.resourceArn)) };
}

async function requireGroupArn(deps: CoreDeps, scope: Scope, logGroupName: string): Promise<string> {
  if (!(await deps.store.getLogGroup(scope, logGroupName))) throw new ResourceNotFoundException('The specified log group does not exist.');
  return logGroupArn(scope, logGroupName);
}

export async function tagLogGroup(deps: CoreDeps, scope: Scope, input: { logGroupName: string; tags: Tags }): Promise<void> {
  await setTags(deps, scope, await requireGroupArn(deps, scope, input.logGroupName), input.tags);
}

export async function untagLogGroup(deps: CoreDeps, scope: Scope, input: { logGroupName: string; tags: string[] }): Promise<void> {
  await removeTags(deps, scope, await requireGroupArn(deps, scope, input.logGroupName), input.tags);
}

export async function listTagsLogGroup(deps: CoreDeps, scope: Scope, input: { logGroupName: string }): Promise<{ tags: Tags }> {
  return { tags: await getTags(deps, scope, await requireGroupArn(deps, scope, input.logGroupName)) };
}
