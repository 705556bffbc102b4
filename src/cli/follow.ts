/**
 * Following groups: StartLiveTail where the endpoint has it, else polling FilterLogEvents with
 * eventId de-duplication. Both pick up streams created while following, since they ask about
 * whole groups (or stream prefixes), never a fixed list of streams.
 */
import { StartLiveTailCommand, type CloudWatchLogsClient, type StartLiveTailResponseStream } from '@aws-sdk/client-cloudwatch-logs';
import { asSdkError, isAbort } from './errors.js';
import { filterEvents, groupNameOfArn, mergeByTime, type CliEvent, type Source } from './events.js';

/**
 * How far before the newest event (or the previous poll) each round reads again. Events are often
 * ingested seconds after their timestamp (the CloudWatch agent flushes every 5 s by default);
 * eventIds keep the re-read events from being printed twice.
 */
export const FOLLOW_LOOKBACK_MS = 15_000;

/** AWS StartLiveTail: at most 10 log groups a session. */
const MAX_LIVE_TAIL_GROUPS = 10;

export interface FollowOptions {
  readonly client: CloudWatchLogsClient;
  readonly sources: readonly Source[];
  readonly sinceTime: number;
  readonly filterPattern: string | undefined;
  readonly endpoint: string;
  readonly signal: AbortSignal;
  readonly intervalMs: number;
  readonly now: () => number;
  readonly print: (event: CliEvent) => Promise<void>;
}

function liveEventKey(e: { logGroupName: string; logStreamName: string; timestamp: number; message: string }): string {
  return `${e.logGroupName}\u0000${e.logStreamName}\u0000${e.timestamp}\u0000${e.message}`;
}

/**
 * The events printed lately, so overlapping reads print each once: by eventId, or for live tail
 * events (which have none) by group, stream, timestamp and message.
 */
class Printed {
  private readonly ids = new Map<string, number>();
  private readonly liveKeys = new Map<string, number>();
  newest: number | undefined;

  has(event: CliEvent): boolean {
    if (event.eventId !== undefined && this.ids.has(event.eventId)) return true;
    return this.liveKeys.size > 0 && this.liveKeys.has(liveEventKey(event));
  }

  add(event: CliEvent): void {
    if (event.eventId !== undefined) this.ids.set(event.eventId, event.timestamp);
    else this.liveKeys.set(liveEventKey(event), event.timestamp);
    if (this.newest === undefined || event.timestamp > this.newest) this.newest = event.timestamp;
  }

  forgetBefore(timestamp: number): void {
    for (const [id, at] of this.ids) if (at < timestamp) this.ids.delete(id);
    for (const [key, at] of this.liveKeys) if (at < timestamp) this.liveKeys.delete(key);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Reads every source from startTime on, printing what was not printed yet. */
async function readRound(options: FollowOptions, printed: Printed, startTime: number, onPrint?: (event: CliEvent) => void): Promise<void> {
  const { client, sources, endpoint, signal } = options;
  const query = { startTime, endTime: undefined, filterPattern: options.filterPattern, pageLimit: undefined };
  const merged = mergeByTime(sources.map((s) => filterEvents(client, s, query, { endpoint, signal })));
  for await (const event of merged) {
    if (printed.has(event)) continue;
    printed.add(event);
    onPrint?.(event);
    await options.print(event);
  }
  printed.forgetBefore(startTime);
}

/** Prints the events since sinceTime once (tail without --follow). */
export async function printSince(options: FollowOptions): Promise<void> {
  await readRound(options, new Printed(), options.sinceTime);
}

/** Where the next round starts: a little before what we have surely seen, never before --since. */
function nextStart(options: FollowOptions, printed: Printed, roundStartedAt: number): number {
  const seenUpTo = printed.newest !== undefined ? Math.min(printed.newest, roundStartedAt) : roundStartedAt;
  return Math.max(options.sinceTime, seenUpTo - FOLLOW_LOOKBACK_MS);
}

/** Polls FilterLogEvents every intervalMs until the signal aborts. */
export async function followByPolling(options: FollowOptions): Promise<void> {
  const printed = new Printed();
  let startTime = options.sinceTime;
  while (!options.signal.aborted) {
    const roundStartedAt = options.now();
    try {
      await readRound(options, printed, startTime);
    } catch (err) {
      if (isAbort(err) || options.signal.aborted) return;
      throw err;
    }
    startTime = nextStart(options, printed, roundStartedAt);
    await sleep(options.intervalMs, options.signal);
  }
}

const UNSUPPORTED_NAMES = new Set([
  'UnknownOperationException',
  'UnsupportedOperationException',
  'UnsupportedOperation',
  'InvalidAction',
  'NotImplemented',
  'NotImplementedException',
  'OperationNotSupportedException',
]);

/** Whether an error says the endpoint has no StartLiveTail (Logharbor before it, LocalStack, proxies). */
export function isLiveTailUnsupported(err: unknown): boolean {
  const e = asSdkError(err);
  if (!e) return false;
  const status = e.$metadata?.httpStatusCode;
  return (
    UNSUPPORTED_NAMES.has(e.name) ||
    status === 404 ||
    status === 405 ||
    status === 501 ||
    /not (yet )?(implemented|supported)|unknown operation/i.test(e.message)
  );
}

/** StartLiveTail takes up to 10 groups by ARN, and stream prefixes only with a single group. */
export function canLiveTail(sources: readonly Source[]): boolean {
  if (sources.length === 0 || sources.length > MAX_LIVE_TAIL_GROUPS) return false;
  if (sources.some((s) => s.arn === undefined)) return false;
  if (new Set(sources.map((s) => s.arn)).size !== sources.length) return false;
  return sources.length === 1 || sources.every((s) => s.streamPrefix === undefined);
}

/**
 * Follows with StartLiveTail: each session first catches up with FilterLogEvents (from --since,
 * or from where the previous session ended) while the live stream buffers, then prints the live
 * events the catch-up did not. Returns 'unsupported' when the endpoint has no live tail, before
 * anything was printed.
 */
export async function followLive(options: FollowOptions): Promise<'unsupported' | 'stopped'> {
  const { client, sources, signal } = options;
  const nameByArn = new Map(sources.map((s) => [s.arn!, s.logGroupName]));
  const printed = new Printed();
  let startTime = options.sinceTime;
  let firstSession = true;
  while (!signal.aborted) {
    let stream: AsyncIterator<StartLiveTailResponseStream>;
    try {
      const response = await client.send(
        new StartLiveTailCommand({
          logGroupIdentifiers: sources.map((s) => s.arn!),
          ...(sources.length === 1 && sources[0]!.streamPrefix !== undefined ? { logStreamNamePrefixes: [sources[0]!.streamPrefix] } : {}),
          ...(options.filterPattern !== undefined ? { logEventFilterPattern: options.filterPattern } : {}),
        }),
        { abortSignal: signal },
      );
      if (!response.responseStream) throw new Error('StartLiveTail answered without an event stream');
      stream = response.responseStream[Symbol.asyncIterator]();
      // The session starts with sessionStart; anything else means this is not a live tail endpoint.
      const first = await stream.next();
      if (first.done || first.value.sessionStart === undefined) {
        await stream.return?.();
        if (firstSession) return 'unsupported';
        throw new Error('StartLiveTail session did not start');
      }
    } catch (err) {
      if (isAbort(err) || signal.aborted) return 'stopped';
      if (firstSession && (isLiveTailUnsupported(err) || asSdkError(err)?.$metadata?.httpStatusCode === undefined)) return 'unsupported';
      throw err;
    }
    firstSession = false;

    const roundStartedAt = options.now();
    const caughtUp = new Map<string, number>();
    try {
      await readRound(options, printed, startTime, (e) => caughtUp.set(liveEventKey(e), (caughtUp.get(liveEventKey(e)) ?? 0) + 1));
      for (;;) {
        const next = await stream.next();
        if (next.done) break;
        const update = next.value;
        if (update.SessionTimeoutException) break; // sessions last at most 3 hours: start another
        if (update.SessionStreamingException) throw new Error(`live tail: ${update.SessionStreamingException.message ?? 'streaming error'}`);
        for (const result of update.sessionUpdate?.sessionResults ?? []) {
          const identifier = result.logGroupIdentifier ?? '';
          const event: CliEvent = {
            logGroupName: nameByArn.get(identifier.replace(/:\*$/, '')) ?? groupNameOfArn(identifier),
            logStreamName: result.logStreamName ?? '',
            timestamp: result.timestamp ?? 0,
            ingestionTime: result.ingestionTime ?? 0,
            message: result.message ?? '',
          };
          // Live events carry no eventId: skip those the catch-up printed, each once.
          const key = liveEventKey(event);
          const count = caughtUp.get(key);
          if (count !== undefined) {
            if (count <= 1) caughtUp.delete(key);
            else caughtUp.set(key, count - 1);
            continue;
          }
          printed.add(event);
          await options.print(event);
        }
      }
    } catch (err) {
      if (isAbort(err) || signal.aborted) return 'stopped';
      throw err;
    } finally {
      await stream.return?.().catch(() => undefined);
    }
    startTime = nextStart(options, printed, roundStartedAt);
  }
  return 'stopped';
}
