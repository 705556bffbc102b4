/**
 * The embedded store: one SQLite database in WAL mode through better-sqlite3, events kept in
 * compressed, filtered chunks (docs/storage.md).
 *
 * This connection owns the metadata (groups, streams, resources) and every read. Event data is
 * written by one EventWriter, in a worker thread for file databases: PutLogEvents batches are
 * committed to `head_batches` (acknowledged = committed; synchronous=FULL by default, so it survives
 * power loss as well as kill -9) and later sealed into zstd chunks with 4-gram filters.
 */
import { AppendListeners } from '../append-listeners.js';
import { toGroup, toStream, type GroupRow, type StreamRow as BaseStreamRow } from '../rows.js';
import Database from 'better-sqlite3';
import { availableParallelism } from 'node:os';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { BufferPool } from './buffer-pool.js';
import { HeadBatchEvents } from './head-batch-events.js';
import { chunkMemory, decodeChunkLazily, decodeHeadBatch, encodeChunk, encodeHeadBatch, messageAt, type EventColumns } from './codec.js';
import { DEFAULT_WRITER_OPTIONS } from './defaults.js';
import type { WriterOptions } from './event-writer.js';
import { ChunkCache } from './chunk-cache.js';
import { isWait, mergeSegments, type MergeBounds, type Opened, type Segment } from './merge.js';
import { scanChunk, selectEvents } from './chunk-scan.js';
import { ScanThreadClient } from './scan-client.js';
import { compileFilterPattern, type CompiledFilterPattern } from '../../core/filter-pattern/index.js';
import { ALL_BLOCKS, blocksMayContain } from './ngram-filter.js';
import { InlineWriterClient, ThreadWriterClient, type WriterClient } from './writer-client.js';
import { ResourceAlreadyExistsException, ResourceNotFoundException } from '../../core/errors.js';
import type {
  AppendedEvents,
  BatchText,
  AppendResult,
  ListLogGroupsQuery,
  ListLogStreamsQuery,
  LogGroupPatch,
  LogStore,
  NewLogGroup,
  ReadStreamQuery,
  ResourceRecord,
  ScanBatch,
  ScanQuery,
  StoreCapabilities,
} from '../../core/ports.js';
import type { EventPosition, InputLogEvent, LogGroup, LogStream, Scope, StoredLogEvent } from '../../core/types.js';
import { MIGRATIONS } from './schema.js';

/** The SQLite store also selects the stream's row id. */
type StreamRow = BaseStreamRow & { id: number };

export interface SqliteStoreOptions {
  /** a file path, or ':memory:' */
  readonly path: string;
  /** 'FULL' survives power loss; 'NORMAL' survives process crashes (kill -9) only. */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /** events per scan batch */
  readonly scanBatchSize?: number;
  /** What the chunks a filter request goes on to search may match, at most (FOUND_BYTES; tests) */
  readonly scanFoundBytes?: number;
  /** run the event writer in a worker thread (default: yes for files, no for ':memory:') */
  readonly writerThread?: boolean;
  /** sealing and compression knobs (see event-writer.ts) */
  readonly writer?: Partial<Omit<WriterOptions, 'path' | 'synchronous'>>;
  /** bytes of decoded chunks kept for GetLogEvents paging */
  readonly chunkCacheBytes?: number;
  /** scan threads (default: 2, or 1 on a one-core machine): a full scan decompresses on each */
  readonly scanThreads?: number;
  /** search sealed chunks in a worker thread (default: yes for files; ':memory:' cannot) */
  readonly scanThread?: boolean;
}







/** Escapes LIKE wildcards so a prefix is matched literally (with ESCAPE '\'). */
function likePrefix(prefix: string): string {
  return prefix.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
}

interface ChunkRow {
  id: number;
  stream_id: number;
  min_ts: number;
  max_ts: number;
}

interface HeadRow {
  id: number;
  stream_id: number;
  first_event_id: number;
  ingestion_time: number;
  min_ts: number;
  max_ts: number;
  data: Buffer;
}

/** A head batch without its data, which a read fetches only if it gets there. */
type HeadBounds = Omit<HeadRow, 'data'>;

/** Chunks a scan asks the scan thread for ahead of the merge: enough to keep it busy, few enough that a first page wastes little. */
const SCAN_AHEAD_CHUNKS = 16;
/** Decoded chunks' buffers kept for reuse (see chunkBuffer). */
const SPARE_CHUNK_BUFFERS = 2;
/** Group rows and append targets remembered by name, at most (see groupRow, appendTarget). */
const REMEMBERED_NAMES = 10_000;
/** Chunks whose filters a scan thread tests in one request. */
const FILTER_BLOCK_CHUNKS = 128;
/** What the chunks a filter request goes on to search may match, at most (then the rest are searched one request each). */
const FOUND_BYTES = 1024 * 1024;
/** Chunks a stream read lists first (nearChunks): a 100-event page needs one or two. */
const READ_FIRST_CHUNKS = 8;

function compileOrUndefined(source: string): CompiledFilterPattern | undefined {
  try {
    return compileFilterPattern(source, { context: 'filter-log-events' });
  } catch {
    return undefined; // the caller matches itself
  }
}

export class SqliteLogStore implements LogStore {
  readonly capabilities: StoreCapabilities = { tail: 'notify' };
  private readonly db: Database.Database;
  private readonly listeners = new AppendListeners();
  private readonly scanBatchSize: number;
  private readonly scanFoundBytes: number;
  private readonly writer: WriterClient;
  private readonly cache: ChunkCache;
  /** memory of decoded chunks the cache let go of, for the next ones (chunkBuffer) */
  private readonly spareChunkMemory: ArrayBuffer[] = [];
  private readonly groupRows = new Map<string, GroupRow>();
  private readonly activity: Int32Array;
  private readonly appendTargets = new Map<string, { groupId: number; streamId: number }>();
  private readonly scanner: ScanThreadClient | undefined;
  private nextEventId: number;
  private readonly stmts;
  /** head batches' memory, handed to the writer and back */
  private readonly buffers = new BufferPool();

  constructor(options: SqliteStoreOptions) {
    const memory = options.path === ':memory:';
    if (!memory) mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    // Only possible before the first table exists: lets retention and deletes give pages back.
    this.db.pragma('auto_vacuum = INCREMENTAL');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    this.db.pragma('busy_timeout = 10000');
    // Reads are mostly of chunk blobs read once (the OS page cache keeps the file): a small page
    // cache keeps the server's memory bounded (docs/storage.md, Memory).
    this.db.pragma('cache_size = -2048');
    this.scanBatchSize = options.scanBatchSize ?? 1_000;
    this.scanFoundBytes = options.scanFoundBytes ?? FOUND_BYTES;
    this.cache = new ChunkCache(options.chunkCacheBytes ?? 8 * 1024 * 1024);
    this.migrate();
    this.importLegacyEvents();
    this.nextEventId = this.loadNextEventId();
    // [0] scan-thread requests in flight, [1] stream reads and search requests: idle recompression waits for both (WriterOptions).
    const searchActivity = new Int32Array(new SharedArrayBuffer(8));
    this.activity = searchActivity;
    const writerOptions: WriterOptions = {
      ...DEFAULT_WRITER_OPTIONS,
      ...options.writer,
      path: options.path,
      synchronous: options.synchronous ?? 'FULL',
      searchActivity,
    };
    if (memory && options.writerThread) throw new Error('an in-memory store cannot use a writer thread');
    if (memory && options.scanThread) throw new Error('an in-memory store cannot use a scan thread');
    this.scanner = !memory && options.scanThread !== false ? new ScanThreadClient(options.path, searchActivity, options.scanThreads ?? Math.min(2, availableParallelism())) : undefined;
    this.scanner?.warm();
    if (memory) {
      // One connection per ':memory:' handle: the writer must share ours.
      this.writer = new InlineWriterClient({ ...writerOptions, path: options.path }, this.db, this.buffers);
    } else {
      this.writer = options.writerThread === false ? new InlineWriterClient(writerOptions, undefined, this.buffers) : new ThreadWriterClient(writerOptions, this.buffers, this.scanner);
    }
    const db = this.db;
    this.stmts = {
      groupStoredBytes: db.prepare<[number], { stored_bytes: number }>('SELECT stored_bytes FROM log_groups WHERE id = ?'),
      groupByName: db.prepare<[string, string, string], GroupRow>(
        'SELECT * FROM log_groups WHERE account_id = ? AND region = ? AND name = ?',
      ),
      insertGroup: db.prepare(
        `INSERT INTO log_groups (account_id, region, name, creation_time, kms_key_id, log_group_class, deletion_protection)
         VALUES (@accountId, @region, @name, @creationTime, @kmsKeyId, @logGroupClass, @deletionProtection)`,
      ),
      deleteGroup: db.prepare('DELETE FROM log_groups WHERE id = ?'),
      deleteGroupStreams: db.prepare('DELETE FROM log_streams WHERE group_id = ?'),
      streamByName: db.prepare<[number, string], StreamRow>('SELECT * FROM log_streams WHERE group_id = ? AND name = ?'),
      streamIdByName: db.prepare<[number, string], { id: number }>('SELECT id FROM log_streams WHERE group_id = ? AND name = ?'),
      insertStream: db.prepare('INSERT INTO log_streams (group_id, name, creation_time) VALUES (?, ?, ?)'),
      deleteStream: db.prepare('DELETE FROM log_streams WHERE id = ?'),
      updateGroupBytes: db.prepare('UPDATE log_groups SET stored_bytes = MAX(0, stored_bytes + ?) WHERE id = ?'),
      streamNames: db.prepare<[number], { id: number; name: string }>('SELECT id, name FROM log_streams WHERE group_id = ?'),
      chunkData: db.prepare<[number], { data: Buffer }>('SELECT data FROM chunks WHERE id = ?'),
      chunkFilter: db.prepare<[number], { filter: Buffer }>('SELECT filter FROM chunk_filters WHERE chunk_id = ?'),
      streamChunks: db.prepare<[number, number, number], ChunkRow>(
        'SELECT id, stream_id, min_ts, max_ts FROM chunks WHERE stream_id = ? AND max_ts >= ? AND min_ts <= ?',
      ),
      // readStream's nearest chunks first (nearChunks): all from the (stream_id, max_ts, min_ts) index.
      nthChunkEndAfter: db.prepare<[number, number, number, number], { max_ts: number }>(
        'SELECT max_ts FROM chunks WHERE stream_id = ? AND max_ts >= ? AND min_ts <= ? ORDER BY max_ts LIMIT 1 OFFSET ?',
      ),
      nthChunkEndBefore: db.prepare<[number, number, number, number], { max_ts: number }>(
        'SELECT max_ts FROM chunks WHERE stream_id = ? AND max_ts >= ? AND min_ts <= ? ORDER BY max_ts DESC LIMIT 1 OFFSET ?',
      ),
      firstChunkStartAfter: db.prepare<[number, number, number], { min_ts: number | null }>(
        'SELECT MIN(min_ts) AS min_ts FROM chunks WHERE stream_id = ? AND max_ts > ? AND min_ts <= ?',
      ),
      chunksEndingBetween: db.prepare<[number, number, number, number], ChunkRow>(
        'SELECT id, stream_id, min_ts, max_ts FROM chunks WHERE stream_id = ? AND max_ts >= ? AND max_ts <= ? AND min_ts <= ?',
      ),
      streamHeads: db.prepare<[number, number, number], HeadBounds>(
        `SELECT id, stream_id, first_event_id, ingestion_time, min_ts, max_ts FROM head_batches
         WHERE stream_id = ? AND max_ts >= ? AND min_ts <= ?`,
      ),
      headData: db.prepare<[number], { data: Buffer }>('SELECT data FROM head_batches WHERE id = ?'),
      groupChunks: db.prepare<[number, number, number], ChunkRow>(
        'SELECT id, stream_id, min_ts, max_ts FROM chunks WHERE group_id = ? AND max_ts >= ? AND min_ts <= ?',
      ),
      groupHeads: db.prepare<[number, number, number], HeadRow>(
        `SELECT id, stream_id, first_event_id, ingestion_time, min_ts, max_ts, data FROM head_batches
         WHERE group_id = ? AND max_ts >= ? AND min_ts <= ?`,
      ),
      getResource: db.prepare<[string, string, string, string], { value: string }>(
        'SELECT value FROM resources WHERE account_id = ? AND region = ? AND kind = ? AND key = ?',
      ),
      putResource: db.prepare(
        `INSERT INTO resources (account_id, region, kind, key, value) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (account_id, region, kind, key) DO UPDATE SET value = excluded.value`,
      ),
      deleteResource: db.prepare('DELETE FROM resources WHERE account_id = ? AND region = ? AND kind = ? AND key = ?'),
      listResources: db.prepare<[string, string, string, string], { key: string; value: string }>(
        `SELECT key, value FROM resources WHERE account_id = ? AND region = ? AND kind = ? AND key LIKE ? ESCAPE '\\' ORDER BY key`,
      ),
      deleteResources: db.prepare(`DELETE FROM resources WHERE account_id = ? AND region = ? AND kind = ? AND key LIKE ? ESCAPE '\\'`),
    };
  }

  /** Ids are never reused: the next one is past every id ever committed. */
  private loadNextEventId(): number {
    const row = this.db
      .prepare<[], { n: number | null }>(
        `SELECT MAX(
           COALESCE((SELECT value FROM store_meta WHERE key = 'next_event_id'), 1),
           COALESCE((SELECT MAX(max_id) + 1 FROM chunks), 1),
           COALESCE((SELECT MAX(first_event_id + event_count) FROM head_batches), 1)) AS n`,
      )
      .get();
    return row?.n ?? 1;
  }

  /** Databases written by the one-row-per-event layout (schema 1): their events become chunks once. */
  private importLegacyEvents(): void {
    const legacy = this.db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'events'").get();
    if (!legacy) return;
    const streams = this.db.prepare<[], { stream_id: number; group_id: number }>('SELECT DISTINCT stream_id, group_id FROM events').all();
    const read = this.db.prepare<[number], { id: number; timestamp: number; ingestion_time: number; message: string }>(
      'SELECT id, timestamp, ingestion_time, message FROM events WHERE stream_id = ? ORDER BY timestamp, id',
    );
    const insert = this.db.prepare(
      `INSERT INTO chunks (group_id, stream_id, min_ts, max_ts, min_id, max_id, event_count, raw_bytes, level, data)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertFilter = this.db.prepare('INSERT INTO chunk_filters (chunk_id, filter) VALUES (?, ?)');
    this.db.transaction(() => {
      for (const { stream_id, group_id } of streams) {
        const rows = read.all(stream_id);
        for (let start = 0; start < rows.length; start += DEFAULT_WRITER_OPTIONS.sealEvents) {
          const part = rows.slice(start, start + DEFAULT_WRITER_OPTIONS.sealEvents);
          const head = decodeHeadBatch(encodeHeadBatch(part.map((r) => r.timestamp), part.map((r) => r.message)).data, 0, 0);
          const columns: EventColumns = { ...head, ids: Float64Array.from(part, (r) => r.id), ingestionTimes: Float64Array.from(part, (r) => r.ingestion_time) };
          const chunk = encodeChunk(columns, DEFAULT_WRITER_OPTIONS.sealLevel);
          const { lastInsertRowid } = insert.run(group_id, stream_id, chunk.minTimestamp, chunk.maxTimestamp, chunk.minId, chunk.maxId, chunk.count, chunk.rawBytes, DEFAULT_WRITER_OPTIONS.sealLevel, chunk.data);
          insertFilter.run(lastInsertRowid, chunk.filter);
        }
      }
      const maxId = this.db.prepare<[], { m: number | null }>('SELECT MAX(id) AS m FROM events').get()?.m ?? 0;
      this.db.prepare(`INSERT INTO store_meta (key, value) VALUES ('next_event_id', ?) ON CONFLICT (key) DO UPDATE SET value = MAX(value, excluded.value)`).run(maxId + 1);
      this.db.exec('DROP TABLE events');
    })();
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const row = this.db.prepare<[], { version: number }>('SELECT version FROM schema_version').get();
    let version = row?.version ?? 0;
    if (!row) this.db.prepare('INSERT INTO schema_version (version) VALUES (0)').run();
    for (; version < MIGRATIONS.length; version++) {
      const sql = MIGRATIONS[version] ?? '';
      this.db.transaction(() => {
        this.db.exec(sql);
        this.db.prepare('UPDATE schema_version SET version = ?').run(version + 1);
      })();
    }
  }

  /**
   * Group rows by name, remembered until this store changes a group (create, update, delete: the
   * only writers of these rows but stored_bytes, which getLogGroup reads afresh). After every commit
   * SQLite drops the reader's page cache, so under ingest the lookup read its pages again: ~40 us of
   * the event loop per PutLogEvents (~10 us idle).
   */
  private groupRow(scope: Scope, name: string): GroupRow | undefined {
    const key = `${scope.accountId}\u0000${scope.region}\u0000${name}`;
    const known = this.groupRows.get(key);
    if (known) return known;
    const row = this.stmts.groupByName.get(scope.accountId, scope.region, name);
    if (row) {
      if (this.groupRows.size >= REMEMBERED_NAMES) this.groupRows.clear();
      this.groupRows.set(key, row);
    }
    return row;
  }

  /** After a change to any group row. */
  private forgetGroups(): void {
    this.groupRows.clear();
    this.appendTargets.clear();
  }

  private requireGroup(scope: Scope, name: string): GroupRow {
    const row = this.groupRow(scope, name);
    if (!row) throw new ResourceNotFoundException('The specified log group does not exist.');
    return row;
  }

  private requireStream(groupId: number, name: string): StreamRow {
    const row = this.stmts.streamByName.get(groupId, name);
    if (!row) throw new ResourceNotFoundException('The specified log stream does not exist.');
    return row;
  }

  async createLogGroup(scope: Scope, group: NewLogGroup): Promise<void> {
    if (this.groupRow(scope, group.name)) throw new ResourceAlreadyExistsException('The specified log group already exists');
    this.stmts.insertGroup.run({
      accountId: scope.accountId,
      region: scope.region,
      name: group.name,
      creationTime: group.creationTime,
      kmsKeyId: group.kmsKeyId ?? null,
      logGroupClass: group.logGroupClass,
      deletionProtection: group.deletionProtectionEnabled ? 1 : 0,
    });
    this.forgetGroups();
  }

  async deleteLogGroup(scope: Scope, name: string): Promise<void> {
    const row = this.requireGroup(scope, name);
    // Group ids are never reused (AUTOINCREMENT), so the group's events become unreachable at once;
    // reclaimOrphans() removes them in the background.
    this.db.transaction(() => {
      this.stmts.deleteGroupStreams.run(row.id);
      this.stmts.deleteGroup.run(row.id);
    })();
    this.forgetGroups();
    this.scheduleReclaim();
  }

  async getLogGroup(scope: Scope, name: string): Promise<LogGroup | undefined> {
    const row = this.groupRow(scope, name);
    if (!row) return undefined;
    // The writer keeps stored_bytes current: read it when asked for, not from the remembered row.
    const group = toGroup(row);
    const bytes = this.stmts.groupStoredBytes;
    return Object.defineProperty(group, 'storedBytes', { enumerable: true, get: () => bytes.get(row.id)?.stored_bytes ?? 0 });
  }

  async updateLogGroup(scope: Scope, name: string, patch: LogGroupPatch): Promise<void> {
    const row = this.requireGroup(scope, name);
    const sets: string[] = [];
    const params: Record<string, unknown> = { id: row.id };
    if (patch.retentionInDays !== undefined) {
      sets.push('retention_in_days = @retention');
      params['retention'] = patch.retentionInDays;
    }
    if (patch.kmsKeyId !== undefined) {
      sets.push('kms_key_id = @kms');
      params['kms'] = patch.kmsKeyId;
    }
    if (patch.deletionProtectionEnabled !== undefined) {
      sets.push('deletion_protection = @dp');
      params['dp'] = patch.deletionProtectionEnabled ? 1 : 0;
    }
    if (sets.length === 0) return;
    this.db.prepare(`UPDATE log_groups SET ${sets.join(', ')} WHERE id = @id`).run(params);
    this.forgetGroups();
  }

  async listLogGroups(scope: Scope, query: ListLogGroupsQuery): Promise<LogGroup[]> {
    const where = ['account_id = @accountId', 'region = @region'];
    const params: Record<string, unknown> = { accountId: scope.accountId, region: scope.region, limit: query.limit };
    if (query.namePrefix !== undefined) {
      // Group names are ASCII below 0x7F, so this range holds exactly the names with the prefix.
      where.push('name >= @prefix AND name < @prefixEnd');
      params['prefix'] = query.namePrefix;
      params['prefixEnd'] = `${query.namePrefix}\x7f`;
    }
    if (query.nameContains !== undefined && query.nameContains !== '') {
      where.push('instr(name, @contains) > 0');
      params['contains'] = query.nameContains;
    }
    if (query.names !== undefined) {
      where.push(`name IN (SELECT value FROM json_each(@names))`);
      params['names'] = JSON.stringify(query.names);
    }
    if (query.logGroupClass !== undefined) {
      where.push('log_group_class = @class');
      params['class'] = query.logGroupClass;
    }
    if (query.afterName !== undefined) {
      where.push('name > @after');
      params['after'] = query.afterName;
    }
    const rows = this.db
      .prepare<Record<string, unknown>, GroupRow>(
        `SELECT * FROM log_groups WHERE ${where.join(' AND ')} ORDER BY name COLLATE BINARY LIMIT @limit`,
      )
      .all(params);
    return rows.map(toGroup);
  }

  async createLogStream(scope: Scope, groupName: string, name: string, creationTime: number): Promise<void> {
    const group = this.requireGroup(scope, groupName);
    if (this.stmts.streamByName.get(group.id, name)) {
      throw new ResourceAlreadyExistsException('The specified log stream already exists');
    }
    this.stmts.insertStream.run(group.id, name, creationTime);
  }

  async deleteLogStream(scope: Scope, groupName: string, name: string): Promise<void> {
    const group = this.requireGroup(scope, groupName);
    const stream = this.requireStream(group.id, name);
    this.db.transaction(() => {
      this.stmts.deleteStream.run(stream.id);
      this.stmts.updateGroupBytes.run(-stream.stored_bytes, group.id);
    })();
    this.appendTargets.clear();
    this.scheduleReclaim();
  }

  async getLogStream(scope: Scope, groupName: string, name: string): Promise<LogStream | undefined> {
    const group = this.requireGroup(scope, groupName);
    const row = this.stmts.streamByName.get(group.id, name);
    return row ? toStream(groupName, row) : undefined;
  }

  async listLogStreams(scope: Scope, groupName: string, query: ListLogStreamsQuery): Promise<LogStream[]> {
    const group = this.requireGroup(scope, groupName);
    const where = ['group_id = @groupId'];
    const params: Record<string, unknown> = { groupId: group.id, limit: query.limit };
    if (query.namePrefix !== undefined) {
      where.push('substr(name, 1, @prefixLength) = @prefix');
      params['prefix'] = query.namePrefix;
      params['prefixLength'] = query.namePrefix.length;
    }
    const dir = query.descending ? 'DESC' : 'ASC';
    const cmp = query.descending ? '<' : '>';
    let order: string;
    if (query.orderBy === 'LastEventTime') {
      // Streams without events sort as if their last event time were 0.
      order = `COALESCE(last_event_timestamp, 0) ${dir}, name ${dir}`;
      if (query.after) {
        where.push(`(COALESCE(last_event_timestamp, 0), name) ${cmp} (@afterTime, @afterName)`);
        params['afterTime'] = query.after.lastEventTime;
        params['afterName'] = query.after.name;
      }
    } else {
      order = `name ${dir}`;
      if (query.after) {
        where.push(`name ${cmp} @afterName`);
        params['afterName'] = query.after.name;
      }
    }
    const rows = this.db
      .prepare<Record<string, unknown>, StreamRow>(`SELECT * FROM log_streams WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT @limit`)
      .all(params);
    return rows.map((row) => toStream(groupName, row));
  }

  async appendEvents(
    scope: Scope,
    groupName: string,
    streamName: string,
    events: readonly InputLogEvent[],
    ingestionTime: number,
    text?: BatchText,
  ): Promise<AppendResult> {
    const { groupId, streamId } = this.appendTarget(scope, groupName, streamName);
    const n = events.length;
    const firstId = this.nextEventId;
    if (n === 0) return { firstId };
    this.nextEventId += n;
    const timestamps = new Float64Array(n);
    const messages: string[] = new Array<string>(n);
    let minTs = Number.POSITIVE_INFINITY;
    let maxTs = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const event = events[i]!;
      timestamps[i] = event.timestamp;
      messages[i] = event.message;
      if (event.timestamp < minTs) minTs = event.timestamp;
      if (event.timestamp > maxTs) maxTs = event.timestamp;
    }
    const { data, bytes } = encodeHeadBatch(timestamps, messages, (size) => this.buffers.take(size), text);
    await this.writer.request({
      type: 'append',
      item: { groupId, streamId, firstId, count: n, minTs, maxTs, ingestionTime, rawBytes: bytes, data },
    });
    if (this.listeners.size > 0) this.emit(new HeadBatchEvents(scope, groupName, streamName, firstId, ingestionTime, bytes, events));
    return { firstId };
  }

  /**
   * The group and stream ids an append writes to. Ids never change and are never reused, so they
   * are remembered until a group or stream is deleted: two lookups on the reader connection cost a
   * 100-event PutLogEvents ~80 us of the main thread while the writer commits (~10 us idle).
   */
  private appendTarget(scope: Scope, groupName: string, streamName: string): { groupId: number; streamId: number } {
    const key = `${scope.accountId}\u0000${scope.region}\u0000${groupName}\u0000${streamName}`;
    const known = this.appendTargets.get(key);
    if (known) return known;
    const group = this.requireGroup(scope, groupName);
    const stream = this.stmts.streamIdByName.get(group.id, streamName);
    if (!stream) throw new ResourceNotFoundException('The specified log stream does not exist.');
    if (this.appendTargets.size >= REMEMBERED_NAMES) this.appendTargets.clear();
    const target = { groupId: group.id, streamId: stream.id };
    this.appendTargets.set(key, target);
    return target;
  }

  private emit(batch: AppendedEvents): void {
    this.listeners.emit(batch);
  }

  onAppend(listener: (batch: AppendedEvents) => void): () => void {
    return this.listeners.subscribe(listener);
  }

  /** dropped: what the cache let go of, which the caller may still be reading (see readStream). */
  private decodeCached(chunkId: number, dropped: EventColumns[]): EventColumns | undefined {
    const hit = this.cache.get(chunkId);
    if (hit) return hit;
    const row = this.stmts.chunkData.get(chunkId);
    if (!row) return undefined; // dropped by retention or a delete meanwhile
    const columns = decodeChunkLazily(row.data, (size) => this.chunkBuffer(size));
    this.cache.set(chunkId, columns, dropped);
    return columns;
  }

  /**
   * Memory for a decompressed chunk: one the cache let go of when there is one. A fresh ~1 MB
   * buffer per GetLogEvents page was page-faulted in and left for V8 to collect (in-process
   * readStream at 10M events: see docs/storage.md).
   */
  private chunkBuffer(size: number): Buffer {
    const k = this.spareChunkMemory.findIndex((b) => b.byteLength >= size);
    if (k === -1) return Buffer.allocUnsafeSlow(size);
    const [memory] = this.spareChunkMemory.splice(k, 1);
    return Buffer.from(memory!, 0, size);
  }

  /** After a read: what the cache dropped during it is no longer read by anyone. */
  private recycle(dropped: readonly EventColumns[]): void {
    for (const columns of dropped) {
      if (this.spareChunkMemory.length >= SPARE_CHUNK_BUFFERS) return;
      const memory = chunkMemory(columns);
      if (memory.byteLength >= 64 * 1024) this.spareChunkMemory.push(memory);
    }
  }

  private headSegment(row: HeadRow | HeadBounds, streamName: string): Segment {
    return {
      minTs: row.min_ts,
      maxTs: row.max_ts,
      streamName,
      open: () => {
        const data = 'data' in row ? row.data : this.stmts.headData.get(row.id)?.data;
        if (!data) throw new Error(`head batch ${row.id} vanished during a read`);
        return { columns: decodeHeadBatch(data, row.first_event_id, row.ingestion_time) };
      },
    };
  }

  async readStream(scope: Scope, groupName: string, streamName: string, query: ReadStreamQuery): Promise<StoredLogEvent[]> {
    // One read transaction: the chunks and heads listed, and the head batches and chunks read
    // later, are of one snapshot (a seal in between cannot hide a batch from both lists, and a
    // head batch's data is read only when the page gets to it: reading every head's data up front
    // cost GetLogEvents ~2.5 ms with 4 MB of heads).
    const dropped: EventColumns[] = [];
    Atomics.add(this.activity, 1, 1);
    try {
      return this.db.transaction(() => this.readStreamNow(scope, groupName, streamName, query, dropped))();
    } finally {
      this.recycle(dropped);
    }
  }

  private readStreamNow(scope: Scope, groupName: string, streamName: string, query: ReadStreamQuery, dropped: EventColumns[]): StoredLogEvent[] {
    const group = this.requireGroup(scope, groupName);
    const stream = this.requireStream(group.id, streamName);
    const forward = query.direction === 'forward';
    // endTime is exclusive here; timestamps are whole milliseconds.
    const endTime = query.endTime !== undefined ? query.endTime - 1 : undefined;
    let lo = query.startTime ?? Number.MIN_SAFE_INTEGER;
    let hi = endTime ?? Number.MAX_SAFE_INTEGER;
    if (query.from) {
      if (forward) lo = Math.max(lo, query.from.timestamp);
      else hi = Math.min(hi, query.from.timestamp);
    }
    if (lo > hi || query.limit <= 0) return [];
    const bounds: MergeBounds = {
      ...(query.startTime !== undefined ? { startTime: query.startTime } : {}),
      ...(endTime !== undefined ? { endTime } : {}),
      ...(query.from ? { from: query.from } : {}),
      descending: !forward,
    };
    const heads = this.stmts.streamHeads.all(stream.id, lo, hi);
    // A stream of 10M events has hundreds of chunks: listing them all (and merging their bounds)
    // cost GetLogEvents ~1 ms. The READ_FIRST_CHUNKS nearest the read's start come first, with
    // the time up to which they (and the heads) hold every event; a page that fills before it
    // is exact. Otherwise the read lists them all.
    const near = this.nearChunks(stream.id, lo, hi, forward);
    if (near) {
      const narrowed: MergeBounds = forward
        ? { ...bounds, endTime: Math.min(bounds.endTime ?? Number.MAX_SAFE_INTEGER, near.exactTo) }
        : { ...bounds, startTime: Math.max(bounds.startTime ?? Number.MIN_SAFE_INTEGER, near.exactFrom) };
      const out = this.readSegments(streamName, near.chunks, heads, narrowed, query.limit, dropped);
      if (out.length >= query.limit || near.complete) return out;
    }
    return this.readSegments(streamName, this.stmts.streamChunks.all(stream.id, lo, hi), heads, bounds, query.limit, dropped);
  }

  /**
   * When a stream has more than READ_FIRST_CHUNKS chunks in [lo, hi]: those nearest the read's
   * start (by max_ts, from the covering index) and the bound of what they certainly hold: a
   * forward read's events up to exactTo (every other chunk starts after it), a backward read's from
   * exactFrom (every other chunk ends before it); complete when there is no other chunk.
   */
  private nearChunks(streamId: number, lo: number, hi: number, forward: boolean): { chunks: ChunkRow[]; exactTo: number; exactFrom: number; complete: boolean } | undefined {
    if (forward) {
      const edge = this.stmts.nthChunkEndAfter.get(streamId, lo, hi, READ_FIRST_CHUNKS - 1)?.max_ts;
      if (edge === undefined) return undefined;
      const rest = this.stmts.firstChunkStartAfter.get(streamId, edge, hi)?.min_ts ?? null;
      if (rest !== null && rest <= lo) return undefined;
      return { chunks: this.stmts.chunksEndingBetween.all(streamId, lo, edge, hi), exactTo: rest === null ? hi : rest - 1, exactFrom: lo, complete: rest === null };
    }
    const edge = this.stmts.nthChunkEndBefore.get(streamId, lo, hi, READ_FIRST_CHUNKS - 1)?.max_ts;
    if (edge === undefined || edge > hi) return undefined;
    return { chunks: this.stmts.chunksEndingBetween.all(streamId, edge, Number.MAX_SAFE_INTEGER, hi), exactTo: hi, exactFrom: edge, complete: false };
  }

  private readSegments(streamName: string, chunks: readonly ChunkRow[], heads: readonly HeadBounds[], bounds: MergeBounds, limit: number, dropped: EventColumns[]): StoredLogEvent[] {
    const segments: Segment[] = [];
    for (const c of chunks) {
      segments.push({ minTs: c.min_ts, maxTs: c.max_ts, streamName, open: () => {
        const columns = this.decodeCached(c.id, dropped);
        return columns ? { columns } : undefined;
      } });
    }
    for (const h of heads) segments.push(this.headSegment(h, streamName));
    const out: StoredLogEvent[] = [];
    for (const cursor of mergeSegments(segments, bounds)) {
      if (isWait(cursor)) throw new Error('readStream opens segments synchronously');
      const i = cursor.order[cursor.pos]!;
      const c = cursor.columns;
      out.push({ id: c.ids[i]!, streamName, timestamp: c.timestamps[i]!, ingestionTime: c.ingestionTimes[i]!, message: messageAt(c, i) });
      if (out.length >= limit) break;
    }
    return out;
  }

  async *scan(scope: Scope, groupName: string, query: ScanQuery, signal?: AbortSignal): AsyncIterable<ScanBatch> {
    const group = this.requireGroup(scope, groupName);
    const names = new Map<number, string>();
    for (const row of this.stmts.streamNames.all(group.id)) {
      if (query.streamNames !== undefined && !query.streamNames.includes(row.name)) continue;
      if (query.streamNames === undefined && query.streamNamePrefix !== undefined && !row.name.startsWith(query.streamNamePrefix)) continue;
      names.set(row.id, row.name);
    }
    if (names.size === 0) return;
    let lo = query.startTime ?? Number.MIN_SAFE_INTEGER;
    let hi = query.endTime ?? Number.MAX_SAFE_INTEGER;
    if (query.from) {
      if (query.descending) hi = Math.min(hi, query.from.timestamp);
      else lo = Math.max(lo, query.from.timestamp);
    }
    if (lo > hi) return;
    const termTexts = (query.requiredTerms ?? []).filter((t) => t.length > 0);
    const terms = termTexts.map((t) => Buffer.from(t, 'utf8'));
    const scanner = this.scanner;
    // With a scan thread the filter pattern is applied there (and to head batches here), so that
    // only matching events cross to this thread; without one, the caller matches as before.
    const pattern = scanner && query.filterPattern !== undefined ? compileOrUndefined(query.filterPattern) : undefined;
    const scanId = scanner?.newScan() ?? 0;
    const chunks = this.stmts.groupChunks.all(group.id, lo, hi).filter((c) => names.has(c.stream_id));
    // The order the merge opens them in, so requests run ahead of it.
    chunks.sort(query.descending ? (a, b) => b.max_ts - a.max_ts : (a, b) => a.min_ts - b.min_ts);
    // With terms, the chunks' filters are tested in blocks by the scan threads first, and only the
    // chunks they admit are searched: by the same request as far as their matches stay under
    // FOUND_BYTES, then one request per chunk, up to SCAN_AHEAD_CHUNKS of them ahead of the merge.
    const admitted: Array<Uint8Array | undefined> = [];
    /** chunks the filter requests searched (undefined: nothing matched) */
    const searched = new Map<number, EventColumns | undefined>();
    const filtering = new Map<number, Promise<void>>();
    let finished = false;
    const requestBlock = (b: number): Promise<void> | undefined => {
      if (!scanner || termTexts.length === 0 || admitted[b] || b * FILTER_BLOCK_CHUNKS >= chunks.length) return undefined;
      let pending = filtering.get(b);
      if (!pending) {
        const ids = chunks.slice(b * FILTER_BLOCK_CHUNKS, (b + 1) * FILTER_BLOCK_CHUNKS).map((c) => c.id);
        pending = scanner.filterChunks(scanId, ids, termTexts, { ...(pattern ? { pattern: pattern.source } : {}), maxBytes: this.scanFoundBytes }).then((filtered) => {
          admitted[b] = filtered?.passed ?? new Uint8Array(ids.length).fill(ALL_BLOCKS);
          if (filtered) for (let k = 0; k < filtered.searchedThrough; k++) if (filtered.passed[k] !== 0) searched.set(b * FILTER_BLOCK_CHUNKS + k, filtered.found.get(k));
          filtering.delete(b);
          runAhead();
        });
        pending.catch(() => undefined);
        filtering.set(b, pending);
      }
      return pending;
    };
    // The next block too, so that both threads test filters.
    const filterBlock = (b: number): Promise<void> | undefined => {
      const pending = requestBlock(b);
      requestBlock(b + 1);
      return pending;
    };
    /** The blocks of chunk k that may hold the terms (0: none): undefined while its filter block is being tested. */
    const blocksOf = (k: number): number | undefined => {
      if (!scanner || termTexts.length === 0) return ALL_BLOCKS;
      return admitted[Math.floor(k / FILTER_BLOCK_CHUNKS)]?.[k % FILTER_BLOCK_CHUNKS];
    };
    const admits = (k: number): boolean | undefined => {
      const blocks = blocksOf(k);
      return blocks === undefined ? undefined : blocks !== 0;
    };
    const inFlight = new Map<number, Promise<EventColumns | undefined>>();
    let issued = 0;
    const issue = (k: number) => {
      const request = scanner!.search(scanId, chunks[k]!.id, termTexts, pattern?.source, blocksOf(k));
      // A failure is reported to the merge when it gets there; one it never reaches is moot.
      request.catch(() => undefined);
      inFlight.set(k, request);
    };
    const runAhead = () => {
      while (scanner && !finished && issued < chunks.length && inFlight.size < SCAN_AHEAD_CHUNKS) {
        const admit = admits(issued);
        if (admit === undefined) {
          filterBlock(Math.floor(issued / FILTER_BLOCK_CHUNKS));
          return;
        }
        if (admit && !searched.has(issued)) issue(issued);
        issued++;
      }
    };
    const openChunk = (k: number): Opened | Promise<Opened> => {
      if (!admits(k)) return undefined;
      if (searched.has(k)) {
        const columns = searched.get(k);
        searched.delete(k);
        if (k >= issued) issued = k + 1;
        runAhead();
        return columns ? { columns } : undefined;
      }
      let request = inFlight.get(k);
      if (!request) {
        if (k >= issued) issued = k + 1;
        issue(k);
        request = inFlight.get(k)!;
      }
      inFlight.delete(k);
      runAhead();
      return request.then((columns) => (columns ? { columns } : undefined));
    };
    const segments: Segment[] = chunks.map((c, k) => ({
      minTs: c.min_ts,
      maxTs: c.max_ts,
      streamName: names.get(c.stream_id)!,
      open: () => {
        if (scanner) {
          if (admits(k) !== undefined) return openChunk(k);
          return filterBlock(Math.floor(k / FILTER_BLOCK_CHUNKS))!.then(() => openChunk(k));
        }
        // Scans do not go through the cache: one search must not evict every reader's chunks.
        const row = this.stmts.chunkData.get(c.id);
        if (!row) return undefined;
        const filter = terms.length > 0 ? this.stmts.chunkFilter.get(c.id)?.filter : undefined;
        return scanChunk(row.data, filter ? blocksMayContain(filter, terms) : ALL_BLOCKS, terms, undefined);
      },
    }));
    for (const h of this.stmts.groupHeads.all(group.id, lo, hi)) {
      const streamName = names.get(h.stream_id);
      if (streamName === undefined) continue;
      const seg = this.headSegment(h, streamName);
      segments.push(
        terms.length === 0 && !pattern
          ? seg
          : {
              ...seg,
              open: () => {
                const columns = decodeHeadBatch(h.data, h.first_event_id, h.ingestion_time);
                const selected = selectEvents(columns, terms, pattern);
                return selected ? { columns, selected } : undefined;
              },
            },
      );
    }
    let batch: StoredLogEvent[] = [];
    const take = (through?: EventPosition): ScanBatch => {
      const out: ScanBatch = pattern ? Object.assign(batch, { filterApplied: true, ...(through ? { scannedThrough: through } : {}) }) : batch;
      batch = [];
      return out;
    };
    let sliceStart = performance.now();
    try {
      for (const item of mergeSegments(segments, {
        ...(query.startTime !== undefined ? { startTime: query.startTime } : {}),
        ...(query.endTime !== undefined ? { endTime: query.endTime } : {}),
        ...(query.from ? { from: query.from } : {}),
        descending: query.descending,
      })) {
        if (isWait(item)) {
          // Hand over what there is (or, when filtering, how far the search got) before waiting.
          if (batch.length > 0 || (pattern && performance.now() - sliceStart > 10)) {
            if (signal?.aborted) return;
            yield take(item.resumeAfter);
            sliceStart = performance.now();
          }
          await item.ready;
          if (signal?.aborted) return;
          continue;
        }
        const i = item.order[item.pos]!;
        const c = item.columns;
        batch.push({ id: c.ids[i]!, streamName: item.streamName, timestamp: c.timestamps[i]!, ingestionTime: c.ingestionTimes[i]!, message: messageAt(c, i) });
        if (batch.length >= this.scanBatchSize || (batch.length % 256 === 0 && performance.now() - sliceStart > 10)) {
          if (signal?.aborted) return;
          yield take();
          if (signal?.aborted) return;
          // Let requests in between slices of a long search.
          if (performance.now() - sliceStart > 10) {
            await new Promise((resolve) => setImmediate(resolve));
            sliceStart = performance.now();
          }
        }
      }
      if (batch.length > 0 && !signal?.aborted) yield take();
    } finally {
      finished = true;
      scanner?.cancel(scanId);
    }
  }

  async enforceRetention(now: number): Promise<number> {
    const removed = await this.writer.request({ type: 'retention', now });
    await this.reclaimOrphans();
    return removed;
  }

  /** Seals every stream's head now (tests, benchmarks, shutdown of a bulk load). */
  async sealAll(): Promise<number> {
    return this.writer.request({ type: 'seal-all' });
  }

  /** Recompresses every chunk at the writer's compact level now, instead of when idle. */
  async compactAll(): Promise<number> {
    return this.writer.request({ type: 'compact-all' });
  }

  private reclaimTimer: NodeJS.Timeout | undefined;
  private scheduleReclaim(): void {
    if (this.reclaimTimer) return;
    this.reclaimTimer = setTimeout(() => {
      this.reclaimTimer = undefined;
      void this.reclaimOrphans();
    }, 100);
    this.reclaimTimer.unref();
  }

  /** Deletes, in small transactions, the data of streams and groups that no longer exist. */
  async reclaimOrphans(): Promise<number> {
    return this.writer.request({ type: 'reclaim' });
  }

  async putResource(scope: Scope, kind: string, key: string, value: unknown): Promise<void> {
    this.stmts.putResource.run(scope.accountId, scope.region, kind, key, JSON.stringify(value));
  }

  async getResource<T>(scope: Scope, kind: string, key: string): Promise<T | undefined> {
    const row = this.stmts.getResource.get(scope.accountId, scope.region, kind, key);
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  async listResources<T>(scope: Scope, kind: string, prefix = ''): Promise<ResourceRecord<T>[]> {
    return this.stmts.listResources
      .all(scope.accountId, scope.region, kind, likePrefix(prefix))
      .filter((row) => row.key.startsWith(prefix))
      .map((row) => ({ key: row.key, value: JSON.parse(row.value) as T }));
  }

  async deleteResource(scope: Scope, kind: string, key: string): Promise<boolean> {
    return this.stmts.deleteResource.run(scope.accountId, scope.region, kind, key).changes > 0;
  }

  async deleteResources(scope: Scope, kind: string, prefix: string): Promise<void> {
    // LIKE is case-insensitive for ASCII: delete exactly the keys that start with the prefix.
    for (const { key } of await this.listResources(scope, kind, prefix)) {
      this.stmts.deleteResource.run(scope.accountId, scope.region, kind, key);
    }
  }

  async close(): Promise<void> {
    if (this.reclaimTimer) clearTimeout(this.reclaimTimer);
    this.listeners.clear();
    await this.scanner?.close();
    await this.writer.close();
    if (this.db.open) this.db.close();
  }
}
