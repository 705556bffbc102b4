/**
 * Reading events in (timestamp, id) order across segments (sealed chunks and head batches), each
 * sorted itself, whose time ranges may overlap. Segments are opened lazily, in order of their
 * first possible event, only once the merge frontier reaches them: a search that stops after one
 * page decompresses only the chunks that page needed.
 */
import type { EventPosition } from '../../core/types.js';
import type { EventColumns } from './codec.js';

export type Opened = { columns: EventColumns; selected?: ArrayLike<number> } | undefined;

export interface Segment {
  readonly minTs: number;
  readonly maxTs: number;
  readonly streamName: string;
  /**
   * The segment's events, or undefined when it can be skipped; `selected` narrows it to some
   * indices (ascending). A promise (a search in another thread) makes the merge yield a Wait.
   */
  open(): Opened | Promise<Opened>;
}

/**
 * Yielded instead of a cursor while a segment is being opened elsewhere: await `ready`, then go on
 * iterating. Every event still to come lies strictly after `resumeAfter` in iteration order, and
 * every event before it has been yielded: a search may stop here and resume from it.
 */
export interface Wait {
  readonly ready: Promise<void>;
  readonly resumeAfter: EventPosition;
}

export function isWait(item: Cursor | Wait): item is Wait {
  return (item as Wait).ready !== undefined;
}

export interface MergeBounds {
  /** inclusive */
  readonly startTime?: number;
  /** inclusive */
  readonly endTime?: number;
  /** strictly after (ascending) or before (descending) */
  readonly from?: EventPosition;
  readonly descending: boolean;
}

export interface Cursor {
  readonly columns: EventColumns;
  readonly streamName: string;
  /** event indices in iteration order */
  readonly order: Int32Array;
  pos: number;
}

function inBounds(c: EventColumns, i: number, b: MergeBounds): boolean {
  const ts = c.timestamps[i]!;
  if (b.startTime !== undefined && ts < b.startTime) return false;
  if (b.endTime !== undefined && ts > b.endTime) return false;
  if (b.from) {
    const id = c.ids[i]!;
    if (b.descending ? ts > b.from.timestamp || (ts === b.from.timestamp && id >= b.from.id) : ts < b.from.timestamp || (ts === b.from.timestamp && id <= b.from.id)) {
      return false;
    }
  }
  return true;
}

function lowerBound(ts: Float64Array, count: number, value: number): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function openCursor(segment: Segment, opened: Opened, bounds: MergeBounds): Cursor | undefined {
  if (!opened) return undefined;
  const { columns, selected } = opened;
  const picked: number[] = [];
  if (selected) {
    for (let k = 0; k < selected.length; k++) if (inBounds(columns, selected[k]!, bounds)) picked.push(selected[k]!);
  } else {
    // Sorted by timestamp: jump to the time window, then check the exact bounds.
    const lowTs = Math.max(bounds.startTime ?? -Infinity, !bounds.descending && bounds.from ? bounds.from.timestamp : -Infinity);
    const start = lowTs === -Infinity ? 0 : lowerBound(columns.timestamps, columns.count, lowTs);
    const highTs = Math.min(bounds.endTime ?? Infinity, bounds.descending && bounds.from ? bounds.from.timestamp : Infinity);
    const end = highTs === Infinity ? columns.count : lowerBound(columns.timestamps, columns.count, highTs + 1);
    for (let i = start; i < end; i++) if (inBounds(columns, i, bounds)) picked.push(i);
  }
  if (picked.length === 0) return undefined;
  if (bounds.descending) picked.reverse();
  return { columns, streamName: segment.streamName, order: Int32Array.from(picked), pos: 0 };
}

/** Negative when a comes first in the iteration direction. */
function compare(a: Cursor, b: Cursor, descending: boolean): number {
  const ia = a.order[a.pos]!;
  const ib = b.order[b.pos]!;
  const d = a.columns.timestamps[ia]! - b.columns.timestamps[ib]! || a.columns.ids[ia]! - b.columns.ids[ib]!;
  return descending ? -d : d;
}

class CursorHeap {
  private readonly items: Cursor[] = [];
  constructor(private readonly descending: boolean) {}
  get size(): number {
    return this.items.length;
  }
  peek(): Cursor | undefined {
    return this.items[0];
  }
  push(c: Cursor): void {
    const items = this.items;
    items.push(c);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (compare(items[i]!, items[parent]!, this.descending) >= 0) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }
  /** Restores order after the top cursor advanced (or removes it when exhausted). */
  fixTop(): void {
    const items = this.items;
    const top = items[0]!;
    if (top.pos >= top.order.length) {
      const last = items.pop()!;
      if (items.length === 0) return;
      items[0] = last;
    }
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < items.length && compare(items[l]!, items[best]!, this.descending) < 0) best = l;
      if (r < items.length && compare(items[r]!, items[best]!, this.descending) < 0) best = r;
      if (best === i) return;
      [items[i], items[best]] = [items[best]!, items[i]!];
      i = best;
    }
  }
}

/**
 * Where a search may resume while `seg` opens: the merge opens a segment before yielding any event
 * past its start, and every event still to come is at or past that start, so resuming strictly
 * after (ascending: (minTs, -1); descending: before (maxTs, MAX)) neither repeats nor skips one.
 * Ids are positive integers.
 */
function resumePoint(seg: Segment, descending: boolean): EventPosition {
  return descending ? { timestamp: seg.maxTs, id: Number.MAX_SAFE_INTEGER } : { timestamp: seg.minTs, id: -1 };
}

/**
 * Yields cursors positioned on the next event in order (read columns/order[pos], do not keep the
 * cursor across iterations).
 */
export function* mergeSegments(segments: readonly Segment[], bounds: MergeBounds): Generator<Cursor | Wait> {
  const { descending } = bounds;
  const pending = [...segments].sort(descending ? (a, b) => b.maxTs - a.maxTs : (a, b) => a.minTs - b.minTs);
  const heap = new CursorHeap(descending);
  let next = 0;
  for (;;) {
    // Open every segment that may hold an event at or before the frontier.
    while (next < pending.length) {
      const top = heap.peek();
      const seg = pending[next]!;
      if (top) {
        const ts = top.columns.timestamps[top.order[top.pos]!]!;
        if (descending ? seg.maxTs < ts : seg.minTs > ts) break;
      }
      next++;
      let opened = seg.open();
      if (opened instanceof Promise) {
        const box: { value: Opened } = { value: undefined };
        yield { ready: opened.then((v) => void (box.value = v)), resumeAfter: resumePoint(seg, descending) };
        opened = box.value;
      }
      const cursor = openCursor(seg, opened, bounds);
      if (cursor) heap.push(cursor);
    }
    const top = heap.peek();
    if (!top) return;
    yield top;
    top.pos++;
    heap.fixTop();
  }
}
