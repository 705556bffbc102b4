/**
 * The follower hub: one store.onAppend listener fans committed batches out to every live-tail
 * session. The writer's side is O(followers of that group): it appends a reference to each
 * follower's bounded queue and schedules one drain for later; matching, encoding and socket
 * writes happen in that drain, off the commit path. A follower whose queue exceeds its bound is
 * never waited for: its oldest batches are dropped (StartLiveTail samples) or it is cut off
 * (SSE), as its owner chose.
 *
 * The hub also keeps a bounded window of recent batches so an SSE client that reconnects with
 * Last-Event-ID resumes from memory, in the same tick as it subscribes (no gap, no repeat). Only
 * groups followed now or lately are kept: a server nobody tails holds no batch (a resume the
 * window cannot answer reads the store).
 *
 * Event ids come from the store and increase in commit order (SQLite has one writer), which is
 * what makes "every event with id > X" a resume point.
 */
import { appendedEvents, type AppendedEvents, type LogStore } from '../core/ports.js';
import { groupKey } from './selection.js';

/** Where a follower stands: every event of its groups with id <= id has been handed to it. */
export interface HubPosition {
  readonly id: number;
  readonly ingestionTime: number;
}

export type OverflowPolicy = 'drop-oldest' | 'cut-off';

export interface FollowOptions {
  readonly groupKeys: readonly string[];
  /** bound of the follower's queue, in events and in message characters */
  readonly maxQueuedEvents: number;
  readonly maxQueuedChars: number;
  readonly overflow: OverflowPolicy;
  /** Called off the writer's path with what was queued since the last call; `dropped` counts events discarded on overflow. */
  deliver(batches: readonly AppendedEvents[], dropped: number): void;
  /** overflow === 'cut-off': the follower has been unsubscribed; tell the client. */
  cutOff?(queuedEvents: number): void;
}

export interface Subscription {
  /** Stops delivery; queued batches are kept (and bounded) until resume(). */
  pause(): void;
  resume(): void;
  /** true when nothing is queued for this follower */
  readonly idle: boolean;
  close(): void;
}

export interface HubOptions {
  /** recent-batch window kept for resumption, in events and in message characters */
  readonly recentMaxEvents?: number;
  readonly recentMaxChars?: number;
  /** a group's batches are kept in the window while it has followers and this long after its last one left */
  readonly rememberAfterFollowMs?: number;
  readonly onError?: (err: unknown) => void;
}

/** A batch's weight against the queues' and the window's bounds, from its summary: reading `events` may build them. */
function batchChars(batch: AppendedEvents): number {
  return batch.messageBytes + 64 * batch.count;
}

class Follower implements Subscription {
  queue: AppendedEvents[] = [];
  queuedEvents = 0;
  queuedChars = 0;
  dropped = 0;
  paused = false;
  closed = false;

  constructor(
    private readonly hub: TailHub,
    readonly options: FollowOptions,
  ) {}

  get idle(): boolean {
    return this.queue.length === 0;
  }

  offer(batch: AppendedEvents, chars: number): void {
    this.queue.push(batch);
    this.queuedEvents += batch.count;
    this.queuedChars += chars;
    if (this.queuedEvents <= this.options.maxQueuedEvents && this.queuedChars <= this.options.maxQueuedChars) return;
    if (this.options.overflow === 'cut-off') {
      const queued = this.queuedEvents;
      this.close();
      this.hub.report(() => this.options.cutOff?.(queued));
      return;
    }
    // Drop whole batches, oldest first, but always keep the newest one.
    while (this.queue.length > 1 && (this.queuedEvents > this.options.maxQueuedEvents || this.queuedChars > this.options.maxQueuedChars)) {
      const old = this.queue.shift()!;
      this.queuedEvents -= old.count;
      this.queuedChars -= batchChars(old);
      this.dropped += old.count;
    }
  }

  take(): { batches: AppendedEvents[]; dropped: number } {
    const out = { batches: this.queue, dropped: this.dropped };
    this.queue = [];
    this.queuedEvents = 0;
    this.queuedChars = 0;
    this.dropped = 0;
    return out;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (this.closed || !this.paused) return;
    this.paused = false;
    if (this.queue.length > 0) this.hub.markDirty(this);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.hub.remove(this);
  }
}

export class TailHub {
  private readonly byGroup = new Map<string, Set<Follower>>();
  private readonly dirty = new Set<Follower>();
  private drainScheduled = false;
  private readonly unsubscribe: () => void;
  // The recent window: a queue of batches (head index avoids O(n) shifts).
  private recent: { batch: AppendedEvents; key: string; chars: number }[] = [];
  private recentHead = 0;
  private recentEvents = 0;
  private recentChars = 0;
  private readonly recentMaxEvents: number;
  private readonly recentMaxChars: number;
  private readonly rememberAfterFollowMs: number;
  /**
   * Groups whose batches go into the window: every event of the group with id > sinceId is there
   * (until evicted); `until` is when the group stops being remembered (Infinity while followed).
   */
  private readonly remembered = new Map<string, { sinceId: number; until: number }>();
  /** the first id this hub saw: events before it were committed before the hub existed */
  private firstSeenId: number | undefined;
  /** every event with id <= this has left the recent window */
  private evictedThroughId = 0;
  private last: HubPosition | undefined;
  private closed = false;

  constructor(
    store: LogStore,
    private readonly options: HubOptions = {},
  ) {
    // Small enough for the server's memory budget; a resume from further back reads the store.
    this.recentMaxEvents = options.recentMaxEvents ?? 50_000;
    this.recentMaxChars = options.recentMaxChars ?? 16 * 1024 * 1024;
    this.rememberAfterFollowMs = options.rememberAfterFollowMs ?? 5 * 60_000;
    this.unsubscribe = store.onAppend((batch) => this.onAppend(batch));
  }

  /** The newest committed event this hub has seen (undefined until one arrives). */
  get position(): HubPosition | undefined {
    return this.last;
  }

  /** The first event id this hub saw; every event with a smaller id was committed before it started. */
  get firstId(): number | undefined {
    return this.firstSeenId;
  }

  get followerCount(): number {
    let n = 0;
    for (const set of this.byGroup.values()) n += set.size;
    return n;
  }

  follow(options: FollowOptions): Subscription {
    const follower = new Follower(this, options);
    for (const key of options.groupKeys) {
      let set = this.byGroup.get(key);
      if (!set) this.byGroup.set(key, (set = new Set()));
      set.add(follower);
      const memory = this.remembered.get(key);
      if (memory) memory.until = Number.POSITIVE_INFINITY;
      else this.remembered.set(key, { sinceId: this.last?.id ?? Number.NEGATIVE_INFINITY, until: Number.POSITIVE_INFINITY });
    }
    return follower;
  }

  /**
   * The events of these groups with id > afterId, in id order, from the recent window; undefined
   * when the window does not reach back that far (the caller then reads the store). Synchronous,
   * so a follow() in the same tick continues exactly where this ends.
   */
  recentAfter(afterId: number, groupKeys: readonly string[]): AppendedEvents[] | undefined {
    if (this.firstSeenId === undefined || afterId < this.firstSeenId - 1 || afterId < this.evictedThroughId) return undefined;
    for (const key of groupKeys) {
      const memory = this.remembered.get(key);
      if (!memory || afterId < memory.sinceId) return undefined;
    }
    const keys = new Set(groupKeys);
    const out: AppendedEvents[] = [];
    for (let i = this.recentHead; i < this.recent.length; i++) {
      const entry = this.recent[i]!;
      if (!keys.has(entry.key)) continue;
      const batch = entry.batch;
      if (batch.lastId <= afterId) continue;
      out.push(batch.firstId > afterId ? batch : appendedEvents(batch.scope, batch.groupName, batch.streamName, batch.events.filter((e) => e.id > afterId)));
    }
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    const all = new Set<Follower>();
    for (const set of this.byGroup.values()) for (const f of set) all.add(f);
    for (const f of all) f.close();
    this.recent = [];
  }

  /** @internal */
  markDirty(follower: Follower): void {
    this.dirty.add(follower);
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => this.drain());
  }

  /** @internal */
  remove(follower: Follower): void {
    this.dirty.delete(follower);
    for (const key of follower.options.groupKeys) {
      const set = this.byGroup.get(key);
      if (!set) continue;
      set.delete(follower);
      if (set.size > 0) continue;
      this.byGroup.delete(key);
      const memory = this.remembered.get(key);
      if (memory) memory.until = Date.now() + this.rememberAfterFollowMs;
    }
  }

  /** @internal Runs a follower callback off the writer's path; its failure is reported, never thrown. */
  report(fn: () => void): void {
    setImmediate(() => {
      try {
        fn();
      } catch (err) {
        this.options.onError?.(err);
      }
    });
  }

  private onAppend(batch: AppendedEvents): void {
    if (this.closed || batch.count === 0) return;
    const key = groupKey(batch.scope, batch.groupName);
    const chars = batchChars(batch);
    if (this.firstSeenId === undefined) this.firstSeenId = batch.firstId;
    this.last = { id: batch.lastId, ingestionTime: batch.lastIngestionTime };
    const memory = this.remembered.get(key);
    if (memory && memory.until !== Number.POSITIVE_INFINITY && memory.until < Date.now()) this.remembered.delete(key);
    else if (memory) this.remember(batch, key, chars);
    const followers = this.byGroup.get(key);
    if (!followers) return;
    for (const follower of followers) {
      follower.offer(batch, chars);
      if (!follower.closed && !follower.paused) this.markDirty(follower);
    }
  }

  private remember(batch: AppendedEvents, key: string, chars: number): void {
    this.recent.push({ batch, key, chars });
    this.recentEvents += batch.count;
    this.recentChars += chars;
    while (this.recent.length - this.recentHead > 1 && (this.recentEvents > this.recentMaxEvents || this.recentChars > this.recentMaxChars)) {
      const old = this.recent[this.recentHead]!;
      // Empty the slot: an evicted batch must not stay reachable until the next compaction.
      (this.recent as unknown[])[this.recentHead] = undefined;
      this.recentHead++;
      this.recentEvents -= old.batch.count;
      this.recentChars -= old.chars;
      this.evictedThroughId = Math.max(this.evictedThroughId, old.batch.lastId);
    }
    if (this.recentHead > 64 && this.recentHead * 2 > this.recent.length) {
      this.recent = this.recent.slice(this.recentHead);
      this.recentHead = 0;
    }
  }

  private drain(): void {
    this.drainScheduled = false;
    const ready = [...this.dirty];
    this.dirty.clear();
    for (const follower of ready) {
      if (follower.closed || follower.paused || follower.queue.length === 0) continue;
      const { batches, dropped } = follower.take();
      try {
        follower.options.deliver(batches, dropped);
      } catch (err) {
        follower.close();
        this.options.onError?.(err);
      }
    }
  }
}
