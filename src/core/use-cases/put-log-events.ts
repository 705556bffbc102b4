import { InvalidParameterException, ResourceNotFoundException } from '../errors.js';
import { EVENT_OVERHEAD_BYTES, MAX_AGE_MS, MAX_BATCH_BYTES, MAX_BATCH_SPAN_MS, MAX_FUTURE_MS } from '../limits.js';
import type { BatchText } from '../ports.js';
import type { InputLogEvent, Scope } from '../types.js';
import type { CoreDeps } from './deps.js';
import { requireLogGroup } from './log-groups.js';
import { sequenceTokenFor } from './log-streams.js';

export interface PutLogEventsRequest {
  logGroupName: string;
  logStreamName: string;
  logEvents: InputLogEvent[];
  sequenceToken?: string;
  entity?: unknown;
}

export interface RejectedLogEventsInfo {
  tooNewLogEventStartIndex?: number;
  tooOldLogEventEndIndex?: number;
  expiredLogEventEndIndex?: number;
}

export interface PutLogEventsResponse {
  nextSequenceToken: string;
  rejectedLogEventsInfo?: RejectedLogEventsInfo;
}

const DAY_MS = 86_400_000;

/**
 * UTF-8 byte length (lone surrogates count 3 bytes, as the replacement character they become).
 * Node's native count: ~10x a character loop in JavaScript.
 */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * A batch's message bytes, counted message by message: joining the messages to count them once
 * ran at ~240 MB/s here (~4.5 ms of the event loop per 1 MB request), counting each ~3 GB/s.
 */
function measureText(events: readonly InputLogEvent[]): BatchText {
  let bytes = 0;
  let chars = 0;
  for (let i = 0; i < events.length; i++) {
    const message = events[i]!.message;
    bytes += Buffer.byteLength(message, 'utf8');
    chars += message.length;
  }
  // A message's UTF-8 size equals its length only when every character is ASCII.
  return { bytes, ascii: bytes === chars };
}

export async function putLogEvents(deps: CoreDeps, scope: Scope, input: PutLogEventsRequest): Promise<PutLogEventsResponse> {
  const events = input.logEvents;
  const text = measureText(events);
  const size = text.bytes + EVENT_OVERHEAD_BYTES * events.length;
  if (size > MAX_BATCH_BYTES) {
    throw new InvalidParameterException(`Upload too large: ${size} bytes exceeds limit of ${MAX_BATCH_BYTES}`);
  }
  for (let i = 1; i < events.length; i++) {
    if (events[i]!.timestamp < events[i - 1]!.timestamp) {
      throw new InvalidParameterException('Log events in a single PutLogEvents request must be in chronological order.');
    }
  }
  const group = await requireLogGroup(deps, scope, input.logGroupName);
  const now = deps.clock.now();

  // Events are in chronological order, so the too-old and expired ones form a prefix and the
  // too-new ones a suffix: classify by index.
  let tooOldEnd = 0;
  while (tooOldEnd < events.length && events[tooOldEnd]!.timestamp < now - MAX_AGE_MS) tooOldEnd++;
  let expiredEnd = tooOldEnd;
  if (group.retentionInDays !== undefined) {
    const cutoff = now - group.retentionInDays * DAY_MS;
    while (expiredEnd < events.length && events[expiredEnd]!.timestamp < cutoff) expiredEnd++;
  }
  let tooNewStart = events.length;
  while (tooNewStart > expiredEnd && events[tooNewStart - 1]!.timestamp > now + MAX_FUTURE_MS) tooNewStart--;

  const accepted = events.slice(expiredEnd, tooNewStart);
  if (accepted.length > 1 && accepted[accepted.length - 1]!.timestamp - accepted[0]!.timestamp > MAX_BATCH_SPAN_MS) {
    throw new InvalidParameterException('The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
  }

  // appendEvents itself reports a missing stream; look it up only when nothing is appended.
  if (accepted.length > 0) {
    const whole = accepted.length === events.length ? text : undefined;
    await deps.store.appendEvents(scope, input.logGroupName, input.logStreamName, accepted, now, whole);
  }
  else if (!(await deps.store.getLogStream(scope, input.logGroupName, input.logStreamName))) {
    throw new ResourceNotFoundException('The specified log stream does not exist.');
  }

  const rejected: RejectedLogEventsInfo = {};
  if (tooNewStart < events.length) rejected.tooNewLogEventStartIndex = tooNewStart;
  if (tooOldEnd > 0) rejected.tooOldLogEventEndIndex = tooOldEnd;
  if (expiredEnd > tooOldEnd) rejected.expiredLogEventEndIndex = expiredEnd;
  const response: PutLogEventsResponse = {
    nextSequenceToken: sequenceTokenFor({ creationTime: now, lastIngestionTime: now }),
  };
  if (Object.keys(rejected).length > 0) response.rejectedLogEventsInfo = rejected;
  return response;
}
