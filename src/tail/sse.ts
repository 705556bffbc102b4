/**
 * Live tail for browsers and curl: `GET /tail/stream` as Server-Sent Events, with StartLiveTail's
 * selection (`logGroupIdentifier` repeated, `logStreamName` or `logStreamNamePrefix` repeated,
 * `logEventFilterPattern`) and its JSON events (logGroupIdentifier, logStreamName, message,
 * timestamp, ingestionTime) as `data:`.
 *
 * Every event carries `id: <event id>-<ingestionTime>`; a reconnect with that Last-Event-ID (or
 * `?lastEventId=`) gets exactly the events of the selection committed after it, no more, no less:
 * from the hub's recent window when it reaches back far enough, else from the store. Bare `id:`
 * checkpoints move the resume point past events that did not match, so a resume never rescans
 * them. A client that cannot keep up is cut off with `event: notice` and may resume the same way;
 * it never holds up ingest.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidParameterException, isLogsError } from '../core/errors.js';
import { MAX_AGE_MS } from '../core/limits.js';
import type { AppendedEvents, LogStore } from '../core/ports.js';
import type { Scope, StoredLogEvent } from '../core/types.js';
import type { HubPosition, Subscription, TailHub } from './hub.js';
import { checkTailRequestShape, describeSelection, groupKey, resolveSelection, type TailRequest, type TailSelection } from './selection.js';

export const SSE_PATH = '/tail/stream';

export interface SseOptions {
  /** the caller's account and region (no SigV4 on a browser's EventSource) */
  resolveScope(req: IncomingMessage, url: URL): Scope;
  readonly path?: string;
  /** a comment and a checkpoint this often keep proxies from closing an idle stream */
  readonly heartbeatIntervalMs?: number;
  /** a follower whose unsent backlog exceeds these is cut off */
  readonly maxQueuedEvents?: number;
  readonly maxQueuedChars?: number;
  readonly maxSocketBacklogBytes?: number;
  /** a resume that would replay more than this from the store skips ahead (with a notice) instead */
  readonly maxReplayEvents?: number;
  readonly onError?: (err: unknown) => void;
}

/** `<event id>-<ingestionTime>`: the id orders, the ingestion time bounds a store scan. */
export function formatEventId(position: HubPosition): string {
  return `${position.id}-${position.ingestionTime}`;
}

export function parseEventId(text: string): HubPosition {
  const match = /^(\d{1,16})-(\d{1,16})$/.exec(text.trim());
  const id = match ? Number(match[1]) : NaN;
  const ingestionTime = match ? Number(match[2]) : NaN;
  if (!Number.isSafeInteger(id) || !Number.isSafeInteger(ingestionTime)) {
    throw new InvalidParameterException(`Invalid Last-Event-ID '${text}': expected <event id>-<ingestion time> as sent in the stream.`);
  }
  return { id, ingestionTime };
}

function listParam(url: URL, ...names: string[]): string[] | undefined {
  const values = names.flatMap((n) => url.searchParams.getAll(n));
  return values.length > 0 ? values : undefined;
}

export function tailRequestFromQuery(url: URL): TailRequest {
  const names = listParam(url, 'logStreamName', 'logStreamNames');
  const prefixes = listParam(url, 'logStreamNamePrefix', 'logStreamNamePrefixes');
  const pattern = url.searchParams.get('logEventFilterPattern') ?? url.searchParams.get('filterPattern');
  const request: TailRequest = {
    logGroupIdentifiers: listParam(url, 'logGroupIdentifier', 'logGroupIdentifiers') ?? [],
    ...(names ? { logStreamNames: names } : {}),
    ...(prefixes ? { logStreamNamePrefixes: prefixes } : {}),
    ...(pattern !== null ? { logEventFilterPattern: pattern } : {}),
  };
  checkTailRequestShape(request);
  return request;
}

function sendError(res: ServerResponse, err: unknown, onError?: (err: unknown) => void): void {
  const known = isLogsError(err);
  if (!known) onError?.(err);
  const type = known ? err.type : 'ServiceUnavailableException';
  const body = JSON.stringify({ __type: type, message: known ? err.message : 'The service cannot complete the request.' });
  res.writeHead(known ? err.httpStatus : 503, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'x-amzn-ErrorType': type });
  res.end(body);
}

export function createSseRoute(store: LogStore, hub: TailHub, options: SseOptions) {
  const path = options.path ?? SSE_PATH;
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    if (url.pathname !== path) return false;
    if (req.method !== 'GET') {
      res.writeHead(405, { Allow: 'GET' }).end();
      return true;
    }
    let selection: TailSelection;
    let resumeFrom: HubPosition | undefined;
    try {
      const request = tailRequestFromQuery(url);
      const lastEventId = req.headers['last-event-id'] ?? url.searchParams.get('lastEventId') ?? undefined;
      if (typeof lastEventId === 'string' && lastEventId !== '') resumeFrom = parseEventId(lastEventId);
      selection = await resolveSelection(store, options.resolveScope(req, url), request);
    } catch (err) {
      sendError(res, err, options.onError);
      return true;
    }
    await new SseSession(store, hub, selection, res, options).run(resumeFrom);
    return true;
  };
}

class SseSession {
  private subscription: Subscription | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private ended = false;
  private finish: () => void = () => {};
  /** the resume point the client holds (what its last `id:` said) */
  private sentPosition: HubPosition | undefined;
  /** every event of the selection up to here has been written (or did not match) */
  private position: HubPosition | undefined;
  private lastCheckpointAt = 0;
  private readonly maxBacklog: number;

  constructor(
    private readonly store: LogStore,
    private readonly hub: TailHub,
    private readonly selection: TailSelection,
    private readonly res: ServerResponse,
    private readonly options: SseOptions,
  ) {
    this.maxBacklog = options.maxSocketBacklogBytes ?? 1024 * 1024;
  }

  async run(resumeFrom: HubPosition | undefined): Promise<void> {
    const done = new Promise<void>((resolve) => (this.finish = resolve));
    const res = this.res;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.on('close', () => this.end());
    res.on('drain', () => this.subscription?.resume());
    const start = { sessionId: randomUUID(), ...describeSelection(this.selection.request) };
    res.write(`retry: 1000\nevent: sessionStart\ndata: ${JSON.stringify(start)}\n\n`);
    this.sentPosition = resumeFrom;
    this.position = resumeFrom;

    const keys = this.selection.groups.map((g) => g.key);
    const follow = () =>
      this.hub.follow({
        groupKeys: keys,
        maxQueuedEvents: this.options.maxQueuedEvents ?? 50_000,
        maxQueuedChars: this.options.maxQueuedChars ?? 32 * 1024 * 1024,
        overflow: 'cut-off',
        deliver: (batches) => this.deliver(batches),
        cutOff: (queued) => this.cutOff(queued),
      });

    const recent = resumeFrom ? this.hub.recentAfter(resumeFrom.id, keys) : [];
    if (recent) {
      // Same tick as follow(): the window ends exactly where the subscription begins.
      if (!resumeFrom) this.position = this.hub.position;
      this.subscription = follow();
      this.deliver(recent);
      this.checkpoint(true);
    } else {
      // The window does not reach back far enough: subscribe first (paused, bounded), then read
      // the store for what came before the subscription.
      const floor = this.hub.position;
      this.subscription = follow();
      this.subscription.pause();
      try {
        await this.replayFromStore(resumeFrom!, floor);
      } catch (err) {
        this.options.onError?.(err);
        this.notice('error', 'Reading past events failed; resume later from the last event id.');
        this.end();
        return done;
      }
      if (!this.ended) this.subscription.resume();
    }
    const heartbeatMs = this.options.heartbeatIntervalMs ?? 15_000;
    this.heartbeat = setInterval(() => {
      if (this.ended) return;
      // Idle: everything committed so far has been handed to us, so the resume point can move up to it.
      const hubPosition = this.hub.position;
      if (this.subscription?.idle && hubPosition && (!this.position || hubPosition.id > this.position.id)) this.position = hubPosition;
      this.checkpoint(true);
      res.write(': keepalive\n\n');
    }, heartbeatMs);
    return done;
  }

  /**
   * Events with resumeFrom.id < id <= the subscription's start, in id order, from the store.
   * `floor` is the hub's position when the subscription began (undefined: no event since the hub started).
   */
  private async replayFromStore(resumeFrom: HubPosition, floor: HubPosition | undefined): Promise<void> {
    const limit = this.options.maxReplayEvents ?? 100_000;
    const collected: { event: StoredLogEvent; batch: Pick<AppendedEvents, 'scope' | 'groupName' | 'streamName'> }[] = [];
    const names = this.selection.request.logStreamNames;
    const prefixes = this.selection.request.logStreamNamePrefixes;
    let tooMany = false;
    // Every event ingested after resumeFrom has a timestamp at most MAX_AGE_MS older than its
    // ingestion (PutLogEvents rejects older ones); an hour's margin absorbs clock steps.
    const startTime = resumeFrom.ingestionTime - MAX_AGE_MS - 60 * 60 * 1000;
    outer: for (const group of this.selection.groups) {
      const query = {
        startTime,
        descending: false,
        ...(names ? { streamNames: names } : {}),
        ...(prefixes && prefixes.length === 1 ? { streamNamePrefix: prefixes[0]! } : {}),
        ...(this.selection.requiredTerms.length > 0 ? { requiredTerms: this.selection.requiredTerms } : {}),
      };
      for await (const events of this.store.scan(group.scope, group.name, query, this.abort.signal)) {
        for (const event of events) {
          if (event.id <= resumeFrom.id) continue;
          if (!this.selection.streamMatches(event.streamName)) continue;
          if (this.selection.pattern && !this.selection.pattern.matches(event.message)) continue;
          collected.push({ event, batch: { scope: group.scope, groupName: group.name, streamName: event.streamName } });
          if (collected.length > limit) {
            tooMany = true;
            break outer;
          }
        }
      }
      if (this.ended) return;
    }
    // Events at or below the ceiling were committed before the subscription; later ones arrive through it.
    const firstId = this.hub.firstId;
    const ceiling: HubPosition | undefined =
      floor ?? (firstId !== undefined ? { id: firstId - 1, ingestionTime: resumeFrom.ingestionTime } : undefined);
    if (tooMany) {
      this.notice('gap', `More than ${limit} events were committed since the resume point; they were skipped.`);
      if (ceiling) this.position = ceiling;
      this.checkpoint(true);
      return;
    }
    const replay = collected.filter((c) => !ceiling || c.event.id <= ceiling.id).sort((a, b) => a.event.id - b.event.id);
    for (const { event, batch } of replay) this.writeEvent(batch, event);
    if (ceiling && (!this.position || ceiling.id > this.position.id)) this.position = ceiling;
    this.checkpoint(true);
  }

  private writeEvent(batch: Pick<AppendedEvents, 'scope' | 'groupName' | 'streamName'>, event: StoredLogEvent): void {
    const group = this.selection.groupByKey(groupKey(batch.scope, batch.groupName));
    const data = JSON.stringify({
      logGroupIdentifier: group?.identifier ?? batch.groupName,
      logStreamName: batch.streamName,
      message: event.message,
      timestamp: event.timestamp,
      ingestionTime: event.ingestionTime,
    });
    const position = { id: event.id, ingestionTime: event.ingestionTime };
    this.res.write(`id: ${formatEventId(position)}\ndata: ${data}\n\n`);
    this.sentPosition = position;
    this.position = position;
  }

  private deliver(batches: readonly AppendedEvents[]): void {
    if (this.ended) return;
    const { pattern } = this.selection;
    for (const batch of batches) {
      const matchesStream = this.selection.streamMatches(batch.streamName);
      for (const event of batch.events) {
        if (matchesStream && (!pattern || pattern.matches(event.message))) this.writeEvent(batch, event);
      }
      const last = batch.events[batch.events.length - 1]!;
      this.position = { id: last.id, ingestionTime: last.ingestionTime };
    }
    this.checkpoint(false);
    if (this.res.writableLength > this.maxBacklog) this.subscription?.pause();
  }

  /** A bare `id:` moves the client's resume point past events that did not match (no event is dispatched). */
  private checkpoint(force: boolean): void {
    const position = this.position;
    if (!position || this.ended) return;
    if (this.sentPosition && this.sentPosition.id >= position.id) return;
    const now = Date.now();
    if (!force && now - this.lastCheckpointAt < 1000) return;
    this.lastCheckpointAt = now;
    this.res.write(`id: ${formatEventId(position)}\n\n`);
    this.sentPosition = position;
  }

  private notice(type: string, message: string): void {
    if (this.ended || this.res.destroyed) return;
    this.res.write(`event: notice\ndata: ${JSON.stringify({ type, message })}\n\n`);
  }

  private cutOff(queued: number): void {
    this.notice('cutoff', `This follower fell behind by ${queued} events and was disconnected; reconnect with Last-Event-ID to resume.`);
    this.end();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.abort.abort();
    this.subscription?.close();
    clearInterval(this.heartbeat);
    if (!this.res.writableEnded && !this.res.destroyed) this.res.end();
    this.finish();
  }
}
