/** The writer thread's handle on its seal thread (seal-thread.ts): one request per stream seal. */
import type { Worker } from 'node:worker_threads';
import type { Sealer } from './event-writer.js';
import type { SealedPart } from './seal.js';
import { spawnStoreThread } from './spawn-thread.js';

export interface SealRequest {
  readonly type: 'seal';
  readonly seq: number;
  readonly streamId: number;
  readonly maxRowId: number;
  readonly sealEvents: number;
  readonly level: number;
}

export interface SealReply {
  readonly seq: number;
  readonly error?: string;
  readonly rows?: number;
  readonly parts?: SealedPart[];
}

/** A seal holds one stream's head (a few MB) at a time. */
const SEAL_HEAP = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 };

export class SealThreadClient implements Sealer {
  private worker: Worker | undefined;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (r: { rows: number; parts: SealedPart[] }) => void; reject: (e: Error) => void }>();
  private closed = false;

  constructor(private readonly path: string) {}

  private start(): Worker {
    const worker = spawnStoreThread('seal-thread', { path: this.path }, SEAL_HEAP);
    worker.on('message', (reply: SealReply) => {
      const waiter = this.pending.get(reply.seq);
      if (!waiter) return;
      this.pending.delete(reply.seq);
      if (this.pending.size === 0) worker.unref();
      if (reply.error !== undefined) waiter.reject(new Error(reply.error));
      else waiter.resolve({ rows: reply.rows ?? 0, parts: (reply.parts ?? []).map((p) => ({ chunk: { ...p.chunk, data: Buffer.from(p.chunk.data.buffer, p.chunk.data.byteOffset, p.chunk.data.byteLength) }, filter: Buffer.from(p.filter.buffer, p.filter.byteOffset, p.filter.byteLength) })) });
    });
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const [seq, waiter] of this.pending) {
        this.pending.delete(seq);
        waiter.reject(err);
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`seal thread exited with code ${code}`)));
    worker.unref();
    this.worker = worker;
    return worker;
  }

  seal(job: { streamId: number; maxRowId: number; sealEvents: number; level: number }): Promise<{ rows: number; parts: SealedPart[] }> {
    if (this.closed) return Promise.reject(new Error('writer is closed'));
    const worker = this.worker ?? this.start();
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      worker.ref();
      worker.postMessage({ type: 'seal', seq, ...job } satisfies SealRequest);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [seq, waiter] of this.pending) {
      this.pending.delete(seq);
      waiter.reject(new Error('writer is closed'));
    }
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }
}
