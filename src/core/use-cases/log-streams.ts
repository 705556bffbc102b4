import { logStreamArn } from '../arn.js';
import { InvalidParameterException } from '../errors.js';
import { decodeToken, encodeToken } from '../tokens.js';
import type { LogStream, Scope } from '../types.js';
import type { CoreDeps } from './deps.js';
import { pickLogGroup, requireLogGroup } from './log-groups.js';

export async function createLogStream(deps: CoreDeps, scope: Scope, input: { logGroupName: string; logStreamName: string }): Promise<void> {
  await deps.store.createLogStream(scope, input.logGroupName, input.logStreamName, deps.clock.now());
}

export async function deleteLogStream(deps: CoreDeps, scope: Scope, input: { logGroupName: string; logStreamName: string }): Promise<void> {
  await deps.store.deleteLogStream(scope, input.logGroupName, input.logStreamName);
}

export interface DescribeLogStreamsRequest {
  logGroupName?: string;
  logGroupIdentifier?: string;
  logStreamNamePrefix?: string;
  orderBy?: 'LogStreamName' | 'LastEventTime';
  descending?: boolean;
  nextToken?: string;
  limit?: number;
}

export interface LogStreamDescription {
  logStreamName: string;
  creationTime: number;
  firstEventTimestamp?: number;
  lastEventTimestamp?: number;
  lastIngestionTime?: number;
  uploadSequenceToken: string;
  arn: string;
  storedBytes: number;
}

interface StreamCursor {
  lastEventTime: number;
  name: string;
}
const isCursor = (v: unknown): v is StreamCursor =>
  typeof v === 'object' && v !== null && typeof (v as StreamCursor).name === 'string' && Number.isSafeInteger((v as StreamCursor).lastEventTime);

/**
 * Sequence tokens are ignored by AWS since 2023; old agents still read uploadSequenceToken and
 * send it back, so hand out a plausible one (digits, changing as the stream is written).
 */
export function sequenceTokenFor(stream: { creationTime: number; lastIngestionTime?: number }): string {
  return `4963${String(stream.lastIngestionTime ?? stream.creationTime).padStart(16, '0')}`;
}

export function describeStream(scope: Scope, stream: LogStream): LogStreamDescription {
  return {
    logStreamName: stream.name,
    creationTime: stream.creationTime,
    ...(stream.firstEventTimestamp !== undefined ? { firstEventTimestamp: stream.firstEventTimestamp } : {}),
    ...(stream.lastEventTimestamp !== undefined ? { lastEventTimestamp: stream.lastEventTimestamp } : {}),
    ...(stream.lastIngestionTime !== undefined ? { lastIngestionTime: stream.lastIngestionTime } : {}),
    uploadSequenceToken: sequenceTokenFor(stream),
    arn: logStreamArn(scope, stream.groupName, stream.name),
    // AWS: "As of June 17, 2019, this parameter is no longer supported for log streams, and is always reported as zero."
    storedBytes: 0,
  };
}

export async function describeLogStreams(
  deps: CoreDeps,
  callerScope: Scope,
  input: DescribeLogStreamsRequest,
): Promise<{ logStreams: LogStreamDescription[]; nextToken?: string }> {
  const { scope, name } = pickLogGroup(callerScope, input);
  const orderBy = input.orderBy ?? 'LogStreamName';
  if (orderBy === 'LastEventTime' && input.logStreamNamePrefix !== undefined) {
    throw new InvalidParameterException('Cannot order by LastEventTime with a logStreamNamePrefix.');
  }
  await requireLogGroup(deps, scope, name);
  const limit = input.limit ?? 50;
  const after = input.nextToken !== undefined ? decodeToken('DescribeLogStreams', input.nextToken, isCursor) : undefined;
  const streams = await deps.store.listLogStreams(scope, name, {
    ...(input.logStreamNamePrefix !== undefined ? { namePrefix: input.logStreamNamePrefix } : {}),
    orderBy,
    descending: input.descending ?? false,
    ...(after !== undefined ? { after } : {}),
    limit: limit + 1,
  });
  const page = streams.slice(0, limit);
  const logStreams = page.map((stream) => describeStream(scope, stream));
  const last = page[page.length - 1];
  if (streams.length > limit && last) {
    return { logStreams, nextToken: encodeToken('DescribeLogStreams', { lastEventTime: last.lastEventTimestamp ?? 0, name: last.name }) };
  }
  return { logStreams };
}
