/** Worker-thread entry of the event writer: requests in, results out, one message each. */
import { parentPort, workerData } from 'node:worker_threads';
import { EventWriter, type SealJob, type SealResult, type Sealer, type WriterOptions, type WriterRequest } from './event-writer.js';

/** Writer thread -> store: seal these heads (writer-client.ts answers with a SealAnswer). */
export interface SealRequest {
  readonly sealRequest: number;
  readonly job: SealJob;
}

/** Store -> writer thread. */
export interface SealAnswer {
  readonly sealAnswer: number;
  readonly result?: SealResult;
  readonly error?: string;
}

interface Envelope {
  readonly seq: number;
  readonly request: WriterRequest | { readonly type: 'close' };
  /** the append's buffer was transferred: send it back with the reply for reuse */
  readonly handBack?: boolean;
}

const port = parentPort;
if (!port) throw new Error('writer-thread.ts runs only as a worker thread');
/** relaySeals: the store has scan threads to seal heads; without them the writer seals inline. */
export interface WriterThreadData {
  readonly options: WriterOptions;
  readonly relaySeals: boolean;
}

const { options, relaySeals } = workerData as WriterThreadData;
// Heads are sealed (compressed) in one of the store's scan threads, asked through the main thread
// (SealRequest / SealAnswer), so that appends never wait for it here.
const seals = new Map<number, { resolve: (r: SealResult) => void; reject: (e: Error) => void }>();
let sealSeq = 0;
const sealer: Sealer = {
  seal: (job) =>
    new Promise((resolve, reject) => {
      const id = ++sealSeq;
      seals.set(id, { resolve, reject });
      port.postMessage({ sealRequest: id, job } satisfies SealRequest);
    }),
};
const writer = new EventWriter(options, undefined, relaySeals ? sealer : undefined);

port.on('message', (message: Envelope | SealAnswer) => {
  if ('sealAnswer' in message) {
    const waiter = seals.get(message.sealAnswer);
    seals.delete(message.sealAnswer);
    if (!waiter) return;
    if (message.result) {
      // Buffers arrive as Uint8Arrays.
      const asBuffer = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
      const chunks = message.result.chunks.map((c) => ({ ...c, data: asBuffer(c.data), filter: asBuffer(c.filter) }));
      waiter.resolve({ rows: message.result.rows, chunks });
    } else waiter.reject(new Error(message.error ?? 'seal failed'));
    return;
  }
  const { seq, request } = message;
  if (request.type === 'close') {
    writer.close();
    port.postMessage({ seq, ok: true, value: 0 });
    port.close();
    return;
  }
  const buffer = message.handBack && request.type === 'append' ? (request.item.data.buffer as ArrayBuffer) : undefined;
  const transfer = buffer ? [buffer] : [];
  writer.handle(request).then(
    (value) => port.postMessage({ seq, ok: true, value, buffer }, transfer),
    (err: unknown) => port.postMessage({ seq, ok: false, error: err instanceof Error ? err.message : String(err), buffer }, transfer),
  );
});
port.postMessage({ seq: 0, ok: true, value: 0 });
