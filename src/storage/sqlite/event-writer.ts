/**
 * The only writer of event data: commits head batches (group commit: every append queued while the
 * previous commit was syncing goes into the next transaction), seals heads into compressed chunks,
 * recompresses chunks harder when idle, enforces retention and reclaims deleted streams' data.
 * It runs in a worker thread (writer-thread.ts) so that fsync and compression never stall the
 * server's event loop, or inline for in-memory databases.
 */
import Database from 'better-sqlite3';
import { ChunkInflater, decodeChunk, decodeHeadBatch, encodeChunk, encodeHeadColumns, selectColumns, type SealedChunk } from './codec.js';
import { sealHeadRows } from './seal.js';

export interface WriterOptions {
  readonly path: string;
  readonly synchronous: 'FULL' | 'NORMAL';
  /** seal a stream's head once it holds this many events */
  readonly sealEvents: number;
  /** ... or this many message bytes */
  readonly sealBytes: number;
  /** ... or once its oldest batch is this old */
  readonly sealAgeMs: number;
  /** zstd level when sealing (fast) and when recompressing idle chunks (small) */
  readonly sealLevel: number;
  readonly compactLevel: number;
  /**
   * Shared memory written by the store: [0] scan-thread requests in flight (the scan thread
   * client), [1] stream reads (GetLogEvents) and search requests so far. Recompression waits while
   * a request runs and until reads and searches have paused for IDLE_MS, so that searches and
   * reads after a burst of ingest have the cores. (Waiting only while requests were in flight let
   * a ~30 ms recompression, at a higher priority than the scan threads, start in every gap of a
   * search's requests and between the pages of a search.)
   */
  readonly searchActivity?: Int32Array;
}

export interface SealJob {
  readonly streamId: number;
  readonly maxRowId: number;
  readonly sealEvents: number;
  readonly level: number;
}

/** The chunks of a stream's head batches up to maxRowId, and how many batches they were made of. */
export interface SealResult {
  readonly rows: number;
  readonly chunks: SealedChunk[];
}

/** Seals head batches elsewhere (a scan thread, through the main thread: writer-thread.ts). */
export interface Sealer {
  seal(job: SealJob): Promise<SealResult>;
}

export interface AppendItem {
  readonly groupId: number;
  readonly streamId: number;
  readonly firstId: number;
  readonly count: number;
  readonly minTs: number;
  readonly maxTs: number;
  readonly ingestionTime: number;
  readonly rawBytes: number;
  readonly data: Uint8Array;
}

export type WriterRequest =
  | { readonly type: 'append'; readonly item: AppendItem }
  | { readonly type: 'retention'; readonly now: number }
  | { readonly type: 'reclaim' }
  | { readonly type: 'seal-all' }
  | { readonly type: 'compact-all' };

interface HeadState {
  groupId: number;
  events: number;
  bytes: number;
  since: number;
}

const DAY_MS = 86_400_000;
/** appends within this long keep the writer from recompressing */
const IDLE_MS = 300;

export class EventWriter {
  readonly db: Database.Database;
  private readonly heads = new Map<number, HeadState>();
  private queue: Array<{ item: AppendItem; done: (err?: Error) => void }> = [];
  private flushScheduled = false;
  private lastAppendAt = 0;
  /** the store's read count when last looked at, and when it last changed (see searchActivity) */
  private readsSeen = 0;
  private readSeenAt = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private compacting = false;
  private closed = false;
  private readonly stmts;

  private readonly ownsDb: boolean;
  /** recompression decodes into one reused buffer (the columns are re-encoded at once) */
  private readonly inflater = new ChunkInflater();

  /** streams whose head a scan thread is sealing now (sealSoon) */
  private readonly sealing = new Set<number>();

  /**
   * db: share an open connection (in-memory databases) instead of opening options.path; sealer:
   * where heads are sealed in the background (the writer thread has one), else inline.
   */
  constructor(
    private readonly options: WriterOptions,
    shared?: Database.Database,
    private readonly sealer?: Sealer,
  ) {
    this.ownsDb = !shared;
    this.db = shared ?? new Database(options.path);
    if (!shared) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${options.synchronous}`);
      this.db.pragma('busy_timeout = 10000');
      this.db.pragma('cache_size = -4096');
      this.db.pragma('journal_size_limit = 67108864');
    }
    const db = this.db;
    this.stmts = {
      insertHead: db.prepare(
        `INSERT INTO head_batches (group_id, stream_id, first_event_id, event_count, min_ts, max_ts, ingestion_time, raw_bytes, data)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      streamStats: db.prepare(
        `UPDATE log_streams SET
           first_event_timestamp = MIN(COALESCE(first_event_timestamp, @first), @first),
           last_event_timestamp = MAX(COALESCE(last_event_timestamp, @last), @last),
           last_ingestion_time = @ingestionTime,
           stored_bytes = stored_bytes + @bytes
         WHERE id = @id`,
      ),
      streamBytes: db.prepare('UPDATE log_streams SET stored_bytes = MAX(0, stored_bytes - ?) WHERE id = ?'),
      groupBytes: db.prepare('UPDATE log_groups SET stored_bytes = MAX(0, stored_bytes + ?) WHERE id = ?'),
      nextId: db.prepare(
        `INSERT INTO store_meta (key, value) VALUES ('next_event_id', ?)
         ON CONFLICT (key) DO UPDATE SET value = MAX(value, excluded.value)`,
      ),
      headRows: db.prepare<[number], { id: number; group_id: number; first_event_id: number; ingestion_time: number; data: Buffer }>(
        'SELECT id, group_id, first_event_id, ingestion_time, data FROM head_batches WHERE stream_id = ? ORDER BY id',
      ),
      deleteHeads: db.prepare('DELETE FROM head_batches WHERE stream_id = ? AND id <= ?'),
      headSummary: db.prepare<[number, number], { n: number; maxId: number; events: number; bytes: number; firstIds: number }>(
        `SELECT COUNT(*) AS n, MAX(id) AS maxId, SUM(event_count) AS events, SUM(raw_bytes) AS bytes, SUM(first_event_id) AS firstIds
         FROM head_batches WHERE stream_id = ? AND id <= ?`,
      ),
      insertChunk: db.prepare(
        `INSERT INTO chunks (group_id, stream_id, min_ts, max_ts, min_id, max_id, event_count, raw_bytes, level, data)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertFilter: db.prepare('INSERT OR REPLACE INTO chunk_filters (chunk_id, filter) VALUES (?, ?)'),
      streamExists: db.prepare<[number], { id: number }>('SELECT id FROM log_streams WHERE id = ?'),
    };
    this.loadHeads();
    this.timers.push(setInterval(() => this.sealAged(), Math.max(250, Math.min(10_000, options.sealAgeMs / 4))));
    this.timers.push(setInterval(() => this.maybeCompact(), 1_000));
    for (const t of this.timers) t.unref();
  }

  private loadHeads(): void {
    const rows = this.db
      .prepare<[], { stream_id: number; group_id: number; events: number; bytes: number }>(
        'SELECT stream_id, group_id, SUM(event_count) AS events, SUM(raw_bytes) AS bytes FROM head_batches GROUP BY stream_id',
      )
      .all();
    for (const r of rows) this.heads.set(r.stream_id, { groupId: r.group_id, events: r.events, bytes: r.bytes, since: Date.now() });
  }

  /** Queues an append; done is called once it is committed (or failed). */
  append(item: AppendItem, done: (err?: Error) => void): void {
    this.queue.push({ item, done });
    this.lastAppendAt = Date.now();
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    // A batch as large as half a chunk becomes a chunk at once: compressing it costs about what
    // writing it uncompressed to the WAL, checkpointing it and sealing it later would, and the
    // commit then syncs a seventh of the bytes.
    const direct = batch.map(({ item }) => {
      if (item.count < this.options.sealEvents / 2 && item.rawBytes < this.options.sealBytes / 8) return undefined;
      const columns = decodeHeadBatch(Buffer.from(item.data.buffer, item.data.byteOffset, item.data.byteLength), item.firstId, item.ingestionTime);
      return encodeChunk(columns, this.options.sealLevel);
    });
    try {
      this.db.transaction(() => {
        let maxId = 0;
        const perStream = new Map<number, { groupId: number; first: number; last: number; ingestionTime: number; bytes: number }>();
        for (let k = 0; k < batch.length; k++) {
          const { item } = batch[k]!;
          const sealed = direct[k];
          if (sealed) this.insertChunk(item.groupId, item.streamId, sealed, this.options.sealLevel);
          else this.stmts.insertHead.run(
            item.groupId,
            item.streamId,
            item.firstId,
            item.count,
            item.minTs,
            item.maxTs,
            item.ingestionTime,
            item.rawBytes,
            item.data,
          );
          maxId = Math.max(maxId, item.firstId + item.count);
          const s = perStream.get(item.streamId);
          if (s) {
            s.first = Math.min(s.first, item.minTs);
            s.last = Math.max(s.last, item.maxTs);
            s.ingestionTime = Math.max(s.ingestionTime, item.ingestionTime);
            s.bytes += item.rawBytes;
          } else {
            perStream.set(item.streamId, { groupId: item.groupId, first: item.minTs, last: item.maxTs, ingestionTime: item.ingestionTime, bytes: item.rawBytes });
          }
        }
        const groupBytes = new Map<number, number>();
        for (const [id, s] of perStream) {
          this.stmts.streamStats.run({ id, first: s.first, last: s.last, ingestionTime: s.ingestionTime, bytes: s.bytes });
          groupBytes.set(s.groupId, (groupBytes.get(s.groupId) ?? 0) + s.bytes);
        }
        for (const [id, bytes] of groupBytes) this.stmts.groupBytes.run(bytes, id);
        this.stmts.nextId.run(maxId);
      })();
    } catch (err) {
      for (const { done } of batch) done(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    const now = Date.now();
    for (let k = 0; k < batch.length; k++) {
      const { item } = batch[k]!;
      if (direct[k]) continue;
      const head = this.heads.get(item.streamId);
      if (head) {
        head.events += item.count;
        head.bytes += item.rawBytes;
      } else {
        this.heads.set(item.streamId, { groupId: item.groupId, events: item.count, bytes: item.rawBytes, since: now });
      }
    }
    for (const { done } of batch) done();
    // Seal after acknowledging: the appends above do not wait for compression.
    for (const [streamId, head] of this.heads) {
      if (head.events >= this.options.sealEvents || head.bytes >= this.options.sealBytes) this.sealSoon(streamId);
    }
  }

  private sealAged(): void {
    if (this.closed) return;
    const cutoff = Date.now() - this.options.sealAgeMs;
    for (const [streamId, head] of this.heads) if (head.since <= cutoff) this.seal(streamId);
  }

  /** Seals a stream's whole head into chunks of at most sealEvents events, now. */
  seal(streamId: number): number {
    this.heads.delete(streamId);
    const rows = this.stmts.headRows.all(streamId);
    if (rows.length === 0) return 0;
    if (!this.stmts.streamExists.get(streamId)) return 0; // reclaim removes the rows
    const maxRowId = rows[rows.length - 1]!.id;
    const groupId = rows[0]!.group_id;
    const { chunks, events } = sealHeadRows(rows, this.options.sealEvents, this.options.sealLevel);
    this.db.transaction(() => {
      for (const chunk of chunks) this.insertChunk(groupId, streamId, chunk, this.options.sealLevel);
      this.stmts.deleteHeads.run(streamId, maxRowId);
    })();
    return events;
  }

  /**
   * Seals a stream's head elsewhere when there is a sealer (a scan thread): the writer then only commits the
   * chunks, and appends are not held up by the compression (a seal cost ~15 ms of the writer, 30%
   * of its time under 100-event PutLogEvents). The head batches sealed are those up to the newest
   * one now; the commit checks they are still exactly those (retention, a delete or sealAll may
   * have changed them meanwhile) and otherwise leaves them for a later seal.
   */
  private sealSoon(streamId: number): void {
    const sealer = this.sealer;
    if (!sealer) {
      this.seal(streamId);
      return;
    }
    if (this.sealing.has(streamId)) return;
    const head = this.heads.get(streamId);
    const rows = this.stmts.headSummary.get(streamId, Number.MAX_SAFE_INTEGER);
    if (!head || !rows || rows.n === 0) return;
    this.heads.delete(streamId);
    this.sealing.add(streamId);
    const expected = { n: rows.n, events: rows.events, firstIds: rows.firstIds };
    sealer
      .seal({ streamId, maxRowId: rows.maxId, sealEvents: this.options.sealEvents, level: this.options.sealLevel })
      .then(
        (result) => {
          if (this.closed) return;
          const committed = this.db.transaction(() => {
            const now = this.stmts.headSummary.get(streamId, rows.maxId);
            if (!now || now.n !== expected.n || now.events !== expected.events || now.firstIds !== expected.firstIds || result.rows !== expected.n) return false;
            if (!this.stmts.streamExists.get(streamId)) return false;
            for (const chunk of result.chunks) this.insertChunk(head.groupId, streamId, chunk, this.options.sealLevel);
            this.stmts.deleteHeads.run(streamId, rows.maxId);
            return true;
          })();
          if (!committed) this.recountHead(streamId, head.groupId);
        },
        () => {
          // No sealer to be had (none, or it failed): seal here, as without one.
          if (!this.closed) this.seal(streamId);
        },
      )
      .finally(() => this.sealing.delete(streamId));
  }

  /** After a background seal that did not commit: the stream's head as the table holds it. */
  private recountHead(streamId: number, groupId: number): void {
    const rows = this.stmts.headSummary.get(streamId, Number.MAX_SAFE_INTEGER);
    if (!rows || rows.n === 0 || !this.stmts.streamExists.get(streamId)) return;
    this.heads.set(streamId, { groupId, events: rows.events, bytes: rows.bytes, since: Date.now() });
  }

  private insertChunk(groupId: number, streamId: number, chunk: SealedChunk, level: number): void {
    const { lastInsertRowid } = this.stmts.insertChunk.run(
      groupId,
      streamId,
      chunk.minTimestamp,
      chunk.maxTimestamp,
      chunk.minId,
      chunk.maxId,
      chunk.count,
      chunk.rawBytes,
      level,
      chunk.data,
    );
    this.stmts.insertFilter.run(lastInsertRowid, chunk.filter);
  }

  /** Seals every head now, those being sealed elsewhere too (their commit then finds them gone). */
  sealAll(): number {
    let sealed = 0;
    for (const streamId of new Set([...this.heads.keys(), ...this.sealing])) sealed += this.seal(streamId);
    return sealed;
  }

  /** Recompresses one chunk below the compaction level (as sealed, or compacted at a lower level by an earlier version); returns false when none is left. */
  compactOne(): boolean {
    const row = this.db
      .prepare<[number], { id: number; data: Buffer }>('SELECT id, data FROM chunks WHERE level < ? ORDER BY level, id LIMIT 1')
      .get(this.options.compactLevel);
    if (!row) return false;
    const columns = this.inflater.decode(row.data);
    // Its filter is built again: the blocks of a version 3 chunk hold other events than a sealed one's.
    const chunk = encodeChunk(columns, this.options.compactLevel, 'terminated');
    this.db.transaction(() => {
      this.db.prepare('UPDATE chunks SET data = ?, level = ? WHERE id = ?').run(chunk.data, this.options.compactLevel, row.id);
      this.db.prepare('INSERT INTO chunk_filters (chunk_id, filter) VALUES (?, ?) ON CONFLICT (chunk_id) DO UPDATE SET filter = excluded.filter').run(row.id, chunk.filter);
    })();
    return true;
  }

  compactAll(): number {
    let n = 0;
    while (this.compactOne()) n++;
    return n;
  }

  private maybeCompact(): void {
    if (this.compacting || this.closed || this.options.compactLevel <= this.options.sealLevel) return;
    this.compacting = true;
    const step = () => {
      const activity = this.options.searchActivity;
      const searching = activity !== undefined && Atomics.load(activity, 0) > 0;
      if (activity && activity.length > 1) {
        const reads = Atomics.load(activity, 1);
        if (reads !== this.readsSeen) {
          this.readsSeen = reads;
          this.readSeenAt = Date.now();
        }
      }
      const busy = searching || Date.now() - this.lastAppendAt < IDLE_MS || Date.now() - this.readSeenAt < IDLE_MS;
      if (this.closed || busy || this.queue.length > 0 || !this.compactOne()) {
        this.compacting = false;
        return;
      }
      setImmediate(step);
    };
    step();
  }

  /** Deletes events older than their group's retention: whole chunks dropped, straddling ones rewritten. */
  enforceRetention(now: number): number {
    const groups = this.db
      .prepare<[], { id: number; retention_in_days: number }>('SELECT id, retention_in_days FROM log_groups WHERE retention_in_days IS NOT NULL')
      .all();
    let removed = 0;
    for (const group of groups) {
      const cutoff = now - group.retention_in_days * DAY_MS;
      removed += this.db.transaction(() => this.expireGroup(group.id, cutoff))();
    }
    if (removed > 0) this.vacuum();
    return removed;
  }

  private expireGroup(groupId: number, cutoff: number): number {
    const db = this.db;
    let removed = 0;
    const bytesByStream = new Map<number, number>();
    const subtract = (streamId: number, bytes: number) => bytesByStream.set(streamId, (bytesByStream.get(streamId) ?? 0) + bytes);

    const whole = db
      .prepare<[number, number], { id: number; stream_id: number; event_count: number; raw_bytes: number }>(
        'SELECT id, stream_id, event_count, raw_bytes FROM chunks WHERE group_id = ? AND max_ts < ?',
      )
      .all(groupId, cutoff);
    const dropChunk = db.prepare('DELETE FROM chunks WHERE id = ?');
    const dropFilter = db.prepare('DELETE FROM chunk_filters WHERE chunk_id = ?');
    for (const c of whole) {
      dropChunk.run(c.id);
      dropFilter.run(c.id);
      removed += c.event_count;
      subtract(c.stream_id, c.raw_bytes);
    }
    const straddling = db
      .prepare<[number, number, number], { id: number; stream_id: number; level: number; data: Buffer }>(
        'SELECT id, stream_id, level, data FROM chunks WHERE group_id = ? AND min_ts < ? AND max_ts >= ?',
      )
      .all(groupId, cutoff, cutoff);
    for (const c of straddling) {
      const columns = decodeChunk(c.data);
      const kept = selectColumns(columns, (i) => columns.timestamps[i]! >= cutoff);
      const chunk = encodeChunk(kept, c.level, c.level >= this.options.compactLevel ? 'terminated' : 'plain');
      dropChunk.run(c.id);
      dropFilter.run(c.id);
      this.insertChunk(groupId, c.stream_id, chunk, c.level);
      removed += columns.count - kept.count;
      subtract(c.stream_id, columns.offsets[columns.count]! - columns.offsets[0]! - chunk.rawBytes);
    }

    const heads = db
      .prepare<[number, number], { id: number; stream_id: number; first_event_id: number; ingestion_time: number; max_ts: number; data: Buffer }>(
        'SELECT id, stream_id, first_event_id, ingestion_time, max_ts, data FROM head_batches WHERE group_id = ? AND min_ts < ?',
      )
      .all(groupId, cutoff);
    const dropHead = db.prepare('DELETE FROM head_batches WHERE id = ?');
    const rewriteHead = db.prepare('UPDATE head_batches SET first_event_id = ?, event_count = ?, min_ts = ?, raw_bytes = ?, data = ? WHERE id = ?');
    for (const h of heads) {
      const columns = decodeHeadBatch(h.data, h.first_event_id, h.ingestion_time);
      // A batch is chronological: the expired events are a prefix, the kept ones keep consecutive ids.
      let cut = 0;
      while (cut < columns.count && columns.timestamps[cut]! < cutoff) cut++;
      const head = this.heads.get(h.stream_id);
      const cutBytes = columns.offsets[cut]! - columns.offsets[0]!;
      if (cut === columns.count) {
        dropHead.run(h.id);
      } else {
        const kept = selectColumns(columns, (i) => i >= cut);
        rewriteHead.run(h.first_event_id + cut, kept.count, kept.timestamps[0]!, kept.text.length, encodeHeadColumns(kept), h.id);
      }
      if (head) {
        head.events -= cut;
        head.bytes -= cutBytes;
      }
      removed += cut;
      subtract(h.stream_id, cutBytes);
    }
    let groupBytes = 0;
    for (const [streamId, bytes] of bytesByStream) {
      this.stmts.streamBytes.run(bytes, streamId);
      groupBytes += bytes;
    }
    if (groupBytes > 0) this.stmts.groupBytes.run(-groupBytes, groupId);
    return removed;
  }

  /** Deletes the data of streams (and groups) that no longer exist, in small transactions. */
  reclaim(): number {
    let removed = 0;
    const orphanChunks = this.db.prepare<[], { id: number }>(
      'SELECT id FROM chunks WHERE stream_id NOT IN (SELECT id FROM log_streams) LIMIT 200',
    );
    const dropChunk = this.db.prepare('DELETE FROM chunks WHERE id = ?');
    const dropFilter = this.db.prepare('DELETE FROM chunk_filters WHERE chunk_id = ?');
    for (;;) {
      const ids = orphanChunks.all();
      if (ids.length === 0) break;
      this.db.transaction(() => {
        for (const { id } of ids) {
          dropChunk.run(id);
          dropFilter.run(id);
        }
      })();
      removed += ids.length;
    }
    const dropHeads = this.db.prepare('DELETE FROM head_batches WHERE id IN (SELECT id FROM head_batches WHERE stream_id NOT IN (SELECT id FROM log_streams) LIMIT 500)');
    for (;;) {
      const { changes } = dropHeads.run();
      removed += changes;
      if (changes < 500) break;
    }
    for (const streamId of [...this.heads.keys()]) if (!this.stmts.streamExists.get(streamId)) this.heads.delete(streamId);
    if (removed > 0) this.vacuum();
    return removed;
  }

  /** Gives freed pages back to the file system (the database is created with auto_vacuum=INCREMENTAL). */
  private vacuum(): void {
    this.db.pragma('incremental_vacuum');
  }

  handle(request: WriterRequest): Promise<number> {
    switch (request.type) {
      case 'append':
        return new Promise((resolve, reject) => this.append(request.item, (err) => (err ? reject(err) : resolve(0))));
      case 'retention':
        return Promise.resolve(this.enforceRetention(request.now));
      case 'reclaim':
        return Promise.resolve(this.reclaim());
      case 'seal-all':
        return Promise.resolve(this.sealAll());
      case 'compact-all':
        return Promise.resolve(this.compactAll());
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    if (this.queue.length > 0) this.flush();
    if (this.ownsDb) this.db.close();
  }
}
