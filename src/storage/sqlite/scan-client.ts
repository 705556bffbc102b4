/**
 * The store's handle on its scan thread (scan-thread.ts): one request per chunk, answered with the
 * chunk's selected events only. One thread: the machine this targets has two cores, one of them
 * serving requests.
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
const SCAN_HEAP = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 };

interface Pending {
  readonly scanId: number;
  readonly resolve: (columns: EventColumns | undefined) => void;
  readonly reject: (err: Error) => void;
}

export class ScanThreadClient {
  private worker: Worker | undefined;
  private seq = 0;
  private scans = 0;
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  constructor(
    private readonly path: string,
    /** searches in flight, for the writer to read (see WriterOptions.searchActivity) */
    private readonly activity?: Int32Array,
  ) {}

  /** Starts the thread now, so the first search does not wait for it to boot (~0.5 s under tsx). */
  warm(): void {
    if (!this.closed && !this.worker) this.start();
  }

  private start(): Worker {
    const worker = spawnStoreThread('scan-thread', { path: this.path }, SCAN_HEAP);
    worker.on('message', (reply: ChunkSearchReply) => {
      const waiter = this.pending.get(reply.seq);
      if (!waiter) return; // its scan was cancelled
      this.pending.delete(reply.seq);
      if (this.pending.size === 0) worker.unref();
      if (reply.error !== undefined) return waiter.reject(new Error(reply.error));
      const c = reply.columns;
      waiter.resolve(c ? { ...c, text: Buffer.from(c.text.buffer, c.text.byteOffset, c.text.byteLength) } : undefined);
    });
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const [seq, waiter] of this.pending) {
        this.pending.delete(seq);
        waiter.reject(err);
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`scan thread exited with code ${code}`)));
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /** A new scan's id, for search() and cancel(). */
  newScan(): number {
    return ++this.scans;
  }

  /** The chunk's events that contain every term and match the pattern; undefined when none do. */
  search(scanId: number, chunkId: number, terms: readonly string[], pattern: string | undefined): Promise<EventColumns | undefined> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    const worker = this.worker ?? this.start();
    const seq = ++this.seq;
    const activity = this.activity;
    if (activity) Atomics.add(activity, 0, 1);
    const settled = () => {
      if (activity) Atomics.sub(activity, 0, 1);
    };
    return new Promise<EventColumns | undefined>((resolve, reject) => {
      this.pending.set(seq, {
        scanId,
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
    let any = false;
    for (const [seq, waiter] of this.pending) {
      if (waiter.scanId !== scanId) continue;
      this.pending.delete(seq);
      waiter.resolve(undefined);
      any = true;
    }
    if (!any || !this.worker) return;
    this.worker.postMessage({ type: 'cancel', scanId } satisfies ScanThreadMessage);
    if (this.pending.size === 0) this.worker.unref();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [seq, waiter] of this.pending) {
      this.pending.delete(seq);
      waiter.reject(new Error('store is closed'));
    }
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }
}
