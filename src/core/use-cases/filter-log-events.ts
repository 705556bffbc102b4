import { InvalidParameterException, ResourceNotFoundException } from '../errors.js';
import { EVENT_OVERHEAD_BYTES, MAX_PAGE_BYTES, MAX_PAGE_EVENTS } from '../limits.js';
import { decodeToken, encodeToken } from '../tokens.js';
import type { EventPosition, Scope } from '../types.js';
import type { CoreDeps } from './deps.js';
import { clampStartTime, pickLogGroup, requireLogGroup } from './log-groups.js';
import { utf8Length } from './put-log-events.js';
import { compileFilterPattern, requiredTerms } from '../filter-pattern/index.js';

export interface FilterLogEventsRequest {
  logGroupName?: string;
  logGroupIdentifier?: string;
  logStreamNames?: string[];
  logStreamNamePrefix?: string;
  startTime?: number;
  endTime?: number;
  filterPattern?: string;
  nextToken?: string;
  limit?: number;
  startFromHead?: boolean;
  interleaved?: boolean;
  unmask?: boolean;
}

export interface FilteredLogEvent {
  logStreamName: string;
  timestamp: number;
  message: string;
  ingestionTime: number;
  eventId: string;
}

export interface FilterLogEventsResponse {
  events: FilteredLogEvent[];
  searchedLogStreams: never[];
  nextToken?: string;
}

/** A stable id per event: its timestamp and store id, as 56 digits like AWS's eventIds. */
export function eventIdOf(event: { timestamp: number; id: number }): string {
  return String(event.timestamp).padStart(20, '0') + String(event.id).padStart(36, '0');
}

/** Where a page stopped, and in which direction the search runs. */
interface FilterCursor {
  timestamp: number;
  id: number;
  descending: boolean;
}
const isCursor = (v: unknown): v is FilterCursor =>
  typeof v === 'object' &&
  v !== null &&
  Number.isSafeInteger((v as FilterCursor).timestamp) &&
  Number.isSafeInteger((v as FilterCursor).id) &&
  typeof (v as FilterCursor).descending === 'boolean';

/** AWS: startFromHead=false needs a startTime on or after 2024-01-01T00:00:00Z. */
const DESCENDING_MIN_START_TIME = Date.UTC(2024, 0, 1);

/** A long search returns what it has and a token to go on, as AWS does, instead of holding the request. */
const SEARCH_BUDGET_MS = 5_000;

export async function filterLogEvents(deps: CoreDeps, callerScope: Scope, input: FilterLogEventsRequest): Promise<FilterLogEventsResponse> {
  const { scope, name } = pickLogGroup(callerScope, input);
  if (input.logStreamNames !== undefined && input.logStreamNamePrefix !== undefined) {
    throw new InvalidParameterException('Cannot specify both logStreamNames and logStreamNamePrefix.');
  }
  const cursor = input.nextToken !== undefined ? decodeToken('FilterLogEvents', input.nextToken, isCursor) : undefined;
  const descending = cursor ? cursor.descending : input.startFromHead === false;
  if (!cursor && descending && (input.startTime === undefined || input.startTime < DESCENDING_MIN_START_TIME)) {
    throw new InvalidParameterException('startFromHead=false is supported only when startTime is on or after Jan 1, 2024 00:00:00 UTC.');
  }
  const pattern = input.filterPattern !== undefined && input.filterPattern.trim() !== '' ? compileFilterPattern(input.filterPattern, { context: 'filter-log-events' }) : undefined;
  const group = await requireLogGroup(deps, scope, name);
  const startTime = clampStartTime(input.startTime, group, deps.clock.now());

  if (input.logStreamNames !== undefined) {
    // AWS answers a named stream that does not exist with ResourceNotFoundException (recorded, e.g.
    // percona/rds_exporter#81: "The specified log stream does not exist.").
    for (const streamName of new Set(input.logStreamNames)) {
      if (!(await deps.store.getLogStream(scope, name, streamName))) {
        throw new ResourceNotFoundException('The specified log stream does not exist.');
      }
    }
  }
  const limit = input.limit ?? MAX_PAGE_EVENTS;
  const from: EventPosition | undefined = cursor ? { timestamp: cursor.timestamp, id: cursor.id } : undefined;
  const controller = new AbortController();
  const deadline = deps.clock.now() + SEARCH_BUDGET_MS;
  const events: FilteredLogEvent[] = [];
  let bytes = 0;
  let lastScanned: EventPosition | undefined;
  let full = false;
  let more = false;
  try {
    scanning: for await (const batch of deps.store.scan(
      scope,
      name,
      {
        ...(input.logStreamNames !== undefined ? { streamNames: input.logStreamNames } : {}),
        ...(input.logStreamNamePrefix !== undefined ? { streamNamePrefix: input.logStreamNamePrefix } : {}),
        ...(startTime !== undefined ? { startTime } : {}),
        ...(input.endTime !== undefined ? { endTime: input.endTime } : {}),
        ...(from ? { from } : {}),
        descending,
        ...(pattern ? { requiredTerms: requiredTerms(pattern), filterPattern: pattern.source } : {}),
      },
      controller.signal,
    )) {
      // A store may apply the pattern itself (in another thread): then every event here matches.
      const matchHere = pattern !== undefined && batch.filterApplied !== true;
      for (const event of batch) {
        if (matchHere && !pattern.matches(event.message)) {
          lastScanned = event;
          continue;
        }
        if (full) {
          // Another match exists beyond the page: say so with a token.
          more = true;
          break scanning;
        }
        const size = utf8Length(event.message) + EVENT_OVERHEAD_BYTES;
        if (bytes + size > MAX_PAGE_BYTES && events.length > 0) {
          more = true;
          break scanning;
        }
        bytes += size;
        events.push({
          logStreamName: event.streamName,
          timestamp: event.timestamp,
          message: event.message,
          ingestionTime: event.ingestionTime,
          eventId: eventIdOf(event),
        });
        lastScanned = event;
        if (events.length >= limit) full = true;
      }
      // The store searched past its last match without finding another: resume from there.
      if (!full && batch.filterApplied === true && batch.scannedThrough !== undefined) lastScanned = batch.scannedThrough;
      if (!full && deps.clock.now() > deadline) {
        more = true;
        break;
      }
    }
  } finally {
    controller.abort();
  }
  const response: FilterLogEventsResponse = { events, searchedLogStreams: [] };
  // Every event up to lastScanned was returned or did not match: resume after it.
  const resumeAt = lastScanned;
  if (more && resumeAt) {
    response.nextToken = encodeToken('FilterLogEvents', { timestamp: resumeAt.timestamp, id: resumeAt.id, descending });
  }
  return response;
}
