/**
 * Binary layouts of the embedded store's event data, free of SQLite so that the PostgreSQL
 * backend (or a worker thread) can store and read the same bytes.
 *
 * A *head batch* is one PutLogEvents call as it was committed: uncompressed, cheap to write,
 * events already in (timestamp, id) order, ids consecutive from the row's first id.
 *
 * A *chunk* is many events of one stream, sealed: sorted by (timestamp, id), split into columns
 * (ids, timestamps, ingestion times as zigzag-delta varints; message lengths; message bytes) and
 * compressed with zstd. Columns compress far better than rows: deltas are tiny and repetitive, and
 * the messages sit next to each other for zstd's match finder.
 *
 * Chunks come in two layouts. Version 1 (sealing, on the ingest path) stores the message bytes as
 * they are. Version 2 (idle recompression) folds each message's echo of its own timestamp into a
 * two-byte marker (timestamp-fold.ts) and groups the messages by their first folded byte (JSON
 * lines with JSON lines, syslog with syslog), keeping that byte per event to restore the order.
 * Readers decode both.
 */
import { isAscii } from 'node:buffer';
import { compress as zstdCompress, decompress as zstdDecompress } from 'zstd-napi';
import zstdBinding from 'zstd-napi/binding.js';
import { ALL_BLOCKS, BLOCK_FOLD_BELOW_FILL, COMPACT_FOLD_BELOW_FILL, buildBlockFilters, buildNgramFilter, buildSizedBlockFilters } from './ngram-filter.js';
import { ESCAPED_TERMINATOR, MARKER, TERMINATOR, findFolds, foldSafeCore, isEscaped, needsEscapes, renderedLength, writeRendered } from './timestamp-fold.js';

/** Events decoded for reading: parallel columns plus the UTF-8 text they index into. */
export interface EventColumns {
  readonly count: number;
  readonly ids: Float64Array;
  readonly timestamps: Float64Array;
  readonly ingestionTimes: Float64Array;
  /** offsets[i]..offsets[i+1] are event i's bytes in text */
  readonly offsets: Uint32Array;
  readonly text: Buffer;
  /** every byte of text is ASCII, so latin1 decoding gives the same string faster */
  readonly ascii: boolean;
}

export function messageAt(columns: EventColumns, i: number): string {
  if (columns instanceof FoldedColumns) return columns.message(i);
  return columns.text.toString(columns.ascii ? 'latin1' : 'utf8', columns.offsets[i]!, columns.offsets[i + 1]!);
}

/** Memory a decoded column set holds (a cache's measure), without restoring what is still folded. */
export function heldBytes(columns: EventColumns): number {
  if (columns instanceof FoldedColumns) return columns.heldBytes;
  return columns.text.buffer.byteLength + columns.count * 28;
}

/** UTF-8 bytes of all messages and where each starts (for building columns outside the ingest path). */
export function encodeMessages(messages: readonly string[]): { text: Buffer; offsets: Uint32Array; ascii: boolean } {
  const parts = messages.map((m) => Buffer.from(m, 'utf8'));
  const text = Buffer.concat(parts);
  const offsets = new Uint32Array(messages.length + 1);
  let at = 0;
  parts.forEach((part, i) => (offsets[i + 1] = at += part.length));
  return { text, offsets, ascii: isAscii(text) };
}

// ---- head batches -------------------------------------------------------------------------------
// [u32 count][u32 flags][f64 timestamps x count][u32 byte offsets x (count+1)][text]

const HEAD_ASCII = 1;

/**
 * One allocation per batch: each message is written straight after the header (an intermediate
 * UTF-8 buffer cost a second megabyte per 10,000-event request for V8 to collect; joining the
 * messages first ran at ~240 MB/s). `text`, when the caller measured it, saves measuring again.
 */
export function encodeHeadBatch(
  timestamps: ArrayLike<number>,
  messages: readonly string[],
  allocate: (size: number) => Buffer = Buffer.allocUnsafe,
  text?: { readonly bytes: number; readonly ascii: boolean },
): { data: Buffer; bytes: number } {
  const n = messages.length;
  let bytes = text?.bytes ?? 0;
  let ascii = text?.ascii ?? false;
  if (!text) {
    let chars = 0;
    for (let i = 0; i < n; i++) {
      bytes += Buffer.byteLength(messages[i]!, 'utf8');
      chars += messages[i]!.length;
    }
    ascii = bytes === chars;
  }
  const head = 8 + 8 * n + 4 * (n + 1);
  const data = allocate(head + bytes);
  data.writeUInt32LE(n, 0);
  data.writeUInt32LE(ascii ? HEAD_ASCII : 0, 4);
  let p = 8;
  for (let i = 0; i < n; i++, p += 8) data.writeDoubleLE(timestamps[i]!, p);
  data.writeUInt32LE(0, p);
  p += 4;
  let at = 0;
  const encoding = ascii ? 'latin1' : 'utf8';
  for (let i = 0; i < n; i++, p += 4) data.writeUInt32LE((at += data.write(messages[i]!, head + at, encoding)), p);
  if (at !== bytes) throw new Error(`head batch: wrote ${at} message bytes, expected ${bytes}`);
  return { data, bytes };
}

/** The head layout from columns (retention rewrites a batch it cut). */
export function encodeHeadColumns(columns: EventColumns): Buffer {
  const n = columns.count;
  const head = 8 + 8 * n + 4 * (n + 1);
  const base = columns.offsets[0]!;
  const bytes = columns.offsets[n]! - base;
  const data = Buffer.allocUnsafe(head + bytes);
  data.writeUInt32LE(n, 0);
  data.writeUInt32LE(columns.ascii ? HEAD_ASCII : 0, 4);
  let p = 8;
  for (let i = 0; i < n; i++, p += 8) data.writeDoubleLE(columns.timestamps[i]!, p);
  for (let i = 0; i <= n; i++, p += 4) data.writeUInt32LE(columns.offsets[i]! - base, p);
  columns.text.copy(data, head, base, columns.offsets[n]!);
  return data;
}

export function decodeHeadBatch(data: Buffer, firstId: number, ingestionTime: number): EventColumns {
  const n = data.readUInt32LE(0);
  const ascii = (data.readUInt32LE(4) & HEAD_ASCII) !== 0;
  const ids = new Float64Array(n);
  const timestamps = new Float64Array(n);
  const ingestionTimes = new Float64Array(n).fill(ingestionTime);
  let p = 8;
  for (let i = 0; i < n; i++, p += 8) {
    ids[i] = firstId + i;
    timestamps[i] = data.readDoubleLE(p);
  }
  const offsets = new Uint32Array(n + 1);
  for (let i = 0; i <= n; i++, p += 4) offsets[i] = data.readUInt32LE(p);
  return { count: n, ids, timestamps, ingestionTimes, offsets, text: data.subarray(p), ascii };
}

// ---- varints (safe integers beyond 32 bits, so arithmetic rather than bit operators) -------------

class ByteWriter {
  buf: Buffer;
  at = 0;
  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(Math.max(64, capacity));
  }
  private ensure(extra: number): void {
    if (this.at + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + extra));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }
  uvarint(v: number): void {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.at++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.at++] = v;
  }
  svarint(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }
  /**
   * src[start, end), each byte folding escapes preceded by MARKER when `escapes` (a TERMINATOR
   * byte as ESCAPED_TERMINATOR when `terminated`)
   */
  copy(src: Buffer, start: number, end: number, escapes: boolean, terminated: boolean): void {
    if (!escapes) {
      this.ensure(end - start);
      this.at += src.copy(this.buf, this.at, start, end);
      return;
    }
    this.ensure(2 * (end - start));
    for (let i = start; i < end; i++) {
      const b = src[i]!;
      if (isEscaped(b)) this.buf[this.at++] = MARKER;
      this.buf[this.at++] = terminated && b === TERMINATOR ? ESCAPED_TERMINATOR : b;
    }
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.at++] = b;
  }
  marker(code: number): void {
    this.ensure(2);
    this.buf[this.at++] = MARKER;
    this.buf[this.at++] = code;
  }
  done(): Buffer {
    return this.buf.subarray(0, this.at);
  }
  /** Starts over, keeping the buffer when it is large enough (and not grossly oversized). */
  reset(capacity: number): void {
    this.at = 0;
    if (this.buf.length < capacity || this.buf.length > 4 * Math.max(capacity, 1 << 20)) this.buf = Buffer.allocUnsafeSlow(Math.max(64, capacity));
  }
}

const encodeScratch = new ByteWriter(0);

class ByteReader {
  at = 0;
  constructor(readonly buf: Uint8Array) {}
  uvarint(): number {
    let v = 0;
    let scale = 1;
    for (;;) {
      const b = this.buf[this.at++];
      if (b === undefined) throw new Error('chunk truncated');
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 0x80;
    }
  }
  svarint(): number {
    const z = this.uvarint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }
}

/**
 * n varints from raw[at], summed as they go (each is a delta): zigzag-signed into out[0..n), or
 * unsigned into out[1..n] after out[0] = 0 (offsets). Returns the position after them. Values
 * under 2^28 (all but the first id or timestamp of a chunk) decode with integer operations; the
 * ByteReader's arithmetic per byte made this a third of a rare-term search (~0.3 ms a chunk).
 */
function readVarints(raw: Uint8Array, at: number, n: number, out: Float64Array | Uint32Array, zigzag: boolean): number {
  const end = raw.length;
  let sum = 0;
  const base = zigzag ? 0 : 1;
  if (!zigzag) out[0] = 0;
  for (let i = 0; i < n; i++) {
    if (at >= end) throw new Error('chunk truncated');
    let b = raw[at++]!;
    let z = b & 0x7f;
    if (b >= 0x80) {
      let shift = 7;
      do {
        if (at >= end) throw new Error('chunk truncated');
        b = raw[at++]!;
        z = shift < 28 ? z | ((b & 0x7f) << shift) : z + (b & 0x7f) * 2 ** shift;
        shift += 7;
      } while (b >= 0x80);
    }
    sum += zigzag ? (z < 0x80000000 ? (z >>> 1) ^ -(z & 1) : z % 2 === 0 ? z / 2 : -(z + 1) / 2) : z;
    out[i + base] = sum;
  }
  return at;
}

// ---- chunks -------------------------------------------------------------------------------------

const PLAIN_VERSION = 1;
const FOLDED_VERSION = 2;
const TERMINATED_VERSION = 3;
/** Versions 2 and 3 fold timestamps and group their messages by key. */
function isFolded(version: number): boolean {
  return version === FOLDED_VERSION || version === TERMINATED_VERSION;
}
/** Version 3 notes where every MARK_EVERY-th stored message starts (and its blocks start at one). */
const MARK_EVERY = 128;
const CHUNK_ASCII = 1;
/**
 * The header says where its columns end (CHUNK_DIRECTORY_BYTES after the event count: four
 * uint32 LE, the ends of the ids, timestamps, ingestion times and lengths columns, then the stored
 * bytes' length), so that a search finds the stored text and a hit's columns without walking
 * every varint before them (~0.1 ms a chunk of ~6,400 events). Chunks written before it lack it.
 */
const CHUNK_DIRECTORY = 2;
const CHUNK_DIRECTORY_BYTES = 20;
const DIRECTORY_SPACE = new Uint8Array(CHUNK_DIRECTORY_BYTES);
/** zstd level: 3 is zstd's default; higher levels were measured to cost more CPU than they save space. */
export const DEFAULT_ZSTD_LEVEL = 3;

export interface SealedChunk {
  readonly data: Buffer;
  readonly count: number;
  readonly minTimestamp: number;
  readonly maxTimestamp: number;
  readonly minId: number;
  readonly maxId: number;
  /** message bytes (UTF-8), as storedBytes counts them */
  readonly rawBytes: number;
  /** its 4-gram filter (ngram-filter.ts): one per block when stored in blocks */
  readonly filter: Buffer;
}

/** Merges event sources (each sorted by (timestamp, id)) into one sorted column set. */
export function mergeColumns(parts: readonly EventColumns[]): EventColumns {
  if (parts.length === 1) return parts[0]!;
  if (inOrderOneAfterAnother(parts)) return concatColumns(parts);
  const count = parts.reduce((n, p) => n + p.count, 0);
  const order: Array<[number, number]> = [];
  for (let p = 0; p < parts.length; p++) for (let i = 0; i < parts[p]!.count; i++) order.push([p, i]);
  order.sort((a, b) => {
    const pa = parts[a[0]]!;
    const pb = parts[b[0]]!;
    return pa.timestamps[a[1]]! - pb.timestamps[b[1]]! || pa.ids[a[1]]! - pb.ids[b[1]]!;
  });
  const ids = new Float64Array(count);
  const timestamps = new Float64Array(count);
  const ingestionTimes = new Float64Array(count);
  const offsets = new Uint32Array(count + 1);
  let bytes = 0;
  for (const part of parts) bytes += part.text.length;
  const text = Buffer.allocUnsafe(bytes);
  let at = 0;
  let ascii = true;
  for (const part of parts) ascii &&= part.ascii;
  for (let k = 0; k < count; k++) {
    const [p, i] = order[k]!;
    const part = parts[p]!;
    ids[k] = part.ids[i]!;
    timestamps[k] = part.timestamps[i]!;
    ingestionTimes[k] = part.ingestionTimes[i]!;
    at += part.text.copy(text, at, part.offsets[i]!, part.offsets[i + 1]!);
    offsets[k + 1] = at;
  }
  return { count, ids, timestamps, ingestionTimes, offsets, text, ascii };
}

/**
 * Whether the parts, one after another, are already in (timestamp, id) order: a stream's head
 * batches nearly always are (each batch is chronological and ids grow), and sorting 10,000
 * events a comparison at a time and copying them one by one cost a seal ~4.5 ms of the writer.
 */
function inOrderOneAfterAnother(parts: readonly EventColumns[]): boolean {
  let lastTs = Number.NEGATIVE_INFINITY;
  let lastId = Number.NEGATIVE_INFINITY;
  for (const part of parts) {
    for (let i = 0; i < part.count; i++) {
      const ts = part.timestamps[i]!;
      const id = part.ids[i]!;
      if (ts < lastTs || (ts === lastTs && id < lastId)) return false;
      lastTs = ts;
      lastId = id;
    }
  }
  return true;
}

/** The parts' columns one after another, copied a part at a time. */
function concatColumns(parts: readonly EventColumns[]): EventColumns {
  const count = parts.reduce((n, p) => n + p.count, 0);
  const ids = new Float64Array(count);
  const timestamps = new Float64Array(count);
  const ingestionTimes = new Float64Array(count);
  const offsets = new Uint32Array(count + 1);
  let bytes = 0;
  for (const part of parts) bytes += part.offsets[part.count]! - part.offsets[0]!;
  const text = Buffer.allocUnsafe(bytes);
  let k = 0;
  let at = 0;
  let ascii = true;
  for (const part of parts) {
    const n = part.count;
    ids.set(part.ids.subarray(0, n), k);
    timestamps.set(part.timestamps.subarray(0, n), k);
    ingestionTimes.set(part.ingestionTimes.subarray(0, n), k);
    const base = part.offsets[0]!;
    for (let i = 1; i <= n; i++) offsets[k + i] = at + part.offsets[i]! - base;
    at += part.text.copy(text, at, base, part.offsets[n]!);
    k += n;
    ascii &&= part.ascii;
  }
  return { count, ids, timestamps, ingestionTimes, offsets, text, ascii };
}

/** Keeps the events whose index passes keep (used by retention to rewrite a straddling chunk). */
export function selectColumns(columns: EventColumns, keep: (i: number) => boolean): EventColumns {
  const picked: number[] = [];
  for (let i = 0; i < columns.count; i++) if (keep(i)) picked.push(i);
  const n = picked.length;
  const ids = new Float64Array(n);
  const timestamps = new Float64Array(n);
  const ingestionTimes = new Float64Array(n);
  const offsets = new Uint32Array(n + 1);
  let bytes = 0;
  for (const i of picked) bytes += columns.offsets[i + 1]! - columns.offsets[i]!;
  const text = Buffer.allocUnsafe(bytes);
  let at = 0;
  picked.forEach((i, k) => {
    ids[k] = columns.ids[i]!;
    timestamps[k] = columns.timestamps[i]!;
    ingestionTimes[k] = columns.ingestionTimes[i]!;
    at += columns.text.copy(text, at, columns.offsets[i]!, columns.offsets[i + 1]!);
    offsets[k + 1] = at;
  });
  return { count: n, ids, timestamps, ingestionTimes, offsets, text, ascii: columns.ascii };
}

/**
 * The layout a chunk is written in: 'plain' (version 1) is the fastest to write, 'terminated'
 * (version 3, idle compaction's) the smallest; 'folded' (version 2) is what compaction wrote
 * before version 3, still read (and written by tests of that).
 */
export type ChunkLayout = 'plain' | 'folded' | 'terminated';

/**
 * Match-finder tables for the slow levels (idle recompression): zstd sizes them for the level
 * (~16 MB at 10 for a 1.4 MB chunk), kept by the writer's compression context for good. These
 * take 3 MB and compressed the bench's mixed logs 0.2% worse, 20% faster.
 */
const COMPACT_TABLES = { hashLog: 18, chainLog: 19 } as const;

/**
 * Encodes sorted events as a compressed chunk. inBlocks: store a chunk with enough text in blocks
 * (below); by default versions 1 and 3 are, version 2 is not.
 */
export function encodeChunk(columns: EventColumns, level = DEFAULT_ZSTD_LEVEL, layout: ChunkLayout = 'plain', inBlocks = layout !== 'folded'): SealedChunk {
  const n = columns.count;
  const start = columns.offsets[0]!;
  const end = columns.offsets[n]!;
  // The varint image is compressed at once and dropped: write it into one reused buffer.
  const w = encodeScratch;
  w.reset(n * 9 + end - start + 16);
  const terminated = layout === 'terminated';
  w.uvarint(terminated ? TERMINATED_VERSION : layout === 'folded' ? FOLDED_VERSION : PLAIN_VERSION);
  w.uvarint((columns.ascii ? CHUNK_ASCII : 0) | CHUNK_DIRECTORY);
  w.uvarint(n);
  const directoryAt = w.at;
  w.bytes(DIRECTORY_SPACE);
  const columnEnds: number[] = [];
  let prev = 0;
  let minId = Number.POSITIVE_INFINITY;
  let maxId = 0;
  for (let i = 0; i < n; i++) {
    const id = columns.ids[i]!;
    w.svarint(id - prev);
    prev = id;
    if (id < minId) minId = id;
    if (id > maxId) maxId = id;
  }
  columnEnds.push(w.at);
  prev = 0;
  for (let i = 0; i < n; i++) {
    w.svarint(columns.timestamps[i]! - prev);
    prev = columns.timestamps[i]!;
  }
  columnEnds.push(w.at);
  prev = 0;
  for (let i = 0; i < n; i++) {
    w.svarint(columns.ingestionTimes[i]! - prev);
    prev = columns.ingestionTimes[i]!;
  }
  columnEnds.push(w.at);
  // The stored text follows the header columns: the messages in event order (version 1), or
  // folded and grouped (versions 2 and 3); storedOrder/storedLengths say which event comes where.
  let headerEnd: number;
  let storedOrder: Uint32Array | undefined;
  let storedLengths: Uint32Array;
  if (layout !== 'plain') {
    ({ headerEnd, order: storedOrder, lengths: storedLengths } = writeFolded(w, columns, terminated));
    columnEnds.push(headerEnd - n);
  } else {
    storedLengths = new Uint32Array(n);
    for (let i = 0; i < n; i++) w.uvarint((storedLengths[i] = columns.offsets[i + 1]! - columns.offsets[i]!));
    headerEnd = w.at;
    columnEnds.push(headerEnd);
    w.bytes(columns.text.subarray(start, end));
  }
  const params = level >= 6 ? { compressionLevel: level, ...COMPACT_TABLES } : { compressionLevel: level };
  const image = w.done();
  columnEnds.push(image.length - headerEnd);
  columnEnds.forEach((v, k) => image.writeUInt32LE(v, directoryAt + 4 * k));
  const cut = inBlocks ? cutBlocks(storedOrder, storedLengths, n, image.length - headerEnd, terminated) : undefined;
  let data: Buffer;
  let filter: Buffer;
  if (!cut) {
    data = zstdCompress(image, params);
    filter = buildNgramFilter(columns.text, columns.offsets, n, layout !== 'plain' ? COMPACT_FOLD_BELOW_FILL : undefined);
  } else {
    const { events, ends } = cut;
    const blocks = ends.length;
    const frames = [zstdCompress(image.subarray(0, headerEnd), params)];
    for (let k = 0; k < blocks; k++) frames.push(zstdCompress(image.subarray(headerEnd + (k === 0 ? 0 : ends[k - 1]!), headerEnd + ends[k]!), params));
    const table = new ByteWriter(64);
    table.uvarint(BLOCKED_TAG);
    table.uvarint(blocks);
    for (const f of frames) table.uvarint(f.length);
    for (let k = 0; k < blocks; k++) table.uvarint(ends[k]! - (k === 0 ? 0 : ends[k - 1]!));
    data = Buffer.concat([table.done(), ...frames]);
    const blockEvents = events.map((e) => Uint32Array.from(e));
    filter = terminated ? buildSizedBlockFilters(columns.text, columns.offsets, blockEvents) : buildBlockFilters(columns.text, columns.offsets, blockEvents, layout === 'folded' ? BLOCK_FOLD_BELOW_FILL : undefined);
  }
  return {
    data,
    count: n,
    minTimestamp: n > 0 ? columns.timestamps[0]! : 0,
    maxTimestamp: n > 0 ? columns.timestamps[n - 1]! : 0,
    minId: n > 0 ? minId : 0,
    maxId,
    rawBytes: end - start,
    filter,
  };
}

// ---- blocks -------------------------------------------------------------------------------------
// A chunk with enough text is stored in blocks: its header columns (everything but the stored
// message bytes) in one zstd frame and the stored bytes, cut between events, in up to
// SEALED_MAX_BLOCKS (sealed) or MAX_BLOCKS (compacted) more, each compressed on its own, so that a search that knows (from the block
// filters) which blocks may hold its term decompresses those only. A rare word over 10M events
// hits ~500 chunks once each: a block of each chunk instead of all of it.
//   [BLOCKED_TAG][uvarint blocks][uvarint frame lengths x (blocks + 1)][uvarint stored bytes x blocks][frames]
// The frames' contents one after another are the chunk's usual layout (version 1 or 2): whole, a
// blocked chunk decodes like any other. (A zstd frame starts with 0x28, so the tag tells them apart.)
//
// Sealed chunks (version 1, zstd 1: what ingest writes and searches of recent logs read until the
// writer is idle) are cut finer than idle compaction's (version 3, zstd 10): a block costs zstd 1
// little (the 10M bench's chunks: 24.4 -> 25.6 B/event in eight blocks rather than four, filters
// 2.56 -> 2.68), and compaction rewrites them anyway, while a rare-term hit on one decompresses and
// searches an eighth of it (~280 -> ~215 us a hit, the blob read aside).

const BLOCKED_TAG = 0x42;
/** Sealed chunks: blocks of at least this much stored text, at most SEALED_MAX_BLOCKS of them. */
const SEALED_BLOCK_MIN_BYTES = 64 * 1024;
const SEALED_MAX_BLOCKS = 8;
/** Compacted chunks (version 3): four blocks, a hit costs a quarter of the chunk's decompression and text search. */
const BLOCK_MIN_BYTES = 128 * 1024;
const MAX_BLOCKS = 4;

function blockCountFor(storedBytes: number, terminated: boolean): number {
  const [min, max] = terminated ? [BLOCK_MIN_BYTES, MAX_BLOCKS] : [SEALED_BLOCK_MIN_BYTES, SEALED_MAX_BLOCKS];
  return Math.max(1, Math.min(max, Math.floor(storedBytes / min)));
}

/**
 * Where a chunk's stored text is cut into blocks of about equal bytes, between events (version 3:
 * at marks, so that a hit finds its message from the last mark before it without the blocks
 * before; blocks that would be left empty at the end are not written), with each block's events;
 * undefined when it stays in one piece.
 */
function cutBlocks(storedOrder: Uint32Array | undefined, storedLengths: Uint32Array, n: number, total: number, terminated: boolean): { events: number[][]; ends: number[] } | undefined {
  let blocks = blockCountFor(total, terminated);
  if (blocks === 1) return undefined;
  const events = Array.from({ length: blocks }, () => [] as number[]);
  const ends = new Array<number>(blocks).fill(0);
  let b = 0;
  let at = 0;
  for (let k = 0; k < n; k++) {
    const i = storedOrder ? storedOrder[k]! : k;
    events[b]!.push(i);
    at += storedLengths[i]!;
    ends[b] = at;
    if (b < blocks - 1 && at >= (total * (b + 1)) / blocks && (!terminated || (k + 1) % MARK_EVERY === 0)) b++;
  }
  if (terminated) {
    while (blocks > 1 && events[blocks - 1]!.length === 0) blocks--;
    if (blocks === 1) return undefined;
    events.length = blocks;
    ends.length = blocks;
  }
  // A block the cut passed over without an event (a few large messages) is empty: it ends where the one before did.
  for (let k = 1; k < blocks; k++) if (ends[k]! < ends[k - 1]!) ends[k] = ends[k - 1]!;
  return { events, ends };
}

interface BlockTable {
  readonly blocks: number;
  /** where frame f starts in the chunk's data (frame 0: the header), and where the last ends */
  readonly frameAt: number[];
  /** where block b's bytes start in the stored text, and where the last ends */
  readonly storedAt: number[];
}

function readBlockTable(data: Uint8Array): BlockTable | undefined {
  if (data[0] !== BLOCKED_TAG) return undefined;
  const r = new ByteReader(data);
  r.uvarint();
  const blocks = r.uvarint();
  const lengths: number[] = [];
  for (let f = 0; f <= blocks; f++) lengths.push(r.uvarint());
  const storedAt = [0];
  for (let b = 0; b < blocks; b++) storedAt.push(storedAt[b]! + r.uvarint());
  const frameAt = [r.at];
  for (const length of lengths) frameAt.push(frameAt[frameAt.length - 1]! + length);
  if (frameAt[blocks + 1]! > data.length) throw new Error('chunk truncated');
  return { blocks, frameAt, storedAt };
}

/** A chunk decompressed, perhaps only in part. */
export interface InflatedChunk {
  readonly raw: Buffer;
  /**
   * When only some blocks were decompressed: [start, end) pairs of the stored text (chunkText's
   * coordinates) that hold the chunk's bytes; the rest of the stored text is garbage.
   */
  readonly ranges?: readonly number[];
  /** the stored message bytes (chunkText(raw)), when known without walking the header (blocked chunks) */
  readonly text?: Buffer;
}

/** Decompresses a blocked chunk's header and the blocks of `mask` (all by default) into memory from allocate. */
function inflateBlocks(data: Uint8Array, table: BlockTable, dctx: InstanceType<typeof zstdBinding.DCtx>, allocate: (size: number) => Buffer, mask = ALL_BLOCKS): InflatedChunk {
  const { blocks, frameAt, storedAt } = table;
  const frame = (f: number) => data.subarray(frameAt[f]!, frameAt[f + 1]!);
  const headerSize = zstdBinding.getFrameContentSize(frame(0));
  if (headerSize === null) throw new Error('chunk header frame without a content size');
  const into = allocate(headerSize + storedAt[blocks]!);
  if (dctx.decompress(into, frame(0)) !== headerSize) throw new Error('chunk header truncated');
  const all = (mask & ((1 << blocks) - 1)) === (1 << blocks) - 1;
  const ranges: number[] = [];
  for (let b = 0; b < blocks; b++) {
    if (!all && (mask & (1 << b)) === 0) continue;
    const size = storedAt[b + 1]! - storedAt[b]!;
    if (size > 0 && dctx.decompress(into.subarray(headerSize + storedAt[b]!), frame(b + 1)) !== size) throw new Error('chunk block truncated');
    if (ranges.length > 0 && ranges[ranges.length - 1] === storedAt[b]) ranges[ranges.length - 1] = storedAt[b + 1]!;
    else ranges.push(storedAt[b]!, storedAt[b + 1]!);
  }
  const raw = into.subarray(0, headerSize + storedAt[blocks]!);
  const text = raw.subarray(headerSize);
  return all ? { raw, text } : { raw, ranges, text };
}

/** A chunk's header and the blocks of mask (all of a chunk in one piece), in memory from allocate. */
function inflateChunk(data: Uint8Array, dctx: InstanceType<typeof zstdBinding.DCtx>, allocate: (size: number) => Buffer, mask = ALL_BLOCKS): InflatedChunk {
  const table = readBlockTable(data);
  if (table) return inflateBlocks(data, table, dctx, allocate, mask);
  const size = zstdBinding.getFrameContentSize(data);
  if (size === null) return { raw: zstdDecompress(data) };
  const into = allocate(size);
  return { raw: into.subarray(0, dctx.decompress(into, data)) };
}

let sharedDctx: InstanceType<typeof zstdBinding.DCtx> | undefined;

/** A chunk's decompressed bytes, whole, in memory from allocate. */
function inflateWhole(data: Uint8Array, allocate: (size: number) => Buffer = Buffer.allocUnsafeSlow): Buffer {
  sharedDctx ??= new zstdBinding.DCtx();
  return inflateChunk(data, sharedDctx, allocate).raw;
}

/** How many blocks a chunk is stored in (1 when in one piece). */
export function chunkBlocks(data: Uint8Array): number {
  return readBlockTable(data)?.blocks ?? 1;
}

/**
 * Version 2's message columns: folded lengths and first folded bytes (group keys), both in event
 * order, then the folded messages grouped by key (stable). Grouping alone saved ~1 byte per event
 * on the bench's mixed logs (19.1 vs 20.2 at zstd 9): like lines next to each other give zstd
 * nearer and longer matches. Finer keys (first 2-8 bytes, a digit-masked prefix) measured within
 * 0.1 byte of it, their key column costing what the better grouping saved.
 *
 * Version 3 (terminated) writes no lengths: each stored message ends with TERMINATOR, and the
 * marks column (uvarint deltas) says where stored messages MARK_EVERY, 2 * MARK_EVERY, ... start.
 * The lengths column had cost ~1.0 of 16.7 bytes per event on the 10M bench's database; without
 * it, and with the terminators to match on, its chunks took 15.4 (and 16.2 in four blocks, which a
 * hit can find its message in without the chunk's other blocks). Returned lengths are of the stored
 * bytes (with the terminator).
 */
function writeFolded(w: ByteWriter, columns: EventColumns, terminated: boolean): { headerEnd: number; order: Uint32Array; lengths: Uint32Array } {
  const n = columns.count;
  const lengths = new Uint32Array(n);
  const { text, offsets } = columns;
  const folds = findFolds(text, offsets, columns.timestamps, n);
  const escapes = !columns.ascii && needsEscapes(text, offsets[0]!, offsets[n]!);
  const keys = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const start = offsets[i]!;
    const end = offsets[i + 1]!;
    let len = end - start;
    for (let f = folds.first[i]!; f < folds.first[i + 1]!; f++) len -= renderedLength(folds.code[f]!) - 2;
    if (escapes) for (let k = start; k < end; k++) if (isEscaped(text[k]!)) len++;
    lengths[i] = len;
    if (!terminated) w.uvarint(len);
    const foldsAtStart = folds.first[i]! < folds.first[i + 1]! && folds.at[folds.first[i]!] === start;
    keys[i] = end === start ? 0 : foldsAtStart || isEscaped(text[start]!) ? MARKER : text[start]!;
  }
  const order = groupOrder(keys);
  if (terminated) {
    for (let i = 0; i < n; i++) lengths[i]!++;
    let at = 0;
    let marked = 0;
    for (let k = 0; k < n; k++) {
      if (k > 0 && k % MARK_EVERY === 0) {
        w.uvarint(at - marked);
        marked = at;
      }
      at += lengths[order[k]!]!;
    }
  }
  w.bytes(keys);
  const headerEnd = w.at;
  for (const i of order) {
    let p = offsets[i]!;
    for (let f = folds.first[i]!; f < folds.first[i + 1]!; f++) {
      const at = folds.at[f]!;
      w.copy(text, p, at, escapes, terminated);
      w.marker(folds.code[f]!);
      p = at + renderedLength(folds.code[f]!);
    }
    w.copy(text, p, offsets[i + 1]!, escapes, terminated);
    if (terminated) w.byte(TERMINATOR);
  }
  return { headerEnd, order, lengths };
}

/** Event indices stably sorted by key (a counting sort). */
function groupOrder(keys: Uint8Array): Uint32Array {
  const starts = new Uint32Array(257);
  for (const k of keys) starts[k + 1]!++;
  for (let k = 1; k <= 256; k++) starts[k]! += starts[k - 1]!;
  const order = new Uint32Array(keys.length);
  for (let i = 0; i < keys.length; i++) order[starts[keys[i]!]!++] = i;
  return order;
}

export function decodeChunk(data: Uint8Array): EventColumns {
  return decodeChunkColumns(inflateWhole(data));
}

/**
 * A chunk decoded for reading a few of its events (GetLogEvents' pages, a search's first page):
 * version 2 messages are restored one by one as messageAt reads them, not all 10,000 at once
 * (~2.5 ms a chunk); reading `text` or `offsets` restores them all.
 */
export function decodeChunkLazily(data: Uint8Array, allocate?: (size: number) => Buffer): EventColumns {
  const stored = readStoredColumns(inflateWhole(data, allocate));
  if (!stored.keys) return { count: stored.count, ids: stored.ids, timestamps: stored.timestamps, ingestionTimes: stored.ingestionTimes, offsets: stored.offsets, text: stored.stored, ascii: stored.ascii };
  return new FoldedColumns(stored);
}

/** The memory a chunk decoded by decodeChunkLazily holds its stored bytes in (for reuse once nothing reads it). */
export function chunkMemory(columns: EventColumns): ArrayBuffer {
  return (columns instanceof FoldedColumns ? columns.storedBytes : columns.text).buffer as ArrayBuffer;
}

/**
 * Decompresses chunks into one reused buffer: for loops that use each chunk's bytes only until the
 * next one (a search, recompression). Every chunk decompressed into a fresh buffer is external
 * memory V8 collects late, which in a worker thread with a small heap piled up by tens of MB.
 */
export class ChunkInflater {
  private readonly dctx = new zstdBinding.DCtx();
  private scratch: Buffer = Buffer.allocUnsafeSlow(0);

  private readonly grow = (size: number): Buffer => {
    if (this.scratch.length < size) this.scratch = Buffer.allocUnsafeSlow(Math.max(size, this.scratch.length * 2));
    return this.scratch;
  };

  /** The chunk's decompressed bytes, valid until the next call. */
  inflate(data: Uint8Array): Buffer {
    return this.inflatePart(data, ALL_BLOCKS).raw;
  }

  /** The chunk's header and the blocks of mask (blocksMayContain's), valid until the next call. */
  inflatePart(data: Uint8Array, mask: number): InflatedChunk {
    return inflateChunk(data, this.dctx, this.grow, mask);
  }

  /** The chunk's columns, valid until the next call. */
  decode(data: Uint8Array): EventColumns {
    return decodeChunkColumns(this.inflate(data));
  }
}

/** A chunk's header and the blocks of mask, in fresh memory (the step a search can do before deciding to decode columns). */
export function decompressChunk(data: Uint8Array, mask = ALL_BLOCKS): InflatedChunk {
  sharedDctx ??= new zstdBinding.DCtx();
  return inflateChunk(data, sharedDctx, Buffer.allocUnsafeSlow, mask);
}

/**
 * The stored message bytes of a decompressed chunk, without decoding its columns. For version 1
 * chunks that is the messages' text; for version 2 their folded, grouped text, which holds a term
 * only as far as chunkMayContain says.
 */
export function chunkText(raw: Buffer): Buffer {
  const layout = chunkLayout(raw);
  const r = new ByteReader(raw);
  r.at = columnStarts(raw, layout)[3]!;
  let bytes = layout.storedBytes;
  if (bytes === undefined) {
    bytes = 0;
    for (let i = 0; i < layout.n; i++) bytes += r.uvarint();
  } else {
    r.at = layout.lengthsEnd!;
  }
  if (isFolded(layout.version)) r.at += layout.n; // group keys
  if (r.at + bytes > raw.length) throw new Error('chunk truncated');
  return raw.subarray(r.at, r.at + bytes);
}

/** What a decompressed chunk's first bytes say: its version, event count and (when it has a directory) where its columns are. */
interface ChunkLayoutInfo {
  readonly version: number;
  readonly ascii: boolean;
  readonly n: number;
  /** where the ids, timestamps, ingestion times and lengths columns start: the ids' only, without a directory */
  readonly columnAt: readonly number[];
  readonly lengthsEnd?: number;
  readonly storedBytes?: number;
}

function chunkLayout(raw: Buffer): ChunkLayoutInfo {
  const r = new ByteReader(raw);
  const version = r.uvarint();
  if (version !== PLAIN_VERSION && !isFolded(version)) throw new Error(`unknown chunk version ${version}`);
  const flags = r.uvarint();
  const ascii = (flags & CHUNK_ASCII) !== 0;
  const n = r.uvarint();
  if ((flags & CHUNK_DIRECTORY) === 0) {
    if (version === TERMINATED_VERSION) throw new Error('chunk corrupt: version 3 without a directory');
    return { version, ascii, n, columnAt: [r.at] };
  }
  const at = r.at + CHUNK_DIRECTORY_BYTES;
  if (at > raw.length) throw new Error('chunk truncated');
  const end = (k: number) => raw.readUInt32LE(r.at + 4 * k);
  const columnAt = [at, end(0), end(1), end(2)];
  const lengthsEnd = end(3);
  if (lengthsEnd > raw.length || columnAt.some((c, k) => c > (columnAt[k + 1] ?? lengthsEnd))) throw new Error('chunk directory corrupt');
  return { version, ascii, n, columnAt, lengthsEnd, storedBytes: end(4) };
}

/** Where the four varint columns start: from the directory, or by walking the varints before the lengths. */
function columnStarts(raw: Buffer, layout: ChunkLayoutInfo): readonly number[] {
  if (layout.columnAt.length === 4) return layout.columnAt;
  const columnAt = [layout.columnAt[0]!];
  let at = columnAt[0]!;
  for (let c = 0; c < 3; c++) {
    for (let k = 0; k < layout.n; ) {
      if (at >= raw.length) throw new Error('chunk truncated');
      if (raw[at++]! < 0x80) k++;
    }
    columnAt.push(at);
  }
  return columnAt;
}

/**
 * False only when no message of the decompressed chunk can contain every term (a search skips
 * the chunk without decoding it). Looks for the longest term that folding cannot hide; when every
 * term could straddle a folded timestamp (a date, a time, digits at both ends), it cannot tell.
 */
export function chunkMayContain(raw: Buffer, terms: readonly Uint8Array[]): boolean {
  const probe = chunkProbe(raw, terms);
  return !probe || chunkText(raw).indexOf(probe) !== -1;
}

/**
 * What a search looks for in a decompressed chunk's stored bytes: the longest term, or longest
 * part of a term, that folding cannot hide (every message containing the term holds it in its
 * stored bytes too); undefined when there is none (no terms, or nothing of 4+ bytes is safe).
 */
export function chunkProbe(raw: Buffer, terms: readonly Uint8Array[]): Uint8Array | undefined {
  const folded = isFolded(raw[0]!);
  let probe: Uint8Array | undefined;
  for (const t of terms) {
    const candidate = folded ? foldSafeCore(t) : t;
    if (candidate && (!probe || candidate.length > probe.length)) probe = candidate;
  }
  return probe;
}

/** A chunk's columns as stored: message lengths (cumulative, in event order) are of the stored bytes. */
interface StoredColumns {
  readonly version: number;
  readonly ascii: boolean;
  readonly count: number;
  readonly ids: Float64Array;
  readonly timestamps: Float64Array;
  readonly ingestionTimes: Float64Array;
  readonly offsets: Uint32Array;
  /** versions 2 and 3: each event's group key */
  readonly keys: Uint8Array | undefined;
  /** the stored message bytes: as written (version 1), or folded and grouped (versions 2 and 3) */
  readonly stored: Buffer;
  /** version 3: where each event's stored bytes start (version 2's follow from lengths and keys) */
  readonly starts?: Uint32Array;
}

function readStoredColumns(raw: Buffer): StoredColumns {
  const layout = chunkLayout(raw);
  if (layout.version === TERMINATED_VERSION) return readTerminatedColumns(raw, layout);
  const { version, ascii, n, columnAt } = layout;
  const r = new ByteReader(raw);
  r.at = columnAt[0]!;
  const ids = new Float64Array(n);
  const timestamps = new Float64Array(n);
  const ingestionTimes = new Float64Array(n);
  const offsets = new Uint32Array(n + 1);
  r.at = readVarints(raw, r.at, n, ids, true);
  r.at = readVarints(raw, r.at, n, timestamps, true);
  r.at = readVarints(raw, r.at, n, ingestionTimes, true);
  r.at = readVarints(raw, r.at, n, offsets, false);
  const at = offsets[n]!;
  if (version === PLAIN_VERSION) return { version, ascii, count: n, ids, timestamps, ingestionTimes, offsets, keys: undefined, stored: raw.subarray(r.at, r.at + at) };
  if (r.at + n + at > raw.length) throw new Error('chunk truncated');
  return { version, ascii, count: n, ids, timestamps, ingestionTimes, offsets, keys: raw.subarray(r.at, r.at + n), stored: raw.subarray(r.at + n, r.at + n + at) };
}

/**
 * Version 3's columns: the messages' lengths and where they start come from walking the
 * terminators of the stored text (in stored order, ~0.3 ms for a chunk of 0.8 MB).
 */
function readTerminatedColumns(raw: Buffer, layout: ChunkLayoutInfo): StoredColumns {
  const { version, ascii, n, columnAt } = layout;
  const ids = new Float64Array(n);
  const timestamps = new Float64Array(n);
  const ingestionTimes = new Float64Array(n);
  let at = readVarints(raw, columnAt[0]!, n, ids, true);
  at = readVarints(raw, at, n, timestamps, true);
  readVarints(raw, at, n, ingestionTimes, true);
  const { keys, stored } = terminatedParts(raw, layout);
  const order = groupOrder(keys);
  const starts = new Uint32Array(n);
  const lengths = new Uint32Array(n);
  let p = 0;
  for (let k = 0; k < n; k++) {
    const t = stored.indexOf(TERMINATOR, p);
    if (t === -1) throw new Error('chunk corrupt: a message without its terminator');
    starts[order[k]!] = p;
    lengths[order[k]!] = t - p;
    p = t + 1;
  }
  if (p !== stored.length) throw new Error('chunk corrupt: stored bytes after the last message');
  const offsets = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + lengths[i]!;
  return { version, ascii, count: n, ids, timestamps, ingestionTimes, offsets, keys, stored, starts };
}

/** A version 3 chunk's group keys and stored text (its header always has a directory). */
function terminatedParts(raw: Buffer, layout: ChunkLayoutInfo): { keys: Uint8Array; stored: Buffer } {
  const keysAt = layout.lengthsEnd!;
  const storedAt = keysAt + layout.n;
  if (storedAt + layout.storedBytes! > raw.length) throw new Error('chunk truncated');
  return { keys: raw.subarray(keysAt, storedAt), stored: raw.subarray(storedAt, storedAt + layout.storedBytes!) };
}

export function decodeChunkColumns(raw: Buffer): EventColumns {
  const c = readStoredColumns(raw);
  const { count, ids, timestamps, ingestionTimes, offsets, ascii } = c;
  if (!c.keys) return { count, ids, timestamps, ingestionTimes, offsets, text: c.stored, ascii };
  const text = unfold(c.stored, offsets, c.keys, timestamps, c.starts);
  return { count, ids, timestamps, ingestionTimes, offsets, text, ascii };
}

/**
 * The events of a decompressed chunk whose stored bytes hold `probe`, decoded (ascending): every
 * event whose message contains probe is among them when probe cannot straddle a folded timestamp
 * (chunkMayContain's probe), and a caller checks its terms on the result as usual. A rare-term
 * search restores a handful of messages instead of the chunk's 10,000 (restoring all of a version 2
 * chunk costs ~2.5 ms, three times its decompression). Version 1 chunks: decodePlainMatching.
 */
export function decodeChunkMatching(raw: Buffer, probe: Uint8Array, firstAt?: number, ranges?: readonly number[]): EventColumns {
  const layout = chunkLayout(raw);
  // Only the lengths are decoded for every event; ids and times only as far as the last hit.
  const columnAt = columnStarts(raw, layout);
  if (layout.version === TERMINATED_VERSION) return decodeTerminatedMatching(raw, layout, columnAt, probe, firstAt, ranges);
  if (layout.version !== FOLDED_VERSION) return decodePlainMatching(raw, layout, columnAt, probe, firstAt, ranges);
  const { n, ascii } = layout;
  const lengths = lengthsScratch(n);
  const at = readLengths(raw, columnAt[3]!, n, lengths);
  if (at + n > raw.length) throw new Error('chunk truncated');
  const keys = raw.subarray(at, at + n);
  // Stored bytes are laid out group by group (groupOrder: by key, then event order). Where each
  // group starts is all a hit needs; the event under it is found by walking that group's events,
  // and hits come in stored order, so each group is walked once. (Building the whole order cost a
  // rare-term search ~0.1 ms per chunk.)
  const groupStart = groupStarts(keys, lengths, n);
  const storedBytes = groupStart[257]!;
  if (at + n + storedBytes > raw.length) throw new Error('chunk truncated');
  const stored = raw.subarray(at + n, at + n + storedBytes);
  const { hitEvents, hitFrom } = foldedHits(stored, probe, firstAt ?? findIn(stored, probe, 0, ranges), ranges, keys, lengths, groupStart);
  // Hits in different groups come out of event order.
  const order = hitEvents.map((_, k) => k).sort((a, b) => hitEvents[a]! - hitEvents[b]!);
  const picked = Uint32Array.from(order, (k) => hitEvents[k]!);
  const from = Uint32Array.from(order, (k) => hitFrom[k]!);
  const sizes = Uint32Array.from(picked, (e) => lengths[e]!);
  return restoreEvents(stored, ascii, picked, from, sizes, valuesAt(raw, columnAt[0]!, picked), valuesAt(raw, columnAt[1]!, picked), valuesAt(raw, columnAt[2]!, picked));
}

/**
 * decodeChunkMatching for version 3. A hit's message is found from the last mark before it by
 * walking at most MARK_EVERY terminators (blocks start at marks, so within its own block), and
 * its event from its place in the stored order and the group keys: no column is read whole but
 * the keys (one byte per event), and ids and times as far as the last hit.
 */
function decodeTerminatedMatching(raw: Buffer, layout: ChunkLayoutInfo, columnAt: readonly number[], probe: Uint8Array, firstAt: number | undefined, ranges: readonly number[] | undefined): EventColumns {
  const { keys, stored } = terminatedParts(raw, layout);
  const marks = readMarks(raw, columnAt[3]!, layout.lengthsEnd!, keys.length);
  const ordinals: number[] = [];
  const hitFrom: number[] = [];
  const hitSize: number[] = [];
  // The stored message last walked to, and where it starts.
  let k = -1;
  let start = 0;
  for (let pos = firstAt ?? findIn(stored, probe, 0, ranges); pos !== -1; ) {
    const m = markAtOrBefore(marks, pos);
    if (k < m * MARK_EVERY || pos < start) {
      k = m * MARK_EVERY;
      start = marks[m]!;
    }
    let end = stored.indexOf(TERMINATOR, start);
    while (end !== -1 && end < pos) {
      k++;
      start = end + 1;
      end = stored.indexOf(TERMINATOR, start);
    }
    if (end === -1 || k >= keys.length) throw new Error('chunk corrupt: a message without its terminator');
    if (pos + probe.length <= end) {
      ordinals.push(k);
      hitFrom.push(start);
      hitSize.push(end - start);
    }
    pos = findIn(stored, probe, end + 1, ranges);
  }
  const events = eventsAtOrdinals(keys, ordinals);
  // Hits in different groups come out of event order.
  const order = ordinals.map((_, j) => j).sort((a, b) => events[a]! - events[b]!);
  const picked = Uint32Array.from(order, (j) => events[j]!);
  const from = Uint32Array.from(order, (j) => hitFrom[j]!);
  const sizes = Uint32Array.from(order, (j) => hitSize[j]!);
  return restoreEvents(stored, layout.ascii, picked, from, sizes, valuesAt(raw, columnAt[0]!, picked), valuesAt(raw, columnAt[1]!, picked), valuesAt(raw, columnAt[2]!, picked));
}

/** Version 3's marks: where stored messages 0, MARK_EVERY, 2 * MARK_EVERY, ... of n start (summed like offsets). */
function readMarks(raw: Uint8Array, at: number, end: number, n: number): Uint32Array {
  const marks = new Uint32Array(n > 0 ? Math.floor((n - 1) / MARK_EVERY) + 1 : 1);
  if (readVarints(raw, at, marks.length - 1, marks, false) !== end) throw new Error('chunk corrupt: marks');
  return marks;
}

/** The last mark at or before stored byte pos. */
function markAtOrBefore(marks: Uint32Array, pos: number): number {
  let lo = 0;
  let hi = marks.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (marks[mid]! <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The events of stored messages `ordinals` (ascending): the groups are laid out in key order, so
 * an ordinal is its group's how-manieth event, found by walking the keys (hits in one group
 * walk them once).
 */
function eventsAtOrdinals(keys: Uint8Array, ordinals: readonly number[]): Uint32Array {
  const n = keys.length;
  const first = new Uint32Array(258);
  for (let i = 0; i < n; i++) first[keys[i]! + 2]!++;
  for (let g = 2; g < 258; g++) first[g]! += first[g - 1]!;
  const out = new Uint32Array(ordinals.length);
  let group = -1;
  let i = 0;
  let next = 0;
  for (let j = 0; j < ordinals.length; j++) {
    const ordinal = ordinals[j]!;
    if (group === -1 || ordinal >= first[group + 2]!) {
      group = Math.max(group + 1, 0);
      while (first[group + 2]! <= ordinal) group++;
      i = 0;
      next = first[group + 1]!;
    }
    // A plain loop: an indexOf call per event of a large group cost more than walking its keys.
    for (; i < n; i++) {
      if (keys[i] !== group) continue;
      if (next === ordinal) break;
      next++;
    }
    if (i >= n) throw new Error('chunk corrupt: group keys do not add up');
    out[j] = i;
    next++;
    i++;
  }
  return out;
}

/** Where each group key's stored bytes start (groupStart[key + 1]; groupStart[257]: their total). */
function groupStarts(keys: Uint8Array, lengths: Uint32Array, n: number): Uint32Array {
  const groupStart = new Uint32Array(258);
  for (let i = 0; i < n; i++) groupStart[keys[i]! + 2]! += lengths[i]!;
  for (let g = 2; g < 258; g++) groupStart[g]! += groupStart[g - 1]!;
  return groupStart;
}

/**
 * The events (and where their stored bytes start) whose stored bytes hold probe, from its first
 * occurrence at first. A function of its own, as are groupStarts and the column readers: as one
 * function, V8 compiled its first loop on-stack before the later ones had run and deoptimized it
 * on reaching them, at every chunk (a hit's restore, median of five runs: ~205 -> ~180 us).
 */
function foldedHits(stored: Buffer, probe: Uint8Array, first: number, ranges: readonly number[] | undefined, keys: Uint8Array, lengths: Uint32Array, groupStart: Uint32Array): { hitEvents: number[]; hitFrom: number[] } {
  const n = keys.length;
  // After a hit the search moves on to the next event, so each event is hit at most once.
  const hitEvents: number[] = [];
  const hitFrom: number[] = [];
  let group = -1;
  let i = 0;
  let eventAt = 0;
  for (let pos = first; pos !== -1; ) {
    if (group === -1 || pos >= groupStart[group + 2]!) {
      group = Math.max(group + 1, 0);
      while (groupStart[group + 2]! <= pos) group++;
      i = 0;
      eventAt = groupStart[group + 1]!;
    }
    // The group's event whose stored bytes hold pos.
    let end: number;
    for (;;) {
      while (i < n && keys[i] !== group) i++;
      if (i >= n) throw new Error('chunk corrupt: group lengths do not add up');
      end = eventAt + lengths[i]!;
      if (end > pos) break;
      eventAt = end;
      i++;
    }
    if (pos + probe.length <= end) {
      hitEvents.push(i);
      hitFrom.push(eventAt);
      pos = findIn(stored, probe, end, ranges);
    } else {
      pos = findIn(stored, probe, pos + 1, ranges);
    }
  }
  return { hitEvents, hitFrom };
}

let lengthsBuffer = new Uint32Array(0);
/** A reused array for a chunk's n message lengths (valid until the next call). */
function lengthsScratch(n: number): Uint32Array {
  if (lengthsBuffer.length < n) lengthsBuffer = new Uint32Array(Math.max(n, 2 * lengthsBuffer.length));
  return lengthsBuffer;
}

/**
 * n unsigned varints (message lengths, under 2^32) from raw[at] into out[0..n), each as it is
 * (not summed); the position after them. The one column a hit reads whole.
 */
function readLengths(raw: Uint8Array, at: number, n: number, out: Uint32Array): number {
  const end = raw.length;
  for (let i = 0; i < n; i++) {
    if (at >= end) throw new Error('chunk truncated');
    let b = raw[at++]!;
    let z = b & 0x7f;
    for (let shift = 7; b >= 0x80; shift += 7) {
      if (at >= end || shift > 28) throw new Error('chunk corrupt: message length');
      b = raw[at++]!;
      z |= (b & 0x7f) << shift;
    }
    out[i] = z >>> 0;
  }
  return at;
}

/**
 * The values of a zigzag-delta varint column (ids, timestamps, ingestion times) at events picked
 * (ascending): the column is read only as far as the last of them.
 */
function valuesAt(raw: Uint8Array, at: number, picked: Uint32Array): Float64Array {
  const m = picked.length;
  const out = new Float64Array(m);
  if (m === 0) return out;
  const last = picked[m - 1]!;
  const end = raw.length;
  let sum = 0;
  let j = 0;
  let next = picked[0]!;
  // readVarints' loop, keeping only the picked sums: decoding into a scratch column and picking
  // from it cost a hit ~10 us more; sharing the loop (a picked mode, or a function for a varint's
  // later bytes) slowed readVarints' whole-column reads, which version 1 hits make, by as much.
  for (let i = 0; i <= last; i++) {
    if (at >= end) throw new Error('chunk truncated');
    let b = raw[at++]!;
    let z = b & 0x7f;
    if (b >= 0x80) {
      let shift = 7;
      do {
        if (at >= end) throw new Error('chunk truncated');
        b = raw[at++]!;
        z = shift < 28 ? z | ((b & 0x7f) << shift) : z + (b & 0x7f) * 2 ** shift;
        shift += 7;
      } while (b >= 0x80);
    }
    sum += z < 0x80000000 ? (z >>> 1) ^ -(z & 1) : z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    if (i === next) {
      out[j++] = sum;
      next = picked[j]!;
    }
  }
  return out;
}

/**
 * decodeChunkMatching for version 1: the events whose message holds probe, found in one pass from
 * the first hit, within ranges when only some blocks were decompressed. (Decoding the chunk whole
 * left the search to look for its term again from the chunk's first byte, ~0.1 ms more per chunk a
 * rare term is in, and, in part, to search the garbage between the blocks.)
 */
function decodePlainMatching(raw: Buffer, layout: ChunkLayoutInfo, columnAt: readonly number[], probe: Uint8Array, firstAt: number | undefined, ranges: readonly number[] | undefined): EventColumns {
  const { n: count, ascii } = layout;
  const offsets = new Uint32Array(count + 1);
  const at = readVarints(raw, columnAt[3]!, count, offsets, false);
  if (at + offsets[count]! > raw.length) throw new Error('chunk truncated');
  const stored = raw.subarray(at, at + offsets[count]!);
  const picked = plainHits(stored, probe, firstAt ?? findIn(stored, probe, 0, ranges), ranges, offsets, count);
  const m = picked.length;
  let bytes = 0;
  for (let j = 0; j < m; j++) bytes += offsets[picked[j]! + 1]! - offsets[picked[j]!]!;
  const text = Buffer.allocUnsafe(bytes);
  const out = new Uint32Array(m + 1);
  let to = 0;
  for (let j = 0; j < m; j++) {
    to += stored.copy(text, to, offsets[picked[j]!]!, offsets[picked[j]! + 1]!);
    out[j + 1] = to;
  }
  return { count: m, ids: valuesAt(raw, columnAt[0]!, picked), timestamps: valuesAt(raw, columnAt[1]!, picked), ingestionTimes: valuesAt(raw, columnAt[2]!, picked), offsets: out, text, ascii };
}

/** The events (ascending) whose message holds probe, from its first occurrence at first (a function of its own: see foldedHits). */
function plainHits(stored: Buffer, probe: Uint8Array, first: number, ranges: readonly number[] | undefined, offsets: Uint32Array, count: number): Uint32Array {
  const picked: number[] = [];
  let idx = 0;
  for (let pos = first; pos !== -1; ) {
    idx = segmentAt(offsets, count, idx, pos);
    const end = offsets[idx + 1]!;
    if (pos + probe.length <= end) {
      picked.push(idx);
      pos = findIn(stored, probe, end, ranges);
    } else {
      pos = findIn(stored, probe, pos + 1, ranges);
    }
  }
  return Uint32Array.from(picked);
}

/**
 * The first occurrence of probe in stored at or after from, looking only within ranges
 * ([start, end) pairs, ascending; all of stored without them). Blocks end between events, so a
 * message's match never spans two ranges.
 */
export function findIn(stored: Buffer, probe: Uint8Array, from: number, ranges?: readonly number[]): number {
  if (!ranges) return stored.indexOf(probe, from);
  for (let r = 0; r < ranges.length; r += 2) {
    const end = ranges[r + 1]!;
    if (from >= end) continue;
    const start = Math.max(from, ranges[r]!);
    const at = stored.subarray(start, end).indexOf(probe);
    if (at !== -1) return start + at;
  }
  return -1;
}

/**
 * The segment k >= from with bounds[k] <= pos < bounds[k + 1] (bounds ascending, count segments):
 * where a match found at byte pos lies. Matches come in order, so it walks forward from the last
 * one, by binary search for long jumps.
 */
export function segmentAt(bounds: Uint32Array, count: number, from: number, pos: number): number {
  if (bounds[from + 1]! > pos) return from;
  let lo = from + 1;
  let hi = count - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bounds[mid + 1]! <= pos) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Restores event i's message into a scratch buffer: bytes in scratch[0, returned length). */
let restoreScratch = Buffer.allocUnsafeSlow(64 * 1024);

class FoldedColumns implements EventColumns {
  readonly count: number;
  readonly ids: Float64Array;
  readonly timestamps: Float64Array;
  readonly ingestionTimes: Float64Array;
  readonly ascii: boolean;
  /** where each event's stored bytes start (the stored layout is grouped) */
  private starts: Uint32Array | undefined;
  private restored: { text: Buffer; offsets: Uint32Array } | undefined;

  constructor(private readonly stored: StoredColumns) {
    this.count = stored.count;
    this.ids = stored.ids;
    this.timestamps = stored.timestamps;
    this.ingestionTimes = stored.ingestionTimes;
    this.ascii = stored.ascii;
  }

  get text(): Buffer {
    return this.all().text;
  }

  get offsets(): Uint32Array {
    return this.all().offsets;
  }

  get storedBytes(): Buffer {
    return this.stored.stored;
  }

  get heldBytes(): number {
    return this.stored.stored.buffer.byteLength + this.count * 32 + (this.restored ? this.restored.text.length : 0);
  }

  private all(): { text: Buffer; offsets: Uint32Array } {
    if (!this.restored) {
      const offsets = Uint32Array.from(this.stored.offsets);
      this.restored = { text: unfold(this.stored.stored, offsets, this.stored.keys!, this.timestamps, this.stored.starts), offsets };
    }
    return this.restored;
  }

  message(i: number): string {
    if (this.restored) return this.restored.text.toString(this.ascii ? 'latin1' : 'utf8', this.restored.offsets[i]!, this.restored.offsets[i + 1]!);
    const { stored, offsets, keys } = this.stored;
    this.starts ??= this.stored.starts;
    if (!this.starts) {
      const order = groupOrder(keys!);
      const starts = new Uint32Array(this.count);
      let at = 0;
      for (let k = 0; k < order.length; k++) {
        const e = order[k]!;
        starts[e] = at;
        at += offsets[e + 1]! - offsets[e]!;
      }
      this.starts = starts;
    }
    const from = this.starts[i]!;
    const end = from + offsets[i + 1]! - offsets[i]!;
    let len = end - from;
    for (let p = from; p < end; p++) if (stored[p] === MARKER) len += renderedLength(stored[++p]!) - 2;
    if (restoreScratch.length < len) restoreScratch = Buffer.allocUnsafeSlow(Math.max(len, 2 * restoreScratch.length));
    const out = restoreScratch;
    let at = 0;
    for (let p = from; p < end; p++) {
      const b = stored[p]!;
      if (b === MARKER) at += writeRendered(stored[++p]!, this.timestamps[i]!, out, at);
      else out[at++] = b;
    }
    return out.toString(this.ascii ? 'latin1' : 'utf8', 0, at);
  }
}

/**
 * Version 2 events `picked` (ascending), whose `sizes` stored bytes start at `from`, restored into
 * new columns with their ids and times.
 */
function restoreEvents(stored: Buffer, ascii: boolean, picked: Uint32Array, from: Uint32Array, sizes: Uint32Array, ids: Float64Array, timestamps: Float64Array, ingestionTimes: Float64Array): EventColumns {
  const m = picked.length;
  let total = 0;
  const lengths = new Uint32Array(m);
  for (let j = 0; j < m; j++) {
    const end = from[j]! + sizes[j]!;
    let len = sizes[j]!;
    for (let p = from[j]!; p < end; p++) if (stored[p] === MARKER) len += renderedLength(stored[++p]!) - 2;
    lengths[j] = len;
    total += len;
  }
  const text = Buffer.allocUnsafe(total);
  const out = new Uint32Array(m + 1);
  let at = 0;
  for (let j = 0; j < m; j++) {
    const end = from[j]! + sizes[j]!;
    for (let p = from[j]!; p < end; p++) {
      const b = stored[p]!;
      if (b === MARKER) at += writeRendered(stored[++p]!, timestamps[j]!, text, at);
      else text[at++] = b;
    }
    out[j + 1] = at;
  }
  return { count: m, ids, timestamps, ingestionTimes, offsets: out, text, ascii };
}

/**
 * Restores versions 2 and 3's messages in event order. offsets (folded lengths, event order,
 * rewritten here to the restored text's offsets) cut the folded text once the groups are laid
 * out; version 3 says where each event's folded bytes start (`storedStarts`: between them are
 * terminators).
 */
function unfold(folded: Buffer, offsets: Uint32Array, keys: Uint8Array, timestamps: Float64Array, storedStarts?: Uint32Array): Buffer {
  const n = keys.length;
  const order = groupOrder(keys);
  // Where each event's folded bytes start: the groups are laid out in key order.
  let source = storedStarts;
  if (!source) {
    source = new Uint32Array(n);
    let at = 0;
    for (const i of order) {
      source[i] = at;
      at += offsets[i + 1]! - offsets[i]!;
    }
  }
  const foldedLength = (i: number) => offsets[i + 1]! - offsets[i]!;
  // Marker positions in folded order, found once: most messages hold one, some none, and a search
  // per message would run on into the next messages.
  const markers: number[] = [];
  for (let m = folded.indexOf(MARKER); m !== -1; m = folded.indexOf(MARKER, m + 2)) markers.push(m);
  const lengths = new Uint32Array(n);
  let k = 0;
  for (const i of order) {
    const end = source[i]! + foldedLength(i);
    let len = foldedLength(i);
    for (; k < markers.length && markers[k]! < end; k++) len += renderedLength(folded[markers[k]! + 1]!) - 2;
    lengths[i] = len;
  }
  k = 0;
  let total = 0;
  for (let i = 0; i < n; i++) total += lengths[i]!;
  const text = Buffer.allocUnsafe(total);
  const starts = new Uint32Array(n);
  let dest = 0;
  for (let i = 0; i < n; i++) {
    starts[i] = dest;
    dest += lengths[i]!;
  }
  for (const i of order) {
    let p = source[i]!;
    const end = p + foldedLength(i);
    let out = starts[i]!;
    for (; k < markers.length && markers[k]! < end; k++) {
      const m = markers[k]!;
      out = copyBytes(folded, p, m, text, out);
      out += writeRendered(folded[m + 1]!, timestamps[i]!, text, out);
      p = m + 2;
    }
    copyBytes(folded, p, end, text, out);
  }
  for (let i = 0; i < n; i++) offsets[i + 1] = starts[i]! + lengths[i]!;
  return text;
}

/** Buffer.copy, with short runs copied in JavaScript: most runs between markers are a few bytes. */
function copyBytes(src: Buffer, start: number, end: number, out: Buffer, at: number): number {
  if (end - start > 48) return at + src.copy(out, at, start, end);
  for (let i = start; i < end; i++) out[at++] = src[i]!;
  return at;
}
