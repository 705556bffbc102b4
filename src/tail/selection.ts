/**
 * What a follower asked for: up to 10 log groups (ARN or name), an optional stream filter (names
 * or name prefixes, one group only) and an optional filter pattern. StartLiveTail and the SSE
 * endpoint share it, so both accept and reject exactly the same selections.
 */
import { resolveLogGroupIdentifier } from '../core/arn.js';
import { InvalidParameterException, ResourceNotFoundException } from '../core/errors.js';
import { compileFilterPattern, requiredTerms, type CompiledFilterPattern } from '../core/filter-pattern/index.js';
import type { LogStore } from '../core/ports.js';
import type { Scope } from '../core/types.js';

/** AWS StartLiveTail: "You can include up to 10 log groups." */
export const MAX_TAIL_LOG_GROUPS = 10;
/** AWS InputLogStreamNames: 1..100 names or prefixes. */
export const MAX_TAIL_STREAM_FILTERS = 100;
/** AWS FilterPattern: length 0..1024. */
export const MAX_TAIL_FILTER_PATTERN_LENGTH = 1024;

export interface TailRequest {
  readonly logGroupIdentifiers: readonly string[];
  readonly logStreamNames?: readonly string[];
  readonly logStreamNamePrefixes?: readonly string[];
  readonly logEventFilterPattern?: string;
}

export interface TailGroup {
  /** the key the hub indexes followers by */
  readonly key: string;
  readonly scope: Scope;
  readonly name: string;
  /** as the client gave it: echoed in every event's logGroupIdentifier */
  readonly identifier: string;
}

export interface TailSelection {
  readonly request: TailRequest;
  readonly groups: readonly TailGroup[];
  readonly pattern?: CompiledFilterPattern;
  /** terms every matching message contains (a scan hint) */
  readonly requiredTerms: readonly string[];
  groupByKey(key: string): TailGroup | undefined;
  streamMatches(streamName: string): boolean;
}

export function groupKey(scope: Scope, name: string): string {
  return `${scope.accountId}\u0000${scope.region}\u0000${name}`;
}

function lengthError(value: readonly string[] | string, path: string, constraint: string): string {
  const shown = typeof value === 'string' ? value : `[${value.join(', ')}]`;
  return `Value '${shown}' at '${path}' failed to satisfy constraint: Member must have length ${constraint}`;
}

/**
 * The model's constraints, for callers that do not come through the JSON API's model-driven
 * validation (the SSE endpoint); messages as AWS's front end words them.
 */
export function checkTailRequestShape(request: TailRequest): void {
  const errors: string[] = [];
  const groups = request.logGroupIdentifiers;
  if (groups.length < 1) errors.push(lengthError(groups, 'logGroupIdentifiers', 'greater than or equal to 1'));
  if (groups.length > MAX_TAIL_LOG_GROUPS) errors.push(lengthError(groups, 'logGroupIdentifiers', `less than or equal to ${MAX_TAIL_LOG_GROUPS}`));
  for (const [path, list] of [
    ['logStreamNames', request.logStreamNames],
    ['logStreamNamePrefixes', request.logStreamNamePrefixes],
  ] as const) {
    if (list === undefined) continue;
    if (list.length < 1) errors.push(lengthError(list, path, 'greater than or equal to 1'));
    if (list.length > MAX_TAIL_STREAM_FILTERS) errors.push(lengthError(list, path, `less than or equal to ${MAX_TAIL_STREAM_FILTERS}`));
    list.forEach((name, i) => {
      if (name.length < 1 || name.length > 512) errors.push(lengthError(name, `${path}.${i + 1}.member`, name.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 512'));
      else if (/[:*]/.test(name)) errors.push(`Value '${name}' at '${path}.${i + 1}.member' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*`);
    });
  }
  groups.forEach((id, i) => {
    if (id.length < 1 || id.length > 2048) errors.push(lengthError(id, `logGroupIdentifiers.${i + 1}.member`, id.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 2048'));
    else if (!/^[\w#+=/:,.@-]*$/.test(id)) errors.push(`Value '${id}' at 'logGroupIdentifiers.${i + 1}.member' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w#+=/:,.@-]*`);
  });
  const pattern = request.logEventFilterPattern;
  if (pattern !== undefined && pattern.length > MAX_TAIL_FILTER_PATTERN_LENGTH) {
    errors.push(lengthError(pattern, 'logEventFilterPattern', `less than or equal to ${MAX_TAIL_FILTER_PATTERN_LENGTH}`));
  }
  if (errors.length > 0) {
    throw new InvalidParameterException(`${errors.length} validation error${errors.length > 1 ? 's' : ''} detected: ${errors.join('; ')}`);
  }
}

/**
 * Checks the rules the model cannot express, resolves every group (it must exist) and compiles
 * the pattern through the one filter-pattern engine. Throws before any response is written.
 */
export async function resolveSelection(store: LogStore, scope: Scope, request: TailRequest): Promise<TailSelection> {
  const names = request.logStreamNames;
  const prefixes = request.logStreamNamePrefixes;
  // The wording of these two rejections is ours: AWS documents the rules, not its messages.
  if (names !== undefined && prefixes !== undefined) {
    throw new InvalidParameterException('Cannot specify both logStreamNames and logStreamNamePrefixes.');
  }
  if ((names !== undefined || prefixes !== undefined) && request.logGroupIdentifiers.length !== 1) {
    throw new InvalidParameterException('logStreamNames and logStreamNamePrefixes can be specified only when exactly one log group is specified in logGroupIdentifiers.');
  }
  const groups: TailGroup[] = [];
  const byKey = new Map<string, TailGroup>();
  for (const identifier of request.logGroupIdentifiers) {
    // AWS: "If you specify an ARN, the ARN can't end with an asterisk (*)."
    if (identifier.startsWith('arn:') && identifier.endsWith('*')) {
      throw new InvalidParameterException(`Log group ARN must not end with '*': ${identifier}`);
    }
    const resolved = resolveLogGroupIdentifier(scope, identifier);
    const key = groupKey(resolved.scope, resolved.name);
    if (byKey.has(key)) continue;
    if (!(await store.getLogGroup(resolved.scope, resolved.name))) {
      throw new ResourceNotFoundException('The specified log group does not exist.');
    }
    const group: TailGroup = { key, scope: resolved.scope, name: resolved.name, identifier };
    groups.push(group);
    byKey.set(key, group);
  }
  const source = request.logEventFilterPattern;
  const pattern = source !== undefined && source.trim() !== '' ? compileFilterPattern(source, { context: 'live-tail' }) : undefined;
  const nameSet = names ? new Set(names) : undefined;
  const streamMatches: (streamName: string) => boolean =
    nameSet ? (s) => nameSet.has(s)
    : prefixes ? (s) => prefixes.some((p) => s.startsWith(p))
    : () => true;
  return {
    request,
    groups,
    ...(pattern ? { pattern } : {}),
    requiredTerms: pattern ? requiredTerms(pattern) : [],
    groupByKey: (key) => byKey.get(key),
    streamMatches,
  };
}

/** The request as a JSON-safe object: what sessionStart echoes. */
export function describeSelection(request: TailRequest): Record<string, unknown> {
  return {
    logGroupIdentifiers: [...request.logGroupIdentifiers],
    ...(request.logStreamNames ? { logStreamNames: [...request.logStreamNames] } : {}),
    ...(request.logStreamNamePrefixes ? { logStreamNamePrefixes: [...request.logStreamNamePrefixes] } : {}),
    ...(request.logEventFilterPattern !== undefined ? { logEventFilterPattern: request.logEventFilterPattern } : {}),
  };
}
