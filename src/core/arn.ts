import type { Scope } from './types.js';

/** `arn:aws:logs:<region>:<account>:log-group:<name>` (logGroupArn, without the trailing `:*`). */
export function logGroupArn(scope: Scope, groupName: string): string {
  return `arn:aws:logs:${scope.region}:${scope.accountId}:log-group:${groupName}`;
}

export function logStreamArn(scope: Scope, groupName: string, streamName: string): string {
  return `${logGroupArn(scope, groupName)}:log-stream:${streamName}`;
}

export interface ParsedArn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly accountId: string;
  readonly resource: string;
}

export function parseArn(arn: string): ParsedArn | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, partition = '', service = '', region = '', accountId = ''] = parts;
  return { partition, service, region, accountId, resource: parts.slice(5).join(':') };
}

/**
 * A logGroupIdentifier is a name or an ARN (with or without the trailing `:*`).
 * Returns the scope the ARN names (or the caller's) and the group name.
 */
export function resolveLogGroupIdentifier(scope: Scope, identifier: string): { scope: Scope; name: string } {
  if (!identifier.startsWith('arn:')) return { scope, name: identifier };
  const arn = parseArn(identifier);
  if (!arn || !arn.resource.startsWith('log-group:')) return { scope, name: identifier };
  let name = arn.resource.slice('log-group:'.length);
  if (name.endsWith(':*')) name = name.slice(0, -2);
  return { scope: { accountId: arn.accountId || scope.accountId, region: arn.region || scope.region }, name };
}
