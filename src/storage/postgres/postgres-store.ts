/**
 * The PostgreSQL store: several stateless Logharbor nodes share one database (managed PostgreSQL,
 * or Citus distributing by account and log group; see docs/postgres.md).
 * - An append is one statement (its own transaction): it updates the stream's statistics, inserts
 *   the events, records the batch and NOTIFYs other nodes; it is acknowledged after COMMIT.
 * - Every read goes to the database, so a write acknowledged by one node is visible on all others.
 * - Background work (retention, reclaiming deleted data) runs on one node at a time (jobs.ts).
 */
import { randomUUID } from 'node:crypto';
import { ResourceAlreadyExistsException, ResourceNotFoundException } from '../../core/errors.js';
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
import type { InputLogEvent, LogGroup, LogGroupClass, LogStream, Scope, StoredLogEvent } from '../../core/types.js';
import { connect, migrate, type Db, type Queryable } from './db.js';
import { BATCH_ID_SPAN } from './ids.js';
import { runBackgroundJobs } from './jobs.js';
import { AppendNotifier } from './notifier.js';
import { PartitionManager, partitionsBetween } from './partitions.js';

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

interface GroupRow {
  id: number;
  name: string;
  creation_time: number;
  retention_in_days: number | null;
  kms_key_id: string | null;
  log_group_class: string;
  deletion_protection: boolean;
  stored_bytes: number;
}

interface StreamRow {
  name: string;
  creation_time: number;
  first_event_timestamp: number | null;
  last_event_timestamp: number | null;
  last_ingestion_time: number | null;
  stored_bytes: number;
}

interface EventRow {
  id: number;
  stream_id: number;
  timestamp: number;
  ingestion_time: number;
  message: string;
}

interface GroupRef {
  id: number;
  dataClasses: number[];
}

function toGroup(row: GroupRow): LogGroup {
  return {
    name: row.name,
    creationTime: row.creation_time,
    ...(row.retention_in_days !== null ? { retentionInDays: row.retention_in_days } : {}),
    ...(row.kms_key_id !== null ? { kmsKeyId: row.kms_key_id } : {}),
    logGroupClass: row.log_group_class as LogGroupClass,
    deletionProtectionEnabled: row.deletion_protection,
    storedBytes: row.stored_bytes,
  };
}

function toStream(groupName: string, row: StreamRow): LogStream {
  return {
    groupName,
    name: row.name,
    creationTime: row.creation_time,
    ...(row.first_event_timestamp !== null ? { firstEventTimestamp: row.first_event_timestamp } : {}),
    ...(row.last_event_timestamp !== null ? { lastEventTimestamp: row.last_event_timestamp } : {}),
    ...(row.last_ingestion_time !== null ? { lastIngestionTime: row.last_ingestion_time } : {}),
    storedBytes: row.stored_bytes,
  };
}

const groupNotFound = () => new ResourceNotFoundException('The specified log group does not exist.');
const streamNotFound = () => new ResourceNotFoundException('The specified log stream does not exist.');

/** PostgreSQL's error for a row that fits no partition. */
const NO_PARTITION = '23514';

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
  private readonly listeners = new Set<(batch: AppendedEvents) => void>();
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
      (SELECT COALESCE(sum(st.stored_bytes), 0)::bigint FROM ${s}.log_streams st WHERE st.group_id = g.id) AS stored_bytes`;
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
          INSERT INTO ${s}.events (retention_class, group_id, stream_id, timestamp, id, ingestion_time, message)
          SELECT b.cls, b.group_id, b.id, u.ts, b.batch * ${BATCH_ID_SPAN} + u.ord - 1, $7::bigint, u.msg
          FROM b, unnest($9::bigint[], $10::text[]) WITH ORDINALITY AS u(ts, msg, ord)
        ), rec AS (
          INSERT INTO ${s}.event_batches (id, group_id, stream_id, retention_class, min_timestamp, max_timestamp, event_count, node_id)
          SELECT b.batch, b.group_id, b.id, b.cls, $5::bigint, $6::bigint, $11::integer, $12::text FROM b
        )
        SELECT b.batch, b.cls, pg_notify($13::text, json_build_object(
          'b', b.batch, 'node', $12::text, 'a', $1::text, 'r', $2::text, 'g', $3::text, 's', $4::text,
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
            st AS (DELETE FROM ${s}.log_streams ls USING g WHERE ls.group_id = g.id AND ls.name = $4 RETURNING ls.id, ls.group_id),
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
    events: readonly InputLogEvent[],
    ingestionTime: number,
  ): Promise<AppendResult> {
    if (events.length === 0) {
      await this.streamRef(scope, groupName, streamName);
      return { firstId: 0 };
    }
    if (events.length <= BATCH_ID_SPAN) {
      const { firstId, appended } = await this.appendBatch(this.db.pool, scope, groupName, streamName, events, ingestionTime, true);
      if (appended) this.emit(appended);
      return { firstId };
    }
    // Larger than one batch's id span (AWS allows 10,000 per call): several batches, one transaction.
    const cls = (await this.db.query<{ cls: number }>(
      `SELECT COALESCE(retention_in_days, 0) AS cls FROM ${this.sql.s}.log_groups WHERE account_id = $1 AND region = $2 AND name = $3`,
      [scope.accountId, scope.region, groupName],
    )).rows[0]?.cls;
    if (cls === undefined) throw groupNotFound();
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const event of events) {
      if (event.timestamp < min) min = event.timestamp;
      if (event.timestamp > max) max = event.timestamp;
    }
    await this.partitions.ensure(partitionsBetween(cls, min, max));
    const results = await this.db.transaction(async (client) => {
      const parts = [];
      for (let i = 0; i < events.length; i += BATCH_ID_SPAN) {
        parts.push(await this.appendBatch(client, scope, groupName, streamName, events.slice(i, i + BATCH_ID_SPAN), ingestionTime, false));
      }
      return parts;
    });
    for (const { appended } of results) if (appended) this.emit(appended);
    return { firstId: results[0]!.firstId };
  }

  private async appendBatch(
    on: Queryable,
    scope: Scope,
    groupName: string,
    streamName: string,
    events: readonly InputLogEvent[],
    ingestionTime: number,
    /** false inside a caller's transaction: a failed statement has aborted it, so no retry */
    retry: boolean,
  ): Promise<{ firstId: number; appended?: AppendedEvents }> {
    const timestamps = new Array<number>(events.length);
    const messages = new Array<string>(events.length);
    let bytes = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      timestamps[i] = event.timestamp;
      messages[i] = event.message;
      bytes += Buffer.byteLength(event.message, 'utf8');
      if (event.timestamp < min) min = event.timestamp;
      if (event.timestamp > max) max = event.timestamp;
    }
    const hintKey = `${scope.accountId}\n${scope.region}\n${groupName}`;
    const hinted = this.classHint.get(hintKey);
    if (hinted !== undefined) await this.partitions.ensure(partitionsBetween(hinted, min, max));
    const values = [
      scope.accountId, scope.region, groupName, streamName, min, max, ingestionTime, bytes,
      timestamps, messages, events.length, this.nodeId, this.db.channel,
    ];
    let result;
    for (let attempt = 0; ; attempt++) {
      try {
        result = await this.db.query<{ batch: number; cls: number }>(this.sql.append, values, on);
        break;
      } catch (err) {
        if ((err as { code?: string }).code !== NO_PARTITION || attempt >= 2) throw err;
        // The events' partitions do not exist yet (or were dropped): create them and try again.
        const { rows } = await this.db.query<{ cls: number }>(
          `SELECT COALESCE(retention_in_days, 0) AS cls FROM ${this.sql.s}.log_groups WHERE account_id = $1 AND region = $2 AND name = $3`,
          [scope.accountId, scope.region, groupName],
        );
        const cls = rows[0]?.cls;
        if (cls === undefined) throw groupNotFound();
        const specs = partitionsBetween(cls, min, max);
        for (const spec of specs) this.partitions.forget(spec);
        if (!retry) throw err; // inside a caller's transaction, which this error has aborted
        await this.partitions.ensure(specs);
      }
    }
    const row = result.rows[0];
    if (!row) {
      await this.streamRef(scope, groupName, streamName); // throws the precise not-found error
      throw streamNotFound();
    }
    this.classHint.set(hintKey, row.cls);
    const firstId = row.batch * BATCH_ID_SPAN;
    if (this.listeners.size === 0) return { firstId };
    const stored: StoredLogEvent[] = events.map((event, i) => ({
      id: firstId + i,
      streamName,
      timestamp: event.timestamp,
      ingestionTime,
      message: event.message,
    }));
    return { firstId, appended: { scope, groupName, streamName, events: stored } };
  }

  private emit(batch: AppendedEvents): void {
    for (const listener of this.listeners) {
      try {
        listener(batch);
      } catch {
        // A listener's failure must never fail a write that has already committed.
      }
    }
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

  async readStream(scope: Scope, groupName: string, streamName: string, query: ReadStreamQuery): Promise<StoredLogEvent[]> {
    const ref = await this.streamRef(scope, groupName, streamName);
    const where = ['group_id = $1', 'stream_id = $2', 'retention_class = ANY($3::integer[])'];
    const values: unknown[] = [ref.id, ref.streamId, ref.dataClasses];
    const param = (value: unknown) => {
      values.push(value);
      return `$${values.length}::bigint`;
    };
    if (query.startTime !== undefined) where.push(`timestamp >= ${param(query.startTime)}`);
    if (query.endTime !== undefined) where.push(`timestamp < ${param(query.endTime)}`);
    const forward = query.direction === 'forward';
    if (query.from) where.push(`(timestamp, id) ${forward ? '>' : '<'} (${param(query.from.timestamp)}, ${param(query.from.id)})`);
    const dir = forward ? 'ASC' : 'DESC';
    const limit = param(query.limit);
    const { rows } = await this.db.query<EventRow>(
      `SELECT id, timestamp, ingestion_time, message FROM ${this.sql.s}.events
       WHERE ${where.join(' AND ')} ORDER BY timestamp ${dir}, id ${dir} LIMIT ${limit}`,
      values,
    );
    return rows.map((row) => ({ id: row.id, streamName, timestamp: row.timestamp, ingestionTime: row.ingestion_time, message: row.message }));
  }

  async *scan(scope: Scope, groupName: string, query: ScanQuery, signal?: AbortSignal): AsyncIterable<StoredLogEvent[]> {
    const s = this.sql.s;
    const group = await this.groupRef(scope, groupName);
    const names = new Map<number, string>();
    const where = ['group_id = $1', 'retention_class = ANY($2::integer[])'];
    const values: unknown[] = [group.id, group.dataClasses];
    const param = (value: unknown, type: string) => {
      values.push(value);
      return `$${values.length}::${type}`;
    };
    if (query.streamNames !== undefined || query.streamNamePrefix !== undefined) {
      const filter = query.streamNames !== undefined ? 'name = ANY($2::text[])' : 'starts_with(name, $2::text)';
      const { rows } = await this.db.query<{ id: number; name: string }>(
        `SELECT id, name FROM ${s}.log_streams WHERE group_id = $1 AND ${filter}`,
        [group.id, query.streamNames ?? query.streamNamePrefix],
      );
      if (rows.length === 0) return;
      for (const row of rows) names.set(row.id, row.name);
      where.push(`stream_id = ANY(${param([...names.keys()], 'bigint[]')})`);
    }
    if (query.startTime !== undefined) where.push(`timestamp >= ${param(query.startTime, 'bigint')}`);
    if (query.endTime !== undefined) where.push(`timestamp <= ${param(query.endTime, 'bigint')}`);
    const cmp = query.descending ? '<' : '>';
    const dir = query.descending ? 'DESC' : 'ASC';
    const limit = param(this.scanBatchSize, 'integer');
    const select = `SELECT id, stream_id, timestamp, ingestion_time, message FROM ${s}.events WHERE ${where.join(' AND ')}`;
    const order = `ORDER BY timestamp ${dir}, id ${dir} LIMIT ${limit}`;
    const first = `${select} ${order}`;
    const n = values.length;
    const next = `${select} AND (timestamp, id) ${cmp} ($${n + 1}::bigint, $${n + 2}::bigint) ${order}`;
    const filtered = query.streamNames !== undefined || query.streamNamePrefix !== undefined;
    let from = query.from;
    for (;;) {
      if (signal?.aborted) return;
      const { rows } = await this.db.query<EventRow>(from ? next : first, from ? [...values, from.timestamp, from.id] : values);
      if (rows.length === 0) return;
      if (!filtered) {
        const unknown = [...new Set(rows.map((r) => r.stream_id))].filter((id) => !names.has(id));
        if (unknown.length > 0) {
          const found = await this.db.query<{ id: number; name: string }>(
            `SELECT id, name FROM ${s}.log_streams WHERE group_id = $1 AND id = ANY($2::bigint[])`,
            [group.id, unknown],
          );
          for (const row of found.rows) names.set(row.id, row.name);
        }
      }
      const batch: StoredLogEvent[] = [];
      for (const row of rows) {
        const streamName = names.get(row.stream_id);
        // Events of a deleted stream wait for the background job: skip them.
        if (streamName === undefined) continue;
        batch.push({ id: row.id, streamName, timestamp: row.timestamp, ingestionTime: row.ingestion_time, message: row.message });
      }
      const last = rows[rows.length - 1]!;
      from = { timestamp: last.timestamp, id: last.id };
      if (batch.length > 0) yield batch;
      if (rows.length < this.scanBatchSize) return;
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
