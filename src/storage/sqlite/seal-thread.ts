/**
 * Worker-thread entry that seals head batches for the writer thread (event-writer.ts, sealSoon):
 * reads a stream's heads through its own read-only connection, compresses them into chunks with
 * their filters, and hands the bytes back. It runs at a lower priority, so appends go
 * first when both cores are busy.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { sealHeadRows, type HeadRowData } from './seal.js';
import { lowerThreadPriority } from './thread-priority.js';
import type { SealReply, SealRequest } from './seal-client.js';

const port = parentPort;
if (!port) throw new Error('seal-thread.ts runs only as a worker thread');
lowerThreadPriority(10);
const { path } = workerData as { path: string };
const db = new Database(path, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 10000');
db.pragma('cache_size = -2048');
const headRows = db.prepare<[number, number], HeadRowData>(
  'SELECT id, first_event_id, ingestion_time, data FROM head_batches WHERE stream_id = ? AND id <= ? ORDER BY id',
);

port.on('message', (message: SealRequest | { type: 'close' }) => {
  if (message.type === 'close') {
    db.close();
    port.close();
    return;
  }
  try {
    const rows = headRows.all(message.streamId, message.maxRowId);
    const { parts } = rows.length > 0 ? sealHeadRows(rows, message.sealEvents, message.level) : { parts: [] };
    const reply: SealReply = { seq: message.seq, rows: rows.length, parts };
    // Copied, not transferred: a small compressed chunk may share Node's buffer pool.
    port.postMessage(reply);
  } catch (err) {
    port.postMessage({ seq: message.seq, error: err instanceof Error ? err.message : String(err) } satisfies SealReply);
  }
});
