import { logGroupArn, resolveLogGroupIdentifier } from '../arn.js';
import { InvalidOperationException, InvalidParameterException, ResourceNotFoundException, ValidationException } from '../errors.js';
import { RETENTION_DAYS } from '../limits.js';
import { decodeToken, encodeToken } from '../tokens.js';
import type { LogGroup, LogGroupClass, Scope } from '../types.js';
import type { CoreDeps } from './deps.js';
import { setTags } from './tags.js';

export const METRIC_FILTER_KIND = 'metric-filter';
/** Resources that belong to a log group are keyed `<group name>\n<name>`, so a group's are one prefix. */
export function groupResourceKey(groupName: string, name: string): string {
  return `${groupName}\n${name}`;
}

const DAY_MS = 86_400_000;

/**
 * The earliest timestamp still inside a group's retention period. Reads never return older events,
 * even before the background job has deleted them.
 */
export function retentionCutoff(group: LogGroup, now: number): number | undefined {
  return group.retentionInDays === undefined ? undefined : now - group.retentionInDays * DAY_MS;
}

/** Narrows an inclusive start time to the retention period. */
export function clampStartTime(startTime: number | undefined, group: LogGroup, now: number): number | undefined {
  const cutoff = retentionCutoff(group, now);
  if (cutoff === undefined) return startTime;
  return startTime === undefined ? cutoff : Math.max(startTime, cutoff);
}

export async function requireLogGroup(deps: CoreDeps, scope: Scope, name: string): Promise<LogGroup> {
  const group = await deps.store.getLogGroup(scope, name);
  if (!group) throw new ResourceNotFoundException('The specified log group does not exist.');
  return group;
}

/**
 * Resolves the `logGroupName` / `logGroupIdentifier` pair that several operations take:
 * exactly one of them must be given.
 */
export function pickLogGroup(
  scope: Scope,
  input: { logGroupName?: string | undefined; logGroupIdentifier?: string | undefined },
): { scope: Scope; name: string } {
  if (input.logGroupName !== undefined && input.logGroupIdentifier !== undefined) {
    // AWS answers this one with ValidationException (recorded in LocalStack's AWS-validated snapshots).
    throw new ValidationException('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
  }
  if (input.logGroupIdentifier !== undefined) return resolveLogGroupIdentifier(scope, input.logGroupIdentifier);
  if (input.logGroupName !== undefined) return { scope, name: input.logGroupName };
  throw new InvalidParameterException('Should provide either name or ARN of the log group.');
}

export interface CreateLogGroupRequest {
  logGroupName: string;
  kmsKeyId?: string;
  tags?: Record<string, string>;
  logGroupClass?: LogGroupClass;
  deletionProtectionEnabled?: boolean;
}

export async function createLogGroup(deps: CoreDeps, scope: Scope, input: CreateLogGroupRequest): Promise<void> {
  if (input.logGroupName.toLowerCase().startsWith('aws/')) {
    throw new InvalidParameterException('Log groups starting with AWS/ are reserved for AWS.');
  }
  await deps.store.createLogGroup(scope, {
    name: input.logGroupName,
    creationTime: deps.clock.now(),
    ...(input.kmsKeyId !== undefined ? { kmsKeyId: input.kmsKeyId } : {}),
    logGroupClass: input.logGroupClass ?? 'STANDARD',
    deletionProtectionEnabled: input.deletionProtectionEnabled ?? false,
  });
  if (input.tags && Object.keys(input.tags).length > 0) {
    await setTags(deps, scope, logGroupArn(scope, input.logGroupName), input.tags);
  }
}

export async function deleteLogGroup(deps: CoreDeps, scope: Scope, input: { logGroupName: string }): Promise<void> {
  const group = await requireLogGroup(deps, scope, input.logGroupName);
  if (group.deletionProtectionEnabled) {
    throw new InvalidOperationException('Cannot delete log group with deletion protection enabled.');
  }
  await deps.store.deleteLogGroup(scope, input.logGroupName);
  await deps.store.deleteResource(scope, 'tags', logGroupArn(scope, input.logGroupName));
  for (const kind of GROUP_OWNED_KINDS) await deps.store.deleteResources(scope, kind, groupResourceKey(input.logGroupName, ''));
}

/** Resource kinds keyed by groupResourceKey(); they go when their group goes. */
export const GROUP_OWNED_KINDS = new Set<string>([METRIC_FILTER_KIND, 'subscription-filter', 'data-protection-policy', 'index-policy']);

export interface DescribeLogGroupsRequest {
  logGroupNamePrefix?: string;
  logGroupNamePattern?: string;
  logGroupIdentifiers?: string[];
  logGroupClass?: LogGroupClass;
  nextToken?: string;
  limit?: number;
  includeLinkedAccounts?: boolean;
  accountIdentifiers?: string[];
}

export interface LogGroupDescription {
  logGroupName: string;
  creationTime: number;
  retentionInDays?: number;
  metricFilterCount?: number;
  arn: string;
  storedBytes?: number;
  kmsKeyId?: string;
  logGroupClass?: LogGroupClass;
  logGroupArn?: string;
  deletionProtectionEnabled?: boolean;
}

const isName = (value: unknown): value is string => typeof value === 'string';

export async function describeLogGroups(
  deps: CoreDeps,
  scope: Scope,
  input: DescribeLogGroupsRequest,
): Promise<{ logGroups: LogGroupDescription[]; nextToken?: string }> {
  if (input.logGroupNamePrefix !== undefined && input.logGroupNamePattern !== undefined) {
    throw new InvalidParameterException('LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.');
  }
  if (input.logGroupIdentifiers !== undefined && (input.logGroupNamePrefix !== undefined || input.logGroupNamePattern !== undefined)) {
    throw new InvalidParameterException('logGroupIdentifiers cannot be combined with logGroupNamePrefix or logGroupNamePattern.');
  }
  const limit = input.limit ?? 50;
  const afterName = input.nextToken !== undefined ? decodeToken('DescribeLogGroups', input.nextToken, isName) : undefined;
  const names = input.logGroupIdentifiers?.map((id) => resolveLogGroupIdentifier(scope, id).name);
  const groups = await deps.store.listLogGroups(scope, {
    ...(input.logGroupNamePrefix !== undefined ? { namePrefix: input.logGroupNamePrefix } : {}),
    ...(input.logGroupNamePattern !== undefined ? { nameContains: input.logGroupNamePattern } : {}),
    ...(names !== undefined ? { names } : {}),
    ...(input.logGroupClass !== undefined ? { logGroupClass: input.logGroupClass } : {}),
    ...(afterName !== undefined ? { afterName } : {}),
    limit: limit + 1,
  });
  const page = groups.slice(0, limit);
  const patternOnly = input.logGroupNamePattern !== undefined;
  const logGroups: LogGroupDescription[] = [];
  for (const group of page) {
    const arn = `${logGroupArn(scope, group.name)}:*`;
    if (patternOnly) {
      // AWS: with logGroupNamePattern only arn, creationTime and logGroupName are returned.
      logGroups.push({ logGroupName: group.name, creationTime: group.creationTime, arn });
      continue;
    }
    const metricFilters = await deps.store.listResources(scope, METRIC_FILTER_KIND, groupResourceKey(group.name, ''));
    logGroups.push({
      logGroupName: group.name,
      creationTime: group.creationTime,
      ...(group.retentionInDays !== undefined ? { retentionInDays: group.retentionInDays } : {}),
      metricFilterCount: metricFilters.length,
      arn,
      storedBytes: group.storedBytes,
      ...(group.kmsKeyId !== undefined ? { kmsKeyId: group.kmsKeyId } : {}),
      logGroupClass: group.logGroupClass,
      logGroupArn: logGroupArn(scope, group.name),
      deletionProtectionEnabled: group.deletionProtectionEnabled,
    });
  }
  const last = page[page.length - 1];
  return groups.length > limit && last ? { logGroups, nextToken: encodeToken('DescribeLogGroups', last.name) } : { logGroups };
}

export interface ListLogGroupsRequest {
  logGroupNamePattern?: string;
  logGroupClass?: LogGroupClass;
  nextToken?: string;
  limit?: number;
}

/** ListLogGroups' pattern: up to five alternatives separated by `|`, `^` anchoring one at the start; case-sensitive. */
function compileNamePattern(pattern: string): (name: string) => boolean {
  const alternatives = pattern.split('|').map((alt) =>
    alt.startsWith('^') ? (name: string) => name.startsWith(alt.slice(1)) : (name: string) => name.includes(alt),
  );
  return (name) => alternatives.some((test) => test(name));
}

export async function listLogGroups(
  deps: CoreDeps,
  scope: Scope,
  input: ListLogGroupsRequest,
): Promise<{ logGroups: Array<{ logGroupName: string; logGroupArn: string; logGroupClass: LogGroupClass }>; nextToken?: string }> {
  const limit = input.limit ?? 50;
  let afterName = input.nextToken !== undefined ? decodeToken('ListLogGroups', input.nextToken, isName) : undefined;
  const matches = input.logGroupNamePattern !== undefined ? compileNamePattern(input.logGroupNamePattern) : () => true;
  const found: LogGroup[] = [];
  let more = false;
  for (;;) {
    const batch = await deps.store.listLogGroups(scope, {
      ...(input.logGroupClass !== undefined ? { logGroupClass: input.logGroupClass } : {}),
      ...(afterName !== undefined ? { afterName } : {}),
      limit: 500,
    });
    for (const group of batch) {
      if (!matches(group.name)) continue;
      if (found.length === limit) {
        more = true;
        break;
      }
      found.push(group);
    }
    if (more || batch.length < 500) break;
    afterName = batch[batch.length - 1]!.name;
  }
  const logGroups = found.map((g) => ({ logGroupName: g.name, logGroupArn: logGroupArn(scope, g.name), logGroupClass: g.logGroupClass }));
  const last = found[found.length - 1];
  return more && last ? { logGroups, nextToken: encodeToken('ListLogGroups', last.name) } : { logGroups };
}

export async function putRetentionPolicy(
  deps: CoreDeps,
  scope: Scope,
  input: { logGroupName: string; retentionInDays: number },
): Promise<void> {
  if (!(RETENTION_DAYS as readonly number[]).includes(input.retentionInDays)) {
    throw new InvalidParameterException(
      `1 validation error detected: Value '${input.retentionInDays}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${RETENTION_DAYS.join(', ')}]`,
    );
  }
  await requireLogGroup(deps, scope, input.logGroupName);
  await deps.store.updateLogGroup(scope, input.logGroupName, { retentionInDays: input.retentionInDays });
}

export async function deleteRetentionPolicy(deps: CoreDeps, scope: Scope, input: { logGroupName: string }): Promise<void> {
  await requireLogGroup(deps, scope, input.logGroupName);
  await deps.store.updateLogGroup(scope, input.logGroupName, { retentionInDays: null });
}
