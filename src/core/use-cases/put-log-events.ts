import { InvalidParameterException, ResourceNotFoundException } from '../errors.js';
import { EVENT_OVERHEAD_BYTES, MAX_AGE_MS, MAX_BATCH_BYTES, MAX_BATCH_SPAN_MS, MAX_FUTURE_MS } from '../limits.js';
import type { AsciiText } from '../ports.js';
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

/** UTF-8 byte length without allocating; lone surrogates count as 3 bytes like Buffer.byteLength. */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // a surrogate pair: 4 bytes for 2 UTF-16 units
      i++;
    } else bytes += 2;
  }
  return bytes;
}

/** AWS's batch size: message bytes in UTF-8 plus 26 bytes per event. */
export function batchBytes(events: readonly InputLogEvent[]): number {
  let total = 0;
  for (const event of events) total += utf8Length(event.message) + EVENT_OVERHEAD_BYTES;
  return total;
}

/**
 * The batch's messages joined, when all of them are ASCII (nearly always): one native length check
 * then gives the exact UTF-8 size, where counting character by character in JavaScript cost ~1 ms
 * per 10,000-event request, and the store writes the joined text without joining it again.
 */
function asciiText(events: readonly InputLogEvent[]): AsciiText | undefined {
  const messages = new Array<string>(events.length);
  for (let i = 0; i < events.length; i++) messages[i] = events[i]!.message;
  const joined = messages.join('');
  return Buffer.byteLength(joined, 'utf8') === joined.length ? { joined } : undefined;
}

export async function putLogEvents(deps: CoreDeps, scope: Scope, input: PutLogEventsRequest): Promise<PutLogEventsResponse> {
  const events = input.logEvents;
  const text = asciiText(events);
  const size = text ? text.joined.length + EVENT_OVERHEAD_BYTES * events.length : batchBytes(events);
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
