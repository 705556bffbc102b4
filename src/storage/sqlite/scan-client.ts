/**
 * The store's handle on its scan threads (scan-thread.ts): one request per chunk, answered with the
 * chunk's selected events only. A search's chunks go to the threads in turn; the merge consumes
 * them in order, so two threads decompress two chunks at once.
 */
import type { Worker } from 'node:worker_threads';
import type { EventColumns } from './codec.js';
import { spawnStoreThread } from './spawn-thread.js';

export interface ChunkSearchRequest {
  readonly type: 'search';
  readonly seq: number;
  readonly scanId: number;
  readonly chunkId: number;
  readonly terms: readonly string[];
  /** a filter pattern's source, applied after the terms */
  readonly pattern?: string;
}

export type ScanThreadMessage = ChunkSearchRequest | { readonly type: 'cancel'; readonly scanId: number } | { readonly type: 'close' };

export interface ChunkSearchReply {
  readonly seq: number;
  readonly error?: string;
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
  readonly resolve: (columns: EventColumns | undefined) => void;
  readonly reject: (err: Error) => void;
}

export class ScanThreadClient {
  private readonly workers: Array<Worker | undefined>;
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
      this.pending.delete(reply.seq);
      this.unrefIfIdle(worker);
      if (reply.error !== undefined) return waiter.reject(new Error(reply.error));
      const c = reply.columns;
      waiter.resolve(c ? { ...c, text: Buffer.from(c.text.buffer, c.text.byteOffset, c.text.byteLength) } : undefined);
    });
    const fail = (err: Error) => {
      if (this.workers[k] === worker) this.workers[k] = undefined;
      for (const [seq, waiter] of this.pending) {
        if (waiter.worker !== worker) continue;
        this.pending.delete(seq);
        waiter.reject(err);
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`scan thread exited with code ${code}`)));
    worker.unref();
    this.workers[k] = worker;
    return worker;
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
  search(scanId: number, chunkId: number, terms: readonly string[], pattern: string | undefined): Promise<EventColumns | undefined> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    const seq = ++this.seq;
    const k = seq % this.workers.length;
    const worker = this.workers[k] ?? this.start(k);
    const activity = this.activity;
    if (activity) Atomics.add(activity, 0, 1);
    const settled = () => {
      if (activity) Atomics.sub(activity, 0, 1);
    };
    return new Promise<EventColumns | undefined>((resolve, reject) => {
      this.pending.set(seq, {
        scanId,
        worker,
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
      const request: ChunkSearchRequest = { type: 'search', seq, scanId, chunkId, terms, ...(pattern !== undefined ? { pattern } : {}) };
      worker.postMessage(request);
    });
  }

  /** Drops a scan's queued requests (their promises resolve to undefined). */
  cancel(scanId: number): void {
    const touched = new Set<Worker>();
    for (const [seq, waiter] of this.pending) {
      if (waiter.scanId !== scanId) continue;
      this.pending.delete(seq);
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
      this.pending.delete(seq);
      waiter.reject(new Error('store is closed'));
    }
    const workers = this.workers.filter((w): w is Worker => w !== undefined);
    this.workers.fill(undefined);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
