import { EVENT_OVERHEAD_BYTES, MAX_PAGE_BYTES, MAX_PAGE_EVENTS } from '../limits.js';
import { decodeStreamToken, encodeStreamToken } from '../tokens.js';
import type { EventPosition, Scope, StoredLogEvent } from '../types.js';
import type { CoreDeps } from './deps.js';
import { clampStartTime, pickLogGroup, requireLogGroup } from './log-groups.js';
import { utf8Length } from './put-log-events.js';
import { ResourceNotFoundException } from '../errors.js';

export interface GetLogEventsRequest {
  logGroupName?: string;
  logGroupIdentifier?: string;
  logStreamName: string;
  startTime?: number;
  endTime?: number;
  nextToken?: string;
  limit?: number;
  startFromHead?: boolean;
  unmask?: boolean;
}

export interface OutputLogEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
}

export interface GetLogEventsResponse {
  events: OutputLogEvent[];
  nextForwardToken: string;
  nextBackwardToken: string;
}

/** Before every event: where an empty stream's tokens point, so later events are still found. */
const ORIGIN: EventPosition = { timestamp: 0, id: 0 };

/** Keeps at most MAX_PAGE_BYTES, counted like PutLogEvents, from the end nearest the reading position. */
function trimToPageBytes(events: StoredLogEvent[], fromStart: boolean): StoredLogEvent[] {
  let bytes = 0;
  const ordered = fromStart ? events : [...events].reverse();
  let keep = 0;
  for (const event of ordered) {
    bytes += utf8Length(event.message) + EVENT_OVERHEAD_BYTES;
    if (bytes > MAX_PAGE_BYTES) break;
    keep++;
  }
  return fromStart ? events.slice(0, keep) : events.slice(events.length - keep);
}

export async function getLogEvents(deps: CoreDeps, callerScope: Scope, input: GetLogEventsRequest): Promise<GetLogEventsResponse> {
  const { scope, name } = pickLogGroup(callerScope, input);
  const token = input.nextToken !== undefined ? decodeStreamToken(input.nextToken) : undefined;
  const group = await requireLogGroup(deps, scope, name);
  if (!(await deps.store.getLogStream(scope, name, input.logStreamName))) {
    throw new ResourceNotFoundException('The specified log stream does not exist.');
  }
  const limit = input.limit ?? MAX_PAGE_EVENTS;
  const forward = token ? token.direction === 'f' : input.startFromHead === true;
  const startTime = clampStartTime(input.startTime, group, deps.clock.now());
  const range = {
    ...(startTime !== undefined ? { startTime } : {}),
    ...(input.endTime !== undefined ? { endTime: input.endTime } : {}),
  };
  const read = await deps.store.readStream(scope, name, input.logStreamName, {
    ...range,
    ...(token ? { from: token.position } : {}),
    direction: forward ? 'forward' : 'backward',
    limit,
  });
  const ascending = forward ? read : read.reverse();
  const page = trimToPageBytes(ascending, forward);
  const events = page.map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime }));
  const first = page[0];
  const last = page[page.length - 1];
  if (first && last) {
    return { events, nextForwardToken: encodeStreamToken('f', last), nextBackwardToken: encodeStreamToken('b', first) };
  }
  // Nothing (more) in this direction: AWS returns the token that was sent.
  const position = token?.position ?? ORIGIN;
  return {
    events,
    nextForwardToken: token?.direction === 'f' ? input.nextToken! : encodeStreamToken('f', position),
    nextBackwardToken: token?.direction === 'b' ? input.nextToken! : encodeStreamToken('b', position),
  };
}
