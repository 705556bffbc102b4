/**
 * The store's handle on its scan threads (scan-thread.ts): one request per chunk, answered with the
 * chunk's selected events only. A search's chunks go to the threads in turn; the merge consumes
 * them in order, so two threads decompress two chunks at once.
 */
import type { Worker } from 'node:worker_threads';
import type { EventColumns } from './codec.js';
import type { SealJob, SealResult, Sealer } from './event-writer.js';
import { spawnStoreThread } from './spawn-thread.js';

export interface ChunkSearchRequest {
  readonly type: 'search';
  readonly seq: number;
  readonly scanId: number;
  readonly chunkId: number;
  readonly terms: readonly string[];
  /** a filter pattern's source, applied after the terms */
  readonly pattern?: string;
  /** the blocks its filter admitted (blocksMayContain); all when absent */
  readonly blocks?: number;
}

/**
 * Which of some chunks' 4-gram filters admit every term: one round trip for many chunks. With
 * `search`, the thread goes on to search the admitted chunks, in order, until their matches hold
 * maxBytes, and answers with what it found (a rare term's ~40 hit chunks in 128 then cost one
 * round trip, not 40).
 */
export interface ChunkFilterRequest {
  readonly type: 'filter';
  readonly seq: number;
  readonly scanId: number;
  readonly chunkIds: readonly number[];
  readonly terms: readonly string[];
  readonly search?: { readonly pattern?: string; readonly maxBytes: number };
}

/** Several chunks' selected events in one set of columns: chunk `at[j]` (a request index) holds events [starts[j], starts[j + 1]). */
export interface FoundColumns {
  readonly at: Uint32Array;
  readonly starts: Uint32Array;
  readonly ids: Float64Array;
  readonly timestamps: Float64Array;
  readonly ingestionTimes: Float64Array;
  /** into text, from 0 */
  readonly offsets: Uint32Array;
  readonly text: Uint8Array;
  readonly ascii: Uint8Array;
}

/** A filter request's answer. */
export interface FilteredChunks {
  /** per chunk (in request order), the blocks that may hold every term (blocksMayContain; 0: none) */
  readonly passed: Uint8Array;
  /** with search: the admitted chunks before this request index were searched, and found[k] holds what chunk k matched (none: nothing) */
  readonly searchedThrough: number;
  readonly found: Map<number, EventColumns>;
}

/** Seals a stream's head batches up to maxRowId for the writer (event-writer.ts, sealSoon). */
export interface HeadSealRequest {
  readonly type: 'seal';
  readonly seq: number;
  readonly scanId: number;
  readonly streamId: number;
  readonly maxRowId: number;
  readonly sealEvents: number;
  readonly level: number;
}

export type ScanThreadRequest = ChunkSearchRequest | ChunkFilterRequest | HeadSealRequest;
export type ScanThreadMessage = ScanThreadRequest | { readonly type: 'cancel'; readonly scanId: number } | { readonly type: 'close' };

export interface ChunkSearchReply {
  readonly seq: number;
  readonly error?: string;
  /** a filter request's answer: per chunk (in request order), the blocks that may hold every term (blocksMayContain; 0: none) */
  readonly passed?: Uint8Array;
  /** a filter request with search: how far it searched, and what it found */
  readonly searchedThrough?: number;
  readonly found?: FoundColumns;
  /** a seal request's answer */
  readonly sealed?: SealResult;
  readonly columns?: {
    readonly count: number;
    readonly ids: Float64Array;
    readonly timestamps: Float64Array;
    readonly ingestionTimes: Float64Array;
    readonly offsets: Uint32Array;
    readonly text: Uint8Array;
    readonly ascii: boolean;
  };
}

/** Decoded chunks are external memory; the thread's own heap holds little: keep V8 from sizing it for the machine. */
const SCAN_HEAP = { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 48 };

interface Pending {
  readonly scanId: number;
  readonly worker: Worker;
  readonly thread: number;
  /** undefined when the scan was cancelled */
  readonly resolve: (reply: ChunkSearchReply | undefined) => void;
  readonly reject: (err: Error) => void;
}

export class ScanThreadClient implements Sealer {
  private readonly workers: Array<Worker | undefined>;
  /** requests each thread has not answered yet */
  private readonly outstanding: number[];
  private seq = 0;
  private scans = 0;
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  constructor(
    private readonly path: string,
    /** searches in flight, for the writer to read (see WriterOptions.searchActivity) */
    private readonly activity?: Int32Array,
    /** scan threads: chunks of one search are handed out in turn, so a full scan uses every core */
    threads = 1,
  ) {
    this.workers = new Array<Worker | undefined>(Math.max(1, threads)).fill(undefined);
    this.outstanding = new Array<number>(this.workers.length).fill(0);
  }

  /** Starts the threads now, so the first search does not wait for them to boot (~0.5 s under tsx). */
  warm(): void {
    if (this.closed) return;
    for (let k = 0; k < this.workers.length; k++) if (!this.workers[k]) this.start(k);
  }

  private start(k: number): Worker {
    const worker = spawnStoreThread('scan-thread', { path: this.path }, SCAN_HEAP);
    worker.on('message', (reply: ChunkSearchReply) => {
      const waiter = this.pending.get(reply.seq);
      if (!waiter) return; // its scan was cancelled
      this.forget(reply.seq, waiter);
      this.unrefIfIdle(worker);
      if (reply.error !== undefined) return waiter.reject(new Error(reply.error));
      waiter.resolve(reply);
    });
    const fail = (err: Error) => {
      if (this.workers[k] === worker) this.workers[k] = undefined;
      for (const [seq, waiter] of this.pending) {
        if (waiter.worker !== worker) continue;
        this.forget(seq, waiter);
        waiter.reject(err);
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`scan thread exited with code ${code}`)));
    worker.unref();
    this.workers[k] = worker;
    return worker;
  }

  private forget(seq: number, waiter: Pending): void {
    this.pending.delete(seq);
    this.outstanding[waiter.thread]!--;
  }

  /** Keep the process alive only while a thread has requests in flight. */
  private unrefIfIdle(worker: Worker): void {
    for (const waiter of this.pending.values()) if (waiter.worker === worker) return;
    worker.unref();
  }

  /** A new scan's id, for search() and cancel(). */
  newScan(): number {
    return ++this.scans;
  }

  /** The chunk's events that contain every term and match the pattern; undefined when none do. */
  async search(scanId: number, chunkId: number, terms: readonly string[], pattern: string | undefined, blocks?: number): Promise<EventColumns | undefined> {
    const c = (await this.request(scanId, (seq) => ({ type: 'search', seq, scanId, chunkId, terms, ...(pattern !== undefined ? { pattern } : {}), ...(blocks !== undefined ? { blocks } : {}) })))?.columns;
    return c ? { ...c, text: Buffer.from(c.text.buffer, c.text.byteOffset, c.text.byteLength) } : undefined;
  }

  /**
   * For each chunk (in order), the blocks its 4-gram filter admits every term in (0: none). A search that
   * skips most chunks pays one round trip per block of chunks rather than one per chunk (at 10M
   * events a search that matched nothing spent ~200 ms on 1,568 round trips). Undefined when the
   * scan was cancelled.
   */
  async filterChunks(scanId: number, chunkIds: readonly number[], terms: readonly string[], search?: ChunkFilterRequest['search']): Promise<FilteredChunks | undefined> {
    const reply = await this.request(scanId, (seq) => ({ type: 'filter', seq, scanId, chunkIds, terms, ...(search ? { search } : {}) }));
    if (!reply?.passed) return undefined;
    const found = new Map<number, EventColumns>();
    const f = reply.found;
    if (f) {
      const text = Buffer.from(f.text.buffer, f.text.byteOffset, f.text.byteLength);
      f.at.forEach((k, j) => {
        const from = f.starts[j]!;
        const to = f.starts[j + 1]!;
        const base = f.offsets[from]!;
        found.set(k, {
          count: to - from,
          ids: f.ids.subarray(from, to),
          timestamps: f.timestamps.subarray(from, to),
          ingestionTimes: f.ingestionTimes.subarray(from, to),
          offsets: Uint32Array.from(f.offsets.subarray(from, to + 1), (o) => o - base),
          text: text.subarray(base, f.offsets[to]),
          ascii: f.ascii[j] === 1,
        });
      });
    }
    return { passed: reply.passed, searchedThrough: reply.searchedThrough ?? 0, found };
  }

  /**
   * Seals a stream's head batches in a scan thread for the writer thread (it runs at a lower
   * priority, so appends go first; the writer only commits the chunks).
   */
  async seal(job: SealJob): Promise<SealResult> {
    const reply = await this.request(0, (seq) => ({ type: 'seal', seq, scanId: 0, ...job }));
    if (!reply?.sealed) throw new Error('seal was cancelled');
    return reply.sealed;
  }

  private request(scanId: number, make: (seq: number) => ScanThreadRequest): Promise<ChunkSearchReply | undefined> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    const seq = ++this.seq;
    // The thread with the fewest requests queued: chunks differ in cost (a hit chunk costs ten
    // times a miss), and handed out strictly in turn one thread idled while the other caught up.
    let k = seq % this.workers.length;
    for (let j = 0; j < this.workers.length; j++) if (this.outstanding[j]! < this.outstanding[k]!) k = j;
    const worker = this.workers[k] ?? this.start(k);
    this.outstanding[k]!++;
    const activity = this.activity;
    if (activity) {
      Atomics.add(activity, 0, 1);
      // A search's requests count as reads: recompression waits until they have paused too (a
      // seal is not one: scanId 0).
      if (scanId !== 0 && activity.length > 1) Atomics.add(activity, 1, 1);
    }
    const settled = () => {
      if (activity) Atomics.sub(activity, 0, 1);
    };
    return new Promise<ChunkSearchReply | undefined>((resolve, reject) => {
      this.pending.set(seq, {
        scanId,
        worker,
        thread: k,
        resolve: (v) => {
          settled();
          resolve(v);
        },
        reject: (e) => {
          settled();
          reject(e);
        },
      });
      worker.ref();
      worker.postMessage(make(seq));
    });
  }

  /** Drops a scan's queued requests (their promises resolve to undefined). */
  cancel(scanId: number): void {
    const touched = new Set<Worker>();
    for (const [seq, waiter] of this.pending) {
      if (waiter.scanId !== scanId) continue;
      this.forget(seq, waiter);
      waiter.resolve(undefined);
      touched.add(waiter.worker);
    }
    for (const worker of touched) {
      worker.postMessage({ type: 'cancel', scanId } satisfies ScanThreadMessage);
      this.unrefIfIdle(worker);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [seq, waiter] of this.pending) {
      this.forget(seq, waiter);
      waiter.reject(new Error('store is closed'));
    }
    const workers = this.workers.filter((w): w is Worker => w !== undefined);
    this.workers.fill(undefined);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
