/** Worker-thread entry of the event writer: requests in, results out, one message each. */
import { parentPort, workerData } from 'node:worker_threads';
import { EventWriter, type WriterOptions, type WriterRequest } from './event-writer.js';
import { SealThreadClient } from './seal-client.js';

interface Envelope {
  readonly seq: number;
  readonly request: WriterRequest | { readonly type: 'close' };
  /** the append's buffer was transferred: send it back with the reply for reuse */
  readonly handBack?: boolean;
}

const port = parentPort;
if (!port) throw new Error('writer-thread.ts runs only as a worker thread');
const options = (workerData as { options: WriterOptions }).options;
// Heads are sealed (compressed) in a thread of their own, so appends never wait for it.
const sealer = new SealThreadClient(options.path);
const writer = new EventWriter(options, undefined, sealer);

port.on('message', (message: Envelope) => {
  const { seq, request } = message;
  if (request.type === 'close') {
    writer.close();
    void sealer.close().finally(() => {
      port.postMessage({ seq, ok: true, value: 0 });
      port.close();
    });
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
