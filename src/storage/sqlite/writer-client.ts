/**
 * The store's handle on its event writer: a worker thread for file databases (fsync and zstd off
 * the event loop), or the same thread for in-memory ones.
 */
import type Database from 'better-sqlite3';
import type { Worker } from 'node:worker_threads';
import { EventWriter, type WriterOptions, type WriterRequest } from './event-writer.js';
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
  constructor(options: WriterOptions, db?: Database.Database) {
    this.writer = new EventWriter(options, db);
  }
  request(request: WriterRequest): Promise<number> {
    return this.writer.handle(request);
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
}

export class ThreadWriterClient implements WriterClient {
  private worker: Worker | undefined;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (v: number) => void; reject: (e: Error) => void }>();
  private closing = false;

  constructor(private readonly options: WriterOptions) {
    this.start();
  }

  private start(): Worker {
    const worker = spawnStoreThread('writer-thread', { options: this.options }, WRITER_HEAP);
    worker.on('message', (reply: Reply) => {
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
      // An append's bytes are copied, not transferred: onAppend listeners (the live-tail hub's
      // window) read them after the commit. Shared memory was tried: the writer's small heap
      // rarely collects, so it held every batch's SharedArrayBuffer (server RSS 490 MB).
      worker.postMessage({ seq, request });
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
