/**
 * Worker-thread entry of the store's searches: reads sealed chunks through its own read-only
 * connection, decompresses them and applies the terms (and the filter pattern, recompiled here
 * from its source), so a full scan never holds the server's event loop. Requests are served one
 * per turn of this thread's loop, so a cancel overtakes the rest of its scan's queue.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { compactColumns, scanChunk } from './chunk-scan.js';
import { ChunkInflater, type EventColumns } from './codec.js';
import { ALL_BLOCKS, blocksMayContain } from './ngram-filter.js';
import { collector, detachOnce, lowerThreadPriority } from './thread-tuning.js';
import { compileFilterPattern, type CompiledFilterPattern } from '../../core/filter-pattern/index.js';
import type { ChunkFilterRequest, ChunkSearchReply, FoundColumns, HeadSealRequest, ScanThreadMessage, ScanThreadRequest } from './scan-client.js';
import { sealHeadRows, type HeadRowData } from './seal.js';

const port = parentPort;
if (!port) throw new Error('scan-thread.ts runs only as a worker thread');

// Searches yield the CPU to appends (thread-tuning.ts).
lowerThreadPriority(10);
// Before anything is compiled: replies move their buffers (thread-tuning.ts).
detachOnce();
const { path } = workerData as { path: string };
const db = new Database(path, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 10000');
// Chunk blobs are read once per search: the OS page cache keeps them, ours need not.
db.pragma('cache_size = -2048');
const chunkData = db.prepare<[number], { data: Buffer }>('SELECT data FROM chunks WHERE id = ?');
const chunkFilter = db.prepare<[number], { filter: Buffer }>('SELECT filter FROM chunk_filters WHERE chunk_id = ?');
const headRows = db.prepare<[number, number], HeadRowData>(
  'SELECT id, first_event_id, ingestion_time, data FROM head_batches WHERE stream_id = ? AND id <= ? ORDER BY id',
);

// Each chunk is decompressed into the same buffer: the reply copies out the few selected events.
const inflater = new ChunkInflater();
const inflate = (data: Uint8Array, mask: number) => inflater.inflatePart(data, mask);

const patterns = new Map<string, CompiledFilterPattern>();
function patternOf(source: string): CompiledFilterPattern {
  let compiled = patterns.get(source);
  if (!compiled) {
    if (patterns.size >= 32) patterns.clear();
    compiled = compileFilterPattern(source, { context: 'filter-log-events' });
    patterns.set(source, compiled);
  }
  return compiled;
}

let queue: ScanThreadRequest[] = [];
let pumping = false;

/**
 * Every blob SQLite hands over is a fresh Buffer whose memory V8 frees only when it collects, and
 * this thread allocates almost nothing else: V8 waited for tens of MB of them (mostly 8-16 KB
 * filters, which malloc serves from arenas) before collecting, per thread. A young-generation
 * collection every few MB read frees them (~0.05 ms each; server RSS during 10M-event searches
 * 266 -> see docs/storage.md, Memory).
 */
const collectYoung = collector('minor');
const COLLECT_EVERY_BYTES = 4 * 1024 * 1024;
let readSinceCollect = 0;

function read(bytes: number): void {
  readSinceCollect += bytes;
  if (readSinceCollect < COLLECT_EVERY_BYTES) return;
  readSinceCollect = 0;
  collectYoung();
}

function filterChunks(request: ChunkFilterRequest): ChunkSearchReply {
  const terms = request.terms.map((t) => Buffer.from(t, 'utf8'));
  const passed = new Uint8Array(request.chunkIds.length);
  request.chunkIds.forEach((id, k) => {
    const filter = chunkFilter.get(id)?.filter;
    if (filter) read(filter.length);
    // A chunk without a filter row cannot be ruled out here (its search finds out).
    passed[k] = filter ? blocksMayContain(filter, terms) : ALL_BLOCKS;
  });
  if (!request.search) return { seq: request.seq, passed };
  // Then the admitted chunks, in order, until what they matched holds maxBytes.
  const pattern = request.search.pattern !== undefined ? patternOf(request.search.pattern) : undefined;
  const found: Array<{ at: number; columns: EventColumns }> = [];
  let bytes = 0;
  let k = 0;
  for (; k < passed.length && bytes < request.search.maxBytes; k++) {
    if (passed[k] === 0) continue;
    const row = chunkData.get(request.chunkIds[k]!);
    if (!row) continue; // dropped by retention or a delete meanwhile
    read(row.data.length);
    const hit = scanChunk(row.data, passed[k]!, terms, pattern, inflate);
    if (!hit) continue;
    const columns = compactColumns(hit.columns, hit.selected);
    found.push({ at: k, columns });
    bytes += columns.text.length + 32 * columns.count;
  }
  return { seq: request.seq, passed, searchedThrough: k, found: packFound(found) };
}

/** Chunks' selected events as one set of columns, so that the reply moves six buffers whatever the number of chunks. */
function packFound(found: ReadonlyArray<{ at: number; columns: EventColumns }>): FoundColumns {
  let events = 0;
  let bytes = 0;
  for (const { columns } of found) {
    events += columns.count;
    bytes += columns.text.length;
  }
  const out = {
    at: Uint32Array.from(found, (f) => f.at),
    starts: new Uint32Array(found.length + 1),
    ids: new Float64Array(events),
    timestamps: new Float64Array(events),
    ingestionTimes: new Float64Array(events),
    offsets: new Uint32Array(events + 1),
    text: new Uint8Array(bytes),
    ascii: Uint8Array.from(found, (f) => (f.columns.ascii ? 1 : 0)),
  };
  let e = 0;
  let at = 0;
  found.forEach(({ columns: c }, j) => {
    out.ids.set(c.ids, e);
    out.timestamps.set(c.timestamps, e);
    out.ingestionTimes.set(c.ingestionTimes, e);
    for (let i = 0; i < c.count; i++) out.offsets[e + i + 1] = at + c.offsets[i + 1]!;
    out.text.set(c.text, at);
    at += c.text.length;
    e += c.count;
    out.starts[j + 1] = e;
  });
  return out;
}

/**
 * A seal churns through a few MB (head blobs, decoded columns, outputs), some of it promoted while
 * it runs: collected whole after each seal (a few ms of a ~15 ms seal) rather than when V8 gets
 * round to it (with a thread of its own for sealing, the 10M-event bench peaked at 264 MB).
 */
const collectAll = collector('major');

function sealHeads(request: HeadSealRequest): ChunkSearchReply {
  const rows = headRows.all(request.streamId, request.maxRowId);
  const { chunks } = rows.length > 0 ? sealHeadRows(rows, request.sealEvents, request.level) : { chunks: [] };
  return { seq: request.seq, sealed: { rows: rows.length, chunks } };
}

function serve(request: ScanThreadRequest): ChunkSearchReply {
  if (request.type === 'filter') return filterChunks(request);
  if (request.type === 'seal') return sealHeads(request);
  // The chunk's filter has passed (filterChunks): the store asks only for chunks it admitted.
  const terms = request.terms.map((t) => Buffer.from(t, 'utf8'));
  const row = chunkData.get(request.chunkId);
  if (!row) return { seq: request.seq }; // dropped by retention or a delete meanwhile
  read(row.data.length);
  const found = scanChunk(row.data, request.blocks ?? ALL_BLOCKS, terms, request.pattern !== undefined ? patternOf(request.pattern) : undefined, inflate);
  if (!found) return { seq: request.seq };
  const c = compactColumns(found.columns, found.selected);
  return { seq: request.seq, columns: { count: c.count, ids: c.ids, timestamps: c.timestamps, ingestionTimes: c.ingestionTimes, offsets: c.offsets, text: c.text, ascii: c.ascii } };
}

function pump(): void {
  const request = queue.shift();
  if (!request) {
    pumping = false;
    return;
  }
  let reply: ChunkSearchReply;
  try {
    reply = serve(request);
  } catch (err) {
    reply = { seq: request.seq, error: err instanceof Error ? err.message : String(err) };
  }
  const c = reply.columns;
  // (A seal's chunks are copied: a small compressed chunk may share Node's buffer pool.)
  const f = reply.found;
  const moved = c
    ? [c.ids.buffer, c.timestamps.buffer, c.ingestionTimes.buffer, c.offsets.buffer, c.text.buffer]
    : f
      ? [reply.passed!.buffer, f.at.buffer, f.starts.buffer, f.ids.buffer, f.timestamps.buffer, f.ingestionTimes.buffer, f.offsets.buffer, f.text.buffer, f.ascii.buffer]
      : reply.passed
        ? [reply.passed.buffer]
        : [];
  port!.postMessage(reply, moved as ArrayBuffer[]);
  if (request.type === 'seal') collectAll();
  setImmediate(pump);
}

port.on('message', (message: ScanThreadMessage) => {
  if (message.type === 'close') {
    queue = [];
    db.close();
    port.close();
    return;
  }
  if (message.type === 'cancel') {
    queue = queue.filter((r) => r.scanId !== message.scanId);
    return;
  }
  queue.push(message);
  if (!pumping) {
    pumping = true;
    setImmediate(pump);
  }
});
