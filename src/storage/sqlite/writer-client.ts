/**
 * The store's handle on its event writer: a worker thread for file databases (fsync and zstd off
 * the event loop), or the same thread for in-memory ones.
 */
import type Database from 'better-sqlite3';
import type { Worker } from 'node:worker_threads';
import { EventWriter, type Sealer, type WriterOptions, type WriterRequest } from './event-writer.js';
import type { SealAnswer, SealRequest, WriterThreadData } from './writer-thread.js';
import type { BufferPool } from './buffer-pool.js';
import { spawnStoreThread } from './spawn-thread.js';

/**
 * The writer holds at most a few chunks' columns at a time: a bounded heap keeps its isolate from
 * growing to V8's defaults (16 MB semi-spaces, an old generation sized for the machine's RAM).
 */
const WRITER_HEAP = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 128 };

export interface WriterClient {
  request(request: WriterRequest): Promise<number>;
  close(): Promise<void>;
}

export class InlineWriterClient implements WriterClient {
  private readonly writer: EventWriter;
  constructor(
    options: WriterOptions,
    db?: Database.Database,
    private readonly pool?: BufferPool,
  ) {
    this.writer = new EventWriter(options, db);
  }
  async request(request: WriterRequest): Promise<number> {
    const value = await this.writer.handle(request);
    // Committed (SQLite copied the bytes): the batch's buffer can take the next batch.
    const buffer = request.type === 'append' ? request.item.data.buffer : undefined;
    if (buffer && this.pool?.owns(buffer)) this.pool.give(buffer);
    return value;
  }
  async close(): Promise<void> {
    this.writer.close();
  }
}

interface Reply {
  readonly seq: number;
  readonly ok: boolean;
  readonly value?: number;
  readonly error?: string;
  /** an append's buffer, handed back for reuse (see BufferPool) */
  readonly buffer?: ArrayBuffer;
}

export class ThreadWriterClient implements WriterClient {
  private worker: Worker | undefined;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (v: number) => void; reject: (e: Error) => void }>();
  private closing = false;

  constructor(
    private readonly options: WriterOptions,
    private readonly pool?: BufferPool,
    /** seals heads for the writer thread (the store's scan threads); without one it seals itself */
    private readonly sealer?: Sealer,
  ) {
    this.start();
  }

  private start(): Worker {
    const worker = spawnStoreThread('writer-thread', { options: this.options, relaySeals: this.sealer !== undefined } satisfies WriterThreadData, WRITER_HEAP);
    worker.on('message', (reply: Reply | SealRequest) => {
      if ('sealRequest' in reply) {
        const answer = (a: Omit<SealAnswer, 'sealAnswer'>) => worker.postMessage({ sealAnswer: reply.sealRequest, ...a } satisfies SealAnswer);
        if (!this.sealer) answer({ error: 'no sealer' });
        else this.sealer.seal(reply.job).then((result) => answer({ result }), (err: unknown) => answer({ error: err instanceof Error ? err.message : String(err) }));
        return;
      }
      if (reply.buffer) this.pool?.give(reply.buffer);
      const waiter = this.pending.get(reply.seq);
      if (!waiter) return;
      this.pending.delete(reply.seq);
      // Keep the process alive only while a request is in flight.
      if (this.pending.size === 0) worker.unref();
      if (reply.ok) waiter.resolve(reply.value ?? 0);
      else waiter.reject(new Error(reply.error ?? 'writer failed'));
    });
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const [seq, waiter] of this.pending) {
        this.pending.delete(seq);
        waiter.reject(err);
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`event writer exited with code ${code}`)));
    worker.unref();
    this.worker = worker;
    return worker;
  }

  request(request: WriterRequest): Promise<number> {
    if (this.closing) return Promise.reject(new Error('store is closed'));
    const worker = this.worker ?? this.start();
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      worker.ref();
      // A pooled batch's memory is handed over and comes back with the reply (BufferPool); any
      // other is copied. Copies are allocated and freed by the writer's own malloc arena, which
      // glibc does not give back to the system (measured: +40 MB RSS), and shared memory was no
      // better: the writer's small heap rarely collects and held every SharedArrayBuffer (490 MB).
      const buffer = request.type === 'append' ? request.item.data.buffer : undefined;
      const handBack = buffer !== undefined && this.pool?.owns(buffer) === true;
      worker.postMessage({ seq, request, handBack }, handBack ? [buffer as ArrayBuffer] : []);
    });
  }

  async close(): Promise<void> {
    if (this.closing) return;
    const worker = this.worker;
    if (!worker) {
      this.closing = true;
      return;
    }
    const seq = ++this.seq;
    const closed = new Promise<void>((resolve) => {
      this.pending.set(seq, { resolve: () => resolve(), reject: () => resolve() });
      // Keep the process alive until the writer has flushed and closed (a script may await only this).
      worker.ref();
      worker.postMessage({ seq, request: { type: 'close' } });
    });
    this.closing = true;
    await closed;
    await worker.terminate();
  }
}
