/**
 * Reads events in (timestamp, id) order out of chunks whose time ranges may overlap (agents
 * send late events; a group interleaves many streams). Chunk headers arrive in order of their
 * first timestamp (forward) or last timestamp (backward); an event is final once the next
 * unread chunk cannot hold anything before it. Only the chunks needed are loaded, and only the
 * messages returned are decoded.
 */
import { BATCH_ID_SPAN } from './ids.js';
import { DecodedChunk } from './chunk-codec.js';

export interface ChunkHeader {
  readonly streamId: number;
  readonly retentionClass: number;
  readonly batch: number;
  readonly firstIndex: number;
  readonly minTimestamp: number;
  readonly maxTimestamp: number;
  readonly eventCount: number;
  readonly ingestionTime: number;
  /** the chunk's bytes, when they came with the header */
  readonly data?: Buffer;
}

export interface ChunkSource {
  /**
   * The next page of headers after `after` in merge order; fewer than `pageSize` means no more.
   * The first page (no `after`) is small and carries the chunks' data: most reads need no more.
   */
  headers(after: ChunkHeader | undefined, pageSize: number): Promise<ChunkHeader[]>;
  load(header: ChunkHeader): Promise<Buffer>;
}

export interface MergedEvent {
  readonly id: number;
  readonly streamId: number;
  readonly timestamp: number;
  readonly ingestionTime: number;
  readonly message: string;
}

interface Pending {
  readonly timestamp: number;
  readonly id: number;
  readonly index: number;
  readonly chunk: DecodedChunk;
  readonly header: ChunkHeader;
}

/** Chunks whose data comes with the first page: a page of events usually needs one or two. */
const FIRST_PAGE = 2;
const HEADER_PAGE = 128;

export class ChunkMerger {
  private queue: ChunkHeader[] = [];
  private lastHeader: ChunkHeader | undefined;
  private exhausted = false;
  private pending: Pending[] = [];
  private readonly before: (a: Pending, b: Pending) => boolean;

  constructor(
    private readonly source: ChunkSource,
    private readonly descending: boolean,
    /** which events of a chunk to return (time bounds, resume position) */
    private readonly accept: (timestamp: number, id: number) => boolean,
  ) {
    this.before = descending
      ? (a, b) => a.timestamp > b.timestamp || (a.timestamp === b.timestamp && a.id > b.id)
      : (a, b) => a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.id < b.id);
  }

  private async peek(): Promise<ChunkHeader | undefined> {
    if (this.queue.length === 0 && !this.exhausted) {
      const size = this.lastHeader ? HEADER_PAGE : FIRST_PAGE;
      const page = await this.source.headers(this.lastHeader, size);
      if (page.length < size) this.exhausted = true;
      this.queue = page;
      if (page.length > 0) this.lastHeader = page[page.length - 1];
    }
    return this.queue[0];
  }

  /**
   * Whether nothing in `next` or after it can come before `event`. Headers come ordered by
   * (first or last timestamp, batch, first index), and ids grow with (batch, first index), so
   * the next chunk's first (forward) or last (backward) event bounds everything unread.
   */
  private isFinal(event: Pending, next: ChunkHeader): boolean {
    const firstId = next.batch * BATCH_ID_SPAN + next.firstIndex;
    return this.descending
      ? event.timestamp > next.maxTimestamp || (event.timestamp === next.maxTimestamp && event.id > firstId + next.eventCount - 1)
      : event.timestamp < next.minTimestamp || (event.timestamp === next.minTimestamp && event.id < firstId);
  }

  /** Up to `n` events in merge order; an empty array when there are no more. */
  async next(n: number): Promise<MergedEvent[]> {
    for (;;) {
      const next = await this.peek();
      if (next) {
        let final = 0;
        while (final < n && final < this.pending.length && this.isFinal(this.pending[final]!, next)) final++;
        if (final < n) {
          this.queue.shift();
          this.add(next, new DecodedChunk(next.data ?? (await this.source.load(next))));
          continue;
        }
      }
      return this.pending.splice(0, n).map((p) => ({
        id: p.id,
        streamId: p.header.streamId,
        timestamp: p.timestamp,
        ingestionTime: p.header.ingestionTime,
        message: p.chunk.message(p.index),
      }));
    }
  }

  /** Merges a chunk's accepted events (ascending within the chunk) into the pending ones. */
  private add(header: ChunkHeader, chunk: DecodedChunk): void {
    const firstId = header.batch * BATCH_ID_SPAN + header.firstIndex;
    const incoming: Pending[] = [];
    for (let i = 0; i < chunk.count; i++) {
      const timestamp = chunk.timestamps[i]!;
      const id = firstId + i;
      if (this.accept(timestamp, id)) incoming.push({ timestamp, id, index: i, chunk, header });
    }
    if (this.descending) incoming.reverse();
    if (incoming.length === 0) return;
    const merged: Pending[] = [];
    const old = this.pending;
    let a = 0;
    let b = 0;
    while (a < old.length && b < incoming.length) merged.push(this.before(incoming[b]!, old[a]!) ? incoming[b++]! : old[a++]!);
    while (a < old.length) merged.push(old[a++]!);
    while (b < incoming.length) merged.push(incoming[b++]!);
    this.pending = merged;
  }
}
