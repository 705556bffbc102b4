/**
 * The PostgreSQL store: several stateless Logharbor nodes share one database (managed PostgreSQL,
 * or Citus distributing by account and log group; see docs/postgres.md).
 * - An append is one statement (its own transaction): it updates the stream's statistics, inserts
 *   the events, records the batch and NOTIFYs other nodes; it is acknowledged after COMMIT.
 * - Every read goes to the database, so a write acknowledged by one node is visible on all others.
 * - Background work (retention, reclaiming deleted data) runs on one node at a time (jobs.ts).
 */
import { AppendListeners } from '../append-listeners.js';
import { toGroup, toStream, type GroupRow, type StreamRow } from '../rows.js';
import { randomUUID } from 'node:crypto';
import { ResourceAlreadyExistsException, ResourceNotFoundException } from '../../core/errors.js';
import { appendedEvents } from '../../core/ports.js';
import type {
  AppendedEvents,
  AppendResult,
  ListLogGroupsQuery,
  ListLogStreamsQuery,
  LogGroupPatch,
  LogStore,
  NewLogGroup,
  ReadStreamQuery,
  ResourceRecord,
  ScanQuery,
  StoreCapabilities,
} from '../../core/ports.js';
import type { InputLogEvent, LogGroup, LogStream, Scope, StoredLogEvent } from '../../core/types.js';
import { connect, migrate, type Db, type Queryable } from './db.js';
import { encodeChunk, encodeChunkInto } from './chunk-codec.js';
import { ChunkMerger, type ChunkHeader, type ChunkSource } from './chunk-merger.js';
import { BATCH_ID_SPAN } from './ids.js';
import { runBackgroundJobs } from './jobs.js';
import { AppendNotifier } from './notifier.js';
import { MAX_CHUNK_SPAN_MS, PartitionManager, partitionFor, type PartitionSpec } from './partitions.js';

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database[?schema=name] */
  readonly url: string;
  /** the schema holding Logharbor's tables (default: the URL's `schema` parameter, else `logharbor`) */
  readonly schema?: string;
  readonly poolSize?: number;
  /** rows fetched per scan batch */
  readonly scanBatchSize?: number;
  /** background jobs run at most once per this interval across all nodes (0: whenever asked) */
  readonly minJobIntervalMs?: number;
}



interface GroupRef {
  id: number;
  dataClasses: number[];
}



const groupNotFound = () => new ResourceNotFoundException('The specified log group does not exist.');
const streamNotFound = () => new ResourceNotFoundException('The specified log stream does not exist.');

/** PostgreSQL's error for a row that fits no partition. */
const NO_PARTITION = '23514';

/** Slots of a group's storedBytes counter (see the schema). */
const GROUP_BYTES_SLOTS = 16;

/** Bounds for open time ranges: every epoch-millisecond timestamp lies between them. */
const MIN_TIME = -8_640_000_000_000_000;
const MAX_TIME = 8_640_000_000_000_000;
const EMPTY_CHUNK = encodeChunk([], [], []).data;

/** A batch's chunks, encoded back to back in `data`. */
interface PreparedBatch {
  readonly events: readonly InputLogEvent[];
  readonly data: Buffer;
  readonly chunkFirstIndexes: number[];
  readonly chunkMinTimestamps: number[];
  readonly chunkMaxTimestamps: number[];
  readonly chunkCounts: number[];
  readonly chunkOffsets: number[];
  readonly chunkLengths: number[];
  readonly minTimestamp: number;
  readonly maxTimestamp: number;
  /** message bytes, as storedBytes counts them */
  readonly bytes: number;
}

interface AppendedBatch {
  readonly firstId: number;
  readonly retentionClass: number;
  readonly events: readonly InputLogEvent[];
}

interface ChunkRow {
  stream_id: number;
  retention_class: number;
  batch: number;
  first_index: number;
  min_timestamp: number;
  max_timestamp: number;
  event_count: number;
  ingestion_time: number;
  data?: Buffer;
}

function toChunkHeader(row: ChunkRow): ChunkHeader {
  return {
    streamId: row.stream_id,
    retentionClass: row.retention_class,
    batch: row.batch,
    firstIndex: row.first_index,
    minTimestamp: row.min_timestamp,
    maxTimestamp: row.max_timestamp,
    eventCount: row.event_count,
    ingestionTime: row.ingestion_time,
    ...(row.data ? { data: row.data } : {}),
  };
}

/**
 * Chunks hold at most this many events and message bytes: small enough that reading a page of a
 * stream loads little more than the page (reads of 100 events: 1.5-4 ms with 250, 6-7 ms with
 * 1,000), large enough that ingest writes a few index entries per batch rather than two per event.
 */
const CHUNK_MAX_EVENTS = 250;
const CHUNK_MAX_BYTES = 32 * 1024;

/** Encodes one batch (chronological, at most BATCH_ID_SPAN events) as chunks spanning at most a day each. */
function prepareBatch(events: readonly InputLogEvent[]): PreparedBatch {
  const count = events.length;
  const timestamps = new Array<number>(count);
  const messages = new Array<string>(count);
  const lengths = new Array<number>(count);
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const event = events[i]!;
    timestamps[i] = event.timestamp;
    messages[i] = event.message;
    const n = Buffer.byteLength(event.message, 'utf8');
    lengths[i] = n;
    bytes += n;
  }
  const bounds: number[] = [0];
  let start = 0;
  let chunkBytes = 0;
  for (let i = 0; i < count; i++) {
    if (
      i > start &&
      (i - start >= CHUNK_MAX_EVENTS || chunkBytes + lengths[i]! > CHUNK_MAX_BYTES || timestamps[i]! - timestamps[start]! > MAX_CHUNK_SPAN_MS)
    ) {
      bounds.push(i);
      start = i;
      chunkBytes = 0;
    }
    chunkBytes += lengths[i]!;
  }
  bounds.push(count);
  const chunks = bounds.length - 1;
  const data = Buffer.allocUnsafe(4 * chunks + 12 * count + bytes);
  const batch: PreparedBatch = {
    events,
    data,
    chunkFirstIndexes: [],
    chunkMinTimestamps: [],
    chunkMaxTimestamps: [],
    chunkCounts: [],
    chunkOffsets: [],
    chunkLengths: [],
    minTimestamp: timestamps[0]!,
    maxTimestamp: timestamps[count - 1]!,
    bytes,
  };
  let offset = 0;
  for (let c = 0; c < chunks; c++) {
    const from = bounds[c]!;
    const to = bounds[c + 1]!;
    const written = encodeChunkInto(data, offset, timestamps, messages, lengths, from, to);
    batch.chunkFirstIndexes.push(from);
    batch.chunkMinTimestamps.push(timestamps[from]!);
    batch.chunkMaxTimestamps.push(timestamps[to - 1]!);
    batch.chunkCounts.push(to - from);
    batch.chunkOffsets.push(offset);
    batch.chunkLengths.push(written);
    offset += written;
  }
  return batch;
}

/** The partitions that chunks starting at these timestamps go to. */
function partitionsAt(retentionClass: number, chunkStarts: readonly number[]): PartitionSpec[] {
  const specs = new Map<string, PartitionSpec>();
  for (const t of chunkStarts) {
    const spec = partitionFor(retentionClass, t);
    specs.set(spec.tableName, spec);
  }
  return [...specs.values()];
}

/** Opens the store: connects and applies pending migrations. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresLogStore> {
  const db = connect(options);
  try {
    await migrate(db);
  } catch (err) {
    await db.pool.end().catch(() => {});
    throw err;
  }
  return new PostgresLogStore(db, options);
}

export class PostgresLogStore implements LogStore {
  readonly capabilities: StoreCapabilities = { tail: 'notify' };
  /** identifies this process's writes in notifications and job runs */
  readonly nodeId = randomUUID();
  private readonly listeners = new AppendListeners();
  private readonly partitions: PartitionManager;
  private readonly scanBatchSize: number;
  private readonly minJobIntervalMs: number;
  /** group -> retention class last seen, to create partitions before an append rather than after it fails */
  private readonly classHint = new Map<string, number>();
  private notifier: AppendNotifier | undefined;
  private readonly sql;

  constructor(
    private readonly db: Db,
    options: Pick<PostgresStoreOptions, 'scanBatchSize' | 'minJobIntervalMs'> = {},
  ) {
    this.partitions = new PartitionManager(db);
    this.scanBatchSize = options.scanBatchSize ?? 2_000;
    this.minJobIntervalMs = options.minJobIntervalMs ?? 0;
    const s = db.s;
    const groupColumns = `g.id, g.name, g.creation_time, g.retention_in_days, g.kms_key_id, g.log_group_class, g.deletion_protection,
      (SELECT COALESCE(sum(gb.bytes), 0)::bigint FROM ${s}.group_stored_bytes gb WHERE gb.group_id = g.id) AS stored_bytes`;
    this.sql = {
      s,
      groupColumns,
      groupRef: `SELECT id, data_classes FROM ${s}.log_groups WHERE account_id = $1 AND region = $2 AND name = $3`,
      streamRef: `SELECT g.id AS group_id, g.data_classes, st.id AS stream_id FROM ${s}.log_groups g
        LEFT JOIN ${s}.log_streams st ON st.group_id = g.id AND st.name = $4
        WHERE g.account_id = $1 AND g.region = $2 AND g.name = $3`,
      getGroup: `SELECT ${groupColumns} FROM ${s}.log_groups g WHERE g.account_id = $1 AND g.region = $2 AND g.name = $3`,
      getStream: `SELECT g.id AS group_id, st.name, st.creation_time, st.first_event_timestamp, st.last_event_timestamp,
        st.last_ingestion_time, st.stored_bytes
        FROM ${s}.log_groups g LEFT JOIN ${s}.log_streams st ON st.group_id = g.id AND st.name = $4
        WHERE g.account_id = $1 AND g.region = $2 AND g.name = $3`,
      // One statement, one round trip, one transaction: the stream row's update both checks that
      // the group and stream exist and orders concurrent appends to the same stream.
      append: `
        WITH g AS (
          SELECT id, COALESCE(retention_in_days, 0) AS cls FROM ${s}.log_groups
          WHERE account_id = $1 AND region = $2 AND name = $3
        ), st AS (
          UPDATE ${s}.log_streams ls SET
            first_event_timestamp = LEAST(ls.first_event_timestamp, $5::bigint),
            last_event_timestamp = GREATEST(ls.last_event_timestamp, $6::bigint),
            last_ingestion_time = $7::bigint,
            stored_bytes = ls.stored_bytes + $8::bigint
          FROM g WHERE ls.group_id = g.id AND ls.name = $4
          RETURNING ls.id, ls.group_id, g.cls
        ), b AS (
          SELECT st.id, st.group_id, st.cls, nextval('${s}.event_batch_seq') AS batch FROM st
        ), ins AS (
          -- $12 holds every chunk of the batch back to back, sent once as binary; cut it up here.
          INSERT INTO ${s}.event_chunks (retention_class, group_id, stream_id, batch, first_index, min_timestamp, max_timestamp,
            event_count, ingestion_time, data)
          SELECT b.cls, b.group_id, b.id, b.batch, c.first_index, c.min_ts, c.max_ts, c.n, $7::bigint, substring($12::bytea FROM c.off + 1 FOR c.len)
          FROM b, unnest($9::integer[], $10::bigint[], $11::bigint[], $16::integer[], $17::integer[], $18::integer[])
            AS c(first_index, min_ts, max_ts, n, off, len)
        ), bytes AS (
          INSERT INTO ${s}.group_stored_bytes AS gb (group_id, slot, bytes)
          SELECT b.group_id, (b.id % ${GROUP_BYTES_SLOTS})::integer, $8::bigint FROM b
          ON CONFLICT (group_id, slot) DO UPDATE SET bytes = gb.bytes + excluded.bytes
        ), rec AS (
          INSERT INTO ${s}.event_batches (id, group_id, stream_id, retention_class, min_timestamp, max_timestamp, event_count, node_id)
          SELECT b.batch, b.group_id, b.id, b.cls, $5::bigint, $6::bigint, $13::integer, $14::text FROM b
        )
        SELECT b.batch, b.cls, pg_notify($15::text, json_build_object(
          'b', b.batch, 'node', $14::text, 'a', $1::text, 'r', $2::text, 'g', $3::text, 's', $4::text,
          'gid', b.group_id, 'sid', b.id, 'c', b.cls, 'lo', $5::bigint, 'hi', $6::bigint)::text)
        FROM b`,
    };
  }

  private async groupRef(scope: Scope, name: string): Promise<GroupRef> {
    const { rows } = await this.db.query<{ id: number; data_classes: number[] }>(this.sql.groupRef, [scope.accountId, scope.region, name]);
    const row = rows[0];
    if (!row) throw groupNotFound();
    return { id: row.id, dataClasses: row.data_classes };
  }

  private async streamRef(scope: Scope, groupName: string, streamName: string): Promise<GroupRef & { streamId: number }> {
    const { rows } = await this.db.query<{ group_id: number; data_classes: number[]; stream_id: number | null }>(this.sql.streamRef, [
      scope.accountId,
      scope.region,
      groupName,
      streamName,
    ]);
    const row = rows[0];
    if (!row) throw groupNotFound();
    if (row.stream_id === null) throw streamNotFound();
    return { id: row.group_id, dataClasses: row.data_classes, streamId: row.stream_id };
  }

  async createLogGroup(scope: Scope, group: NewLogGroup): Promise<void> {
    const { rowCount } = await this.db.query(
      `INSERT INTO ${this.sql.s}.log_groups (account_id, region, name, creation_time, kms_key_id, log_group_class, deletion_protection)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (account_id, region, name) DO NOTHING`,
      [scope.accountId, scope.region, group.name, group.creationTime, group.kmsKeyId ?? null, group.logGroupClass, group.deletionProtectionEnabled],
    );
    if (rowCount === 0) throw new ResourceAlreadyExistsException('The specified log group already exists');
  }

  async deleteLogGroup(scope: Scope, name: string): Promise<void> {
    const s = this.sql.s;
    // The group and its streams go at once; their events become unreachable and the background
    // job removes them (or drops their partitions when they expire).
    const { rows } = await this.db.query<{ id: number }>(
      `WITH g AS (DELETE FROM ${s}.log_groups WHERE account_id = $1 AND region = $2 AND name = $3 RETURNING id),
            st AS (DELETE FROM ${s}.log_streams ls USING g WHERE ls.group_id = g.id),
            gb AS (DELETE FROM ${s}.group_stored_bytes gb USING g WHERE gb.group_id = g.id),
            q AS (INSERT INTO ${s}.reclaim_queue (group_id, stream_id) SELECT id, NULL FROM g)
       SELECT id FROM g`,
      [scope.accountId, scope.region, name],
    );
    if (rows.length === 0) throw groupNotFound();
    this.classHint.delete(`${scope.accountId}\n${scope.region}\n${name}`);
  }

  async getLogGroup(scope: Scope, name: string): Promise<LogGroup | undefined> {
    const { rows } = await this.db.query<GroupRow>(this.sql.getGroup, [scope.accountId, scope.region, name]);
    return rows[0] ? toGroup(rows[0]) : undefined;
  }

  async updateLogGroup(scope: Scope, name: string, patch: LogGroupPatch): Promise<void> {
    const sets: string[] = [];
    const values: unknown[] = [scope.accountId, scope.region, name];
    if (patch.retentionInDays !== undefined) {
      values.push(patch.retentionInDays);
      const r = `$${values.length}::integer`;
      // New events go to the new retention class; the group's older events stay readable in
      // their class until the background job moves them (see jobs.ts).
      sets.push(
        `retention_in_days = ${r}`,
        `data_classes = CASE WHEN COALESCE(${r}, 0) = ANY(data_classes) THEN data_classes ELSE data_classes || COALESCE(${r}, 0) END`,
        `retention_changed_at = CASE WHEN retention_in_days IS DISTINCT FROM ${r} THEN now() ELSE retention_changed_at END`,
      );
    }
    if (patch.kmsKeyId !== undefined) {
      values.push(patch.kmsKeyId);
      sets.push(`kms_key_id = $${values.length}::text`);
    }
    if (patch.deletionProtectionEnabled !== undefined) {
      values.push(patch.deletionProtectionEnabled);
      sets.push(`deletion_protection = $${values.length}::boolean`);
    }
    const set = sets.length > 0 ? sets.join(', ') : 'name = name';
    const { rowCount } = await this.db.query(
      `UPDATE ${this.sql.s}.log_groups SET ${set} WHERE account_id = $1 AND region = $2 AND name = $3`,
      values,
    );
    if (rowCount === 0) throw groupNotFound();
  }

  async listLogGroups(scope: Scope, query: ListLogGroupsQuery): Promise<LogGroup[]> {
    const where = ['g.account_id = $1', 'g.region = $2'];
    const values: unknown[] = [scope.accountId, scope.region];
    const param = (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    };
    if (query.namePrefix !== undefined) where.push(`starts_with(g.name, ${param(query.namePrefix)}::text)`);
    if (query.nameContains !== undefined && query.nameContains !== '') where.push(`strpos(g.name, ${param(query.nameContains)}::text) > 0`);
    if (query.names !== undefined) where.push(`g.name = ANY(${param(query.names)}::text[])`);
    if (query.logGroupClass !== undefined) where.push(`g.log_group_class = ${param(query.logGroupClass)}::text`);
    if (query.afterName !== undefined) where.push(`g.name > ${param(query.afterName)}::text`);
    const limit = param(query.limit);
    const { rows } = await this.db.query<GroupRow>(
      `SELECT ${this.sql.groupColumns} FROM ${this.sql.s}.log_groups g WHERE ${where.join(' AND ')} ORDER BY g.name LIMIT ${limit}`,
      values,
    );
    return rows.map(toGroup);
  }

  async createLogStream(scope: Scope, groupName: string, name: string, creationTime: number): Promise<void> {
    const { rows } = await this.db.query<{ group_id: number; inserted: boolean }>(
      `WITH g AS (SELECT id FROM ${this.sql.s}.log_groups WHERE account_id = $1 AND region = $2 AND name = $3),
            ins AS (INSERT INTO ${this.sql.s}.log_streams (group_id, name, creation_time) SELECT id, $4, $5 FROM g
                    ON CONFLICT (group_id, name) DO NOTHING RETURNING id)
       SELECT g.id AS group_id, EXISTS (SELECT 1 FROM ins) AS inserted FROM g`,
      [scope.accountId, scope.region, groupName, name, creationTime],
    );
    const row = rows[0];
    if (!row) throw groupNotFound();
    if (!row.inserted) throw new ResourceAlreadyExistsException('The specified log stream already exists');
  }

  async deleteLogStream(scope: Scope, groupName: string, name: string): Promise<void> {
    const s = this.sql.s;
    const { rows } = await this.db.query<{ group_id: number; deleted: boolean }>(
      `WITH g AS (SELECT id FROM ${s}.log_groups WHERE account_id = $1 AND region = $2 AND name = $3),
            st AS (DELETE FROM ${s}.log_streams ls USING g WHERE ls.group_id = g.id AND ls.name = $4
                   RETURNING ls.id, ls.group_id, ls.stored_bytes),
            gb AS (UPDATE ${s}.group_stored_bytes gb SET bytes = gb.bytes - st.stored_bytes FROM st
                   WHERE gb.group_id = st.group_id AND gb.slot = (st.id % ${GROUP_BYTES_SLOTS})::integer),
            q AS (INSERT INTO ${s}.reclaim_queue (group_id, stream_id) SELECT group_id, id FROM st)
       SELECT g.id AS group_id, EXISTS (SELECT 1 FROM st) AS deleted FROM g`,
      [scope.accountId, scope.region, groupName, name],
    );
    const row = rows[0];
    if (!row) throw groupNotFound();
    if (!row.deleted) throw streamNotFound();
  }

  async getLogStream(scope: Scope, groupName: string, name: string): Promise<LogStream | undefined> {
    const { rows } = await this.db.query<StreamRow & { group_id: number }>(this.sql.getStream, [scope.accountId, scope.region, groupName, name]);
    const row = rows[0];
    if (!row) throw groupNotFound();
    return row.name === null ? undefined : toStream(groupName, row);
  }

  async listLogStreams(scope: Scope, groupName: string, query: ListLogStreamsQuery): Promise<LogStream[]> {
    const group = await this.groupRef(scope, groupName);
    const where = ['group_id = $1'];
    const values: unknown[] = [group.id];
    const param = (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    };
    if (query.namePrefix !== undefined) where.push(`starts_with(name, ${param(query.namePrefix)}::text)`);
    const dir = query.descending ? 'DESC' : 'ASC';
    const cmp = query.descending ? '<' : '>';
    let order: string;
    if (query.orderBy === 'LastEventTime') {
      // Streams without events sort as if their last event time were 0.
      order = `COALESCE(last_event_timestamp, 0) ${dir}, name ${dir}`;
      if (query.after) {
        where.push(`(COALESCE(last_event_timestamp, 0), name) ${cmp} (${param(query.after.lastEventTime)}::bigint, ${param(query.after.name)}::text)`);
      }
    } else {
      order = `name ${dir}`;
      if (query.after) where.push(`name ${cmp} ${param(query.after.name)}::text`);
    }
    const limit = param(query.limit);
    const { rows } = await this.db.query<StreamRow>(
      `SELECT name, creation_time, first_event_timestamp, last_event_timestamp, last_ingestion_time, stored_bytes
       FROM ${this.sql.s}.log_streams WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${limit}`,
      values,
    );
    return rows.map((row) => toStream(groupName, row));
  }

  async appendEvents(
    scope: Scope,
    groupName: string,
    streamName: string,
    input: readonly InputLogEvent[],
    ingestionTime: number,
  ): Promise<AppendResult> {
    if (input.length === 0) {
      await this.streamRef(scope, groupName, streamName);
      return { firstId: 0 };
    }
    // The core hands events over in chronological order; chunks rely on it, so make sure.
    let events = input;
    for (let i = 1; i < events.length; i++) {
      if (events[i]!.timestamp < events[i - 1]!.timestamp) {
        events = [...input].sort((a, b) => a.timestamp - b.timestamp);
        break;
      }
    }
    const batches: PreparedBatch[] = [];
    for (let i = 0; i < events.length; i += BATCH_ID_SPAN) batches.push(prepareBatch(events.slice(i, i + BATCH_ID_SPAN)));
    const hintKey = `${scope.accountId}\n${scope.region}\n${groupName}`;
    const chunkStarts = batches.flatMap((b) => b.chunkMinTimestamps);
    const hinted = this.classHint.get(hintKey);
    if (hinted !== undefined) await this.partitions.ensure(partitionsAt(hinted, chunkStarts));
    const simple = batches.length === 1;
    let appended: AppendedBatch[];
    for (let attempt = 0; ; attempt++) {
      try {
        appended = simple
          ? [await this.appendBatch(this.db.pool, scope, groupName, streamName, batches[0]!, ingestionTime)]
          : await this.db.transaction(async (client) => {
              const out: AppendedBatch[] = [];
              for (const batch of batches) out.push(await this.appendBatch(client, scope, groupName, streamName, batch, ingestionTime));
              return out;
            });
        break;
      } catch (err) {
        if ((err as { code?: string }).code !== NO_PARTITION || attempt >= 2) throw err;
        // The chunks' partitions do not exist yet (or were dropped): create them and try again.
        const { rows } = await this.db.query<{ cls: number }>(
          `SELECT COALESCE(retention_in_days, 0) AS cls FROM ${this.sql.s}.log_groups WHERE account_id = $1 AND region = $2 AND name = $3`,
          [scope.accountId, scope.region, groupName],
        );
        const cls = rows[0]?.cls;
        if (cls === undefined) throw groupNotFound();
        const specs = partitionsAt(cls, chunkStarts);
        for (const spec of specs) this.partitions.forget(spec);
        await this.partitions.ensure(specs);
      }
    }
    this.classHint.set(hintKey, appended[0]!.retentionClass);
    if (this.listeners.size > 0) {
      for (const { firstId, events: batchEvents } of appended) {
        const stored: StoredLogEvent[] = batchEvents.map((event, i) => ({
          id: firstId + i,
          streamName,
          timestamp: event.timestamp,
          ingestionTime,
          message: event.message,
        }));
        this.emit(appendedEvents(scope, groupName, streamName, stored));
      }
    }
    return { firstId: appended[0]!.firstId };
  }

  private async appendBatch(
    on: Queryable,
    scope: Scope,
    groupName: string,
    streamName: string,
    batch: PreparedBatch,
    ingestionTime: number,
  ): Promise<AppendedBatch> {
    const result = await this.db.query<{ batch: number; cls: number }>(
      this.sql.append,
      [
        scope.accountId, scope.region, groupName, streamName, batch.minTimestamp, batch.maxTimestamp, ingestionTime, batch.bytes,
        batch.chunkFirstIndexes, batch.chunkMinTimestamps, batch.chunkMaxTimestamps, batch.data, batch.events.length, this.nodeId,
        this.db.channel, batch.chunkCounts, batch.chunkOffsets, batch.chunkLengths,
      ],
      on,
    );
    const row = result.rows[0];
    if (!row) {
      await this.streamRef(scope, groupName, streamName); // throws the precise not-found error
      throw streamNotFound();
    }
    return { firstId: row.batch * BATCH_ID_SPAN, retentionClass: row.cls, events: batch.events };
  }

  private emit(batch: AppendedEvents): void {
    this.listeners.emit(batch);
  }

  onAppend(listener: (batch: AppendedEvents) => void): () => void {
    this.listeners.add(listener);
    if (!this.notifier) {
      this.notifier = new AppendNotifier(this.db, this.nodeId, (batch) => this.emit(batch));
      this.notifier.start();
    }
    return () => this.listeners.delete(listener);
  }

  /** Resolves once appends by other nodes reach this node's listeners (after the first onAppend). */
  async listening(): Promise<void> {
    await this.notifier?.ready;
  }

  /** Drops the LISTEN connection as a network failure would (for tests of catch-up). */
  simulateListenerDisconnect(): void {
    this.notifier?.dropConnection();
  }

  /** Chunk headers in merge order: forward by first timestamp, backward by last timestamp. */
  private chunkSource(
    groupId: number,
    dataClasses: number[],
    streamIds: number[] | undefined,
    range: { low: number; high: number },
    descending: boolean,
  ): ChunkSource {
    const s = this.sql.s;
    const streams = streamIds === undefined ? '' : streamIds.length === 1 ? 'AND stream_id = $3::bigint' : 'AND stream_id = ANY($3::bigint[])';
    const streamValue = streamIds === undefined ? [] : [streamIds.length === 1 ? streamIds[0] : streamIds];
    const n = 2 + streamValue.length;
    // A chunk spans at most MAX_CHUNK_SPAN_MS, which bounds where one overlapping `low` can start.
    const window = descending
      ? `max_timestamp >= $${n + 1}::bigint AND min_timestamp <= $${n + 2}::bigint AND max_timestamp <= $${n + 2}::bigint + ${MAX_CHUNK_SPAN_MS}`
      : `min_timestamp >= $${n + 1}::bigint - ${MAX_CHUNK_SPAN_MS} AND max_timestamp >= $${n + 1}::bigint AND min_timestamp <= $${n + 2}::bigint`;
    const key = descending ? 'max_timestamp' : 'min_timestamp';
    const dir = descending ? 'DESC' : 'ASC';
    const columns = 'stream_id, retention_class, batch, first_index, min_timestamp, max_timestamp, event_count, ingestion_time';
    const where = `FROM ${s}.event_chunks WHERE group_id = $1::bigint AND retention_class = ANY($2::integer[]) ${streams} AND ${window}`;
    const select = `SELECT ${columns} ${where}`;
    const order = `ORDER BY ${key} ${dir}, batch ${dir}, first_index ${dir} LIMIT $${n + 3}::integer`;
    const firstPage = `SELECT ${columns}, data ${where} ${order}`;
    const nextPage = `${select} AND (${key}, batch, first_index) ${descending ? '<' : '>'} ($${n + 4}::bigint, $${n + 5}::bigint, $${n + 6}::integer) ${order}`;
    const base = [groupId, dataClasses, ...streamValue, range.low, range.high];
    const load = `SELECT data FROM ${s}.event_chunks WHERE group_id = $1::bigint AND stream_id = $2::bigint AND retention_class = $3::integer
      AND min_timestamp = $4::bigint AND batch = $5::bigint AND first_index = $6::integer`;
    return {
      headers: async (after, pageSize) => {
        const values = after
          ? [...base, pageSize, descending ? after.maxTimestamp : after.minTimestamp, after.batch, after.firstIndex]
          : [...base, pageSize];
        const { rows } = await this.db.query<ChunkRow>(after ? nextPage : firstPage, values);
        return rows.map(toChunkHeader);
      },
      load: async (h) => {
        const { rows } = await this.db.query<{ data: Buffer }>(load, [groupId, h.streamId, h.retentionClass, h.minTimestamp, h.batch, h.firstIndex]);
        // A chunk moved or dropped since its header was read reads as empty.
        return rows[0]?.data ?? EMPTY_CHUNK;
      },
    };
  }

  async readStream(scope: Scope, groupName: string, streamName: string, query: ReadStreamQuery): Promise<StoredLogEvent[]> {
    const ref = await this.streamRef(scope, groupName, streamName);
    const forward = query.direction === 'forward';
    const start = query.startTime ?? MIN_TIME;
    const end = query.endTime ?? MAX_TIME; // exclusive
    const from = query.from;
    const range = {
      low: Math.max(start, forward && from ? from.timestamp : MIN_TIME),
      high: Math.min(end - 1, !forward && from ? from.timestamp : MAX_TIME),
    };
    if (range.low > range.high) return [];
    const accept = (timestamp: number, id: number) =>
      timestamp >= start &&
      timestamp < end &&
      (!from ||
        (forward
          ? timestamp > from.timestamp || (timestamp === from.timestamp && id > from.id)
          : timestamp < from.timestamp || (timestamp === from.timestamp && id < from.id)));
    const merger = new ChunkMerger(this.chunkSource(ref.id, ref.dataClasses, [ref.streamId], range, !forward), !forward, accept);
    const events = await merger.next(query.limit);
    return events.map((e) => ({ id: e.id, streamName, timestamp: e.timestamp, ingestionTime: e.ingestionTime, message: e.message }));
  }

  async *scan(scope: Scope, groupName: string, query: ScanQuery, signal?: AbortSignal): AsyncIterable<StoredLogEvent[]> {
    const s = this.sql.s;
    const group = await this.groupRef(scope, groupName);
    const names = new Map<number, string>();
    let streamIds: number[] | undefined;
    if (query.streamNames !== undefined || query.streamNamePrefix !== undefined) {
      const filter = query.streamNames !== undefined ? 'name = ANY($2::text[])' : 'starts_with(name, $2::text)';
      const { rows } = await this.db.query<{ id: number; name: string }>(
        `SELECT id, name FROM ${s}.log_streams WHERE group_id = $1 AND ${filter}`,
        [group.id, query.streamNames ?? query.streamNamePrefix],
      );
      if (rows.length === 0) return;
      for (const row of rows) names.set(row.id, row.name);
      streamIds = [...names.keys()];
    }
    const start = query.startTime ?? MIN_TIME;
    const end = query.endTime ?? MAX_TIME; // inclusive
    const from = query.from;
    const descending = query.descending;
    const range = {
      low: Math.max(start, !descending && from ? from.timestamp : MIN_TIME),
      high: Math.min(end, descending && from ? from.timestamp : MAX_TIME),
    };
    if (range.low > range.high) return;
    const accept = (timestamp: number, id: number) =>
      timestamp >= start &&
      timestamp <= end &&
      (!from ||
        (descending
          ? timestamp < from.timestamp || (timestamp === from.timestamp && id < from.id)
          : timestamp > from.timestamp || (timestamp === from.timestamp && id > from.id)));
    const merger = new ChunkMerger(this.chunkSource(group.id, group.dataClasses, streamIds, range, descending), descending, accept);
    for (;;) {
      if (signal?.aborted) return;
      const events = await merger.next(this.scanBatchSize);
      if (events.length === 0) return;
      if (streamIds === undefined) {
        const unknown = [...new Set(events.map((e) => e.streamId))].filter((id) => !names.has(id));
        if (unknown.length > 0) {
          const found = await this.db.query<{ id: number; name: string }>(
            `SELECT id, name FROM ${s}.log_streams WHERE group_id = $1 AND id = ANY($2::bigint[])`,
            [group.id, unknown],
          );
          for (const row of found.rows) names.set(row.id, row.name);
        }
      }
      const batch: StoredLogEvent[] = [];
      for (const e of events) {
        const streamName = names.get(e.streamId);
        // Events of a deleted stream wait for the background job: skip them.
        if (streamName === undefined) continue;
        batch.push({ id: e.id, streamName, timestamp: e.timestamp, ingestionTime: e.ingestionTime, message: e.message });
      }
      if (batch.length > 0) yield batch;
    }
  }

  async enforceRetention(now: number): Promise<number> {
    return runBackgroundJobs(this.db, this.partitions, { now, nodeId: this.nodeId, minIntervalMs: this.minJobIntervalMs });
  }

  async putResource(scope: Scope, kind: string, key: string, value: unknown): Promise<void> {
    await this.db.query(
      `INSERT INTO ${this.sql.s}.resources (account_id, region, kind, key, value) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (account_id, region, kind, key) DO UPDATE SET value = excluded.value`,
      [scope.accountId, scope.region, kind, key, JSON.stringify(value)],
    );
  }

  async getResource<T>(scope: Scope, kind: string, key: string): Promise<T | undefined> {
    const { rows } = await this.db.query<{ value: string }>(
      `SELECT value FROM ${this.sql.s}.resources WHERE account_id = $1 AND region = $2 AND kind = $3 AND key = $4`,
      [scope.accountId, scope.region, kind, key],
    );
    return rows[0] ? (JSON.parse(rows[0].value) as T) : undefined;
  }

  async listResources<T>(scope: Scope, kind: string, prefix = ''): Promise<ResourceRecord<T>[]> {
    const { rows } = await this.db.query<{ key: string; value: string }>(
      `SELECT key, value FROM ${this.sql.s}.resources
       WHERE account_id = $1 AND region = $2 AND kind = $3 AND starts_with(key, $4::text) ORDER BY key`,
      [scope.accountId, scope.region, kind, prefix],
    );
    return rows.map((row) => ({ key: row.key, value: JSON.parse(row.value) as T }));
  }

  async deleteResource(scope: Scope, kind: string, key: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `DELETE FROM ${this.sql.s}.resources WHERE account_id = $1 AND region = $2 AND kind = $3 AND key = $4`,
      [scope.accountId, scope.region, kind, key],
    );
    return (rowCount ?? 0) > 0;
  }

  async deleteResources(scope: Scope, kind: string, prefix: string): Promise<void> {
    await this.db.query(
      `DELETE FROM ${this.sql.s}.resources WHERE account_id = $1 AND region = $2 AND kind = $3 AND starts_with(key, $4::text)`,
      [scope.accountId, scope.region, kind, prefix],
    );
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.notifier?.stop();
    await this.db.pool.end();
  }
}
