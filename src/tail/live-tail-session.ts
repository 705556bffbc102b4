/**
 * StartLiveTail: one HTTP/1.1 response per session, framed as application/vnd.amazon.eventstream.
 * `initial-response`, then `sessionStart`, then `sessionUpdate`s: as soon as matching events
 * arrive (coalesced over minUpdateIntervalMs), and at least once a second while the session is
 * open, empty if nothing matched. After three hours the stream ends with SessionTimeoutException.
 *
 * Rates and buffers follow AWS's API reference: at most 500 events per update and, over time,
 * 500 per second (a token bucket refilled at that rate; beyond it events are sampled uniformly and
 * sessionMetadata.sampled is true); when the client reads slower than we produce, at most 5,000
 * events wait, the oldest dropped first (also reported as sampled). Nothing here blocks a writer.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppendedEvents, LogStore } from '../core/ports.js';
import type { Scope } from '../core/types.js';
import { EVENT_STREAM_CONTENT_TYPE, encodeEvent, encodeException } from './event-stream.js';
import type { Subscription, TailHub } from './hub.js';
import { describeSelection, groupKey, resolveSelection, type TailRequest, type TailSelection } from './selection.js';

/** AWS: "can include as many as 500 log events" per sessionUpdate, sampled beyond 500 per second. */
export const MAX_EVENTS_PER_UPDATE = 500;
export const MAX_EVENTS_PER_SECOND = 500;
/** AWS: "buffers up to 10 LiveTailSessionUpdate events or 5000 log events", then drops the oldest. */
export const MAX_BUFFERED_EVENTS = 5000;
/** AWS: sessions time out after three hours. */
export const SESSION_TIMEOUT_MS = 3 * 60 * 60 * 1000;
/** AWS sends an update every second, empty when nothing matched. */
export const HEARTBEAT_INTERVAL_MS = 1000;

export interface LiveTailOptions {
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  /** updates are coalesced over this window: lower means lower latency and more frames */
  readonly minUpdateIntervalMs?: number;
  readonly maxEventsPerSecond?: number;
  readonly maxBufferedEvents?: number;
  /** bytes the socket may hold unsent before we stop writing and buffer (then sample) instead */
  readonly maxSocketBacklogBytes?: number;
  readonly random?: () => number;
  readonly onError?: (err: unknown, requestId: string) => void;
}

export interface LiveTailSessionLogEvent {
  logStreamName: string;
  logGroupIdentifier: string;
  message: string;
  timestamp: number;
  ingestionTime: number;
}

/** What the composition root needs: the shape api/server.ts's StreamingOperation expects. */
export interface LiveTailOperation {
  readonly name: 'StartLiveTail';
  handle(ctx: { readonly requestId: string; readonly scope: Scope }, input: Record<string, unknown>, req: IncomingMessage, res: ServerResponse): Promise<void>;
}

const stringList = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined);

/** The validated JSON input (the dispatcher has checked it against the model) as a TailRequest. */
export function tailRequestOf(input: Record<string, unknown>): TailRequest {
  const names = stringList(input['logStreamNames']);
  const prefixes = stringList(input['logStreamNamePrefixes']);
  const pattern = input['logEventFilterPattern'];
  return {
    logGroupIdentifiers: stringList(input['logGroupIdentifiers']) ?? [],
    ...(names ? { logStreamNames: names } : {}),
    ...(prefixes ? { logStreamNamePrefixes: prefixes } : {}),
    ...(typeof pattern === 'string' ? { logEventFilterPattern: pattern } : {}),
  };
}

/** Picks k of items uniformly, keeping their order (Knuth's selection sampling). */
export function sampleInOrder<T>(items: readonly T[], k: number, random: () => number): T[] {
  if (k >= items.length) return [...items];
  const out: T[] = [];
  let needed = k;
  for (let i = 0; i < items.length && needed > 0; i++) {
    if (random() * (items.length - i) < needed) {
      out.push(items[i]!);
      needed--;
    }
  }
  return out;
}

export function createLiveTailOperation(store: LogStore, hub: TailHub, options: LiveTailOptions = {}): LiveTailOperation {
  return {
    name: 'StartLiveTail',
    async handle(ctx, input, _req, res) {
      // Errors here (validation, missing groups) become ordinary JSON error responses.
      const selection = await resolveSelection(store, ctx.scope, tailRequestOf(input));
      await new LiveTailSession(hub, selection, res, ctx.requestId, options).run();
    },
  };
}

class LiveTailSession {
  private readonly sessionId = randomUUID();
  private pending: LiveTailSessionLogEvent[] = [];
  private sampled = false;
  private tokens: number;
  private tokensAt = Date.now();
  private lastUpdateAt = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private timeout: NodeJS.Timeout | undefined;
  private subscription: Subscription | undefined;
  private ended = false;
  private finish: () => void = () => {};
  private readonly rate: number;
  private readonly maxBuffered: number;
  private readonly minInterval: number;
  private readonly maxBacklog: number;
  private readonly random: () => number;

  constructor(
    private readonly hub: TailHub,
    private readonly selection: TailSelection,
    private readonly res: ServerResponse,
    private readonly requestId: string,
    private readonly options: LiveTailOptions,
  ) {
    this.rate = options.maxEventsPerSecond ?? MAX_EVENTS_PER_SECOND;
    this.tokens = Math.min(this.rate, MAX_EVENTS_PER_UPDATE);
    this.maxBuffered = options.maxBufferedEvents ?? MAX_BUFFERED_EVENTS;
    this.minInterval = options.minUpdateIntervalMs ?? 10;
    this.maxBacklog = options.maxSocketBacklogBytes ?? 1024 * 1024;
    this.random = options.random ?? Math.random;
  }

  run(): Promise<void> {
    const done = new Promise<void>((resolve) => (this.finish = resolve));
    const res = this.res;
    res.writeHead(200, { 'Content-Type': EVENT_STREAM_CONTENT_TYPE });
    res.on('close', () => this.end());
    res.on('drain', () => {
      if (this.pending.length > 0) this.scheduleFlush();
    });
    res.write(encodeEvent('initial-response', {}));
    res.write(
      encodeEvent('sessionStart', {
        requestId: this.requestId,
        sessionId: this.sessionId,
        ...describeSelection(this.selection.request),
      }),
    );
    this.subscription = this.hub.follow({
      groupKeys: this.selection.groups.map((g) => g.key),
      // Raw batches wait here only until the next drain; the AWS-sized buffer is `pending`.
      maxQueuedEvents: Math.max(this.maxBuffered * 20, 100_000),
      maxQueuedChars: 64 * 1024 * 1024,
      overflow: 'drop-oldest',
      deliver: (batches, dropped) => this.deliver(batches, dropped),
    });
    const heartbeatMs = this.options.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS;
    this.heartbeat = setInterval(() => {
      if (Date.now() - this.lastUpdateAt >= heartbeatMs - 5) this.flush(true);
    }, Math.max(10, Math.floor(heartbeatMs / 4)));
    this.timeout = setTimeout(() => {
      this.flush(true);
      this.fail('SessionTimeoutException', 'Session timed out: a Live Tail session lasts at most 3 hours.');
    }, this.options.sessionTimeoutMs ?? SESSION_TIMEOUT_MS);
    return done;
  }

  private deliver(batches: readonly AppendedEvents[], dropped: number): void {
    if (this.ended) return;
    try {
      if (dropped > 0) this.sampled = true;
      const { pattern } = this.selection;
      for (const batch of batches) {
        if (!this.selection.streamMatches(batch.streamName)) continue;
        const group = this.selection.groupByKey(groupKey(batch.scope, batch.groupName));
        if (!group) continue;
        for (const event of batch.events) {
          if (pattern && !pattern.matches(event.message)) continue;
          this.pending.push({
            logStreamName: batch.streamName,
            logGroupIdentifier: group.identifier,
            message: event.message,
            timestamp: event.timestamp,
            ingestionTime: event.ingestionTime,
          });
        }
      }
      if (this.pending.length > this.maxBuffered) {
        this.pending.splice(0, this.pending.length - this.maxBuffered);
        this.sampled = true;
      }
      if (this.pending.length > 0) this.scheduleFlush();
    } catch (err) {
      this.options.onError?.(err, this.requestId);
      this.fail('SessionStreamingException', 'An internal error occurred during the Live Tail session.');
    }
  }

  private scheduleFlush(): void {
    if (this.flushTimer || this.ended) return;
    const wait = Math.max(0, this.lastUpdateAt + this.minInterval - Date.now());
    if (wait === 0) {
      this.flush(false);
      return;
    }
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush(false);
    }, wait);
  }

  private refill(): void {
    const now = Date.now();
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.tokensAt) * this.rate) / 1000);
    this.tokensAt = now;
  }

  /** Sends one sessionUpdate; `heartbeat` sends it even when nothing is pending. */
  private flush(heartbeat: boolean): void {
    if (this.ended) return;
    // A client that does not read: keep (bounded) events for later rather than grow the socket's buffer.
    if (this.res.writableLength > this.maxBacklog) return;
    this.refill();
    const budget = Math.min(MAX_EVENTS_PER_UPDATE, Math.floor(this.tokens));
    if (this.pending.length > 0 && budget < 1 && !heartbeat) {
      // Out of budget for now: try again when a token has accrued.
      this.flushTimer ??= setTimeout(() => {
        this.flushTimer = undefined;
        this.flush(false);
      }, Math.ceil(1000 / this.rate));
      return;
    }
    if (this.pending.length === 0 && !heartbeat) return;
    let results = this.pending;
    if (results.length > budget) {
      results = sampleInOrder(results, Math.max(0, budget), this.random);
      this.sampled = true;
    }
    this.pending = [];
    this.tokens -= results.length;
    const update = { sessionMetadata: { sampled: this.sampled }, sessionResults: results };
    this.sampled = false;
    this.lastUpdateAt = Date.now();
    this.res.write(encodeEvent('sessionUpdate', update));
  }

  private fail(exceptionType: string, message: string): void {
    if (this.ended) return;
    if (!this.res.destroyed) this.res.end(encodeException(exceptionType, message));
    this.end();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.subscription?.close();
    clearInterval(this.heartbeat);
    clearTimeout(this.timeout);
    clearTimeout(this.flushTimer);
    this.pending = [];
    if (!this.res.writableEnded && !this.res.destroyed) this.res.end();
    this.finish();
  }
}
