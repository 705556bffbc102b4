/**
 * The embedded store: one SQLite database in WAL mode through better-sqlite3.
 * A write is acknowledged only after its transaction commits (synchronous=FULL by default, so it
 * survives power loss as well as kill -9).
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
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
import { MIGRATIONS } from './schema.js';

export interface SqliteStoreOptions {
  /** a file path, or ':memory:' */
  readonly path: string;
  /** 'FULL' survives power loss; 'NORMAL' survives process crashes (kill -9) only. */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /** rows fetched per scan batch */
  readonly scanBatchSize?: number;
}

interface GroupRow {
  id: number;
  name: string;
  creation_time: number;
  retention_in_days: number | null;
  kms_key_id: string | null;
  log_group_class: string;
  deletion_protection: number;
  stored_bytes: number;
}

interface StreamRow {
  id: number;
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

const DAY_MS = 86_400_000;

function toGroup(row: GroupRow): LogGroup {
  return {
    name: row.name,
    creationTime: row.creation_time,
    ...(row.retention_in_days !== null ? { retentionInDays: row.retention_in_days } : {}),
    ...(row.kms_key_id !== null ? { kmsKeyId: row.kms_key_id } : {}),
    logGroupClass: row.log_group_class as LogGroupClass,
    deletionProtectionEnabled: row.deletion_protection === 1,
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

/** Escapes LIKE wildcards so a prefix is matched literally (with ESCAPE '\'). */
function likePrefix(prefix: string): string {
  return prefix.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
}

export class SqliteLogStore implements LogStore {
  readonly capabilities: StoreCapabilities = { tail: 'notify' };
  private readonly db: Database.Database;
  private readonly listeners = new Set<(batch: AppendedEvents) => void>();
  private readonly scanBatchSize: number;
  private readonly stmts;

  constructor(options: SqliteStoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('cache_size = -65536');
    this.scanBatchSize = options.scanBatchSize ?? 2_000;
    this.migrate();
    const db = this.db;
    this.stmts = {
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
      insertStream: db.prepare('INSERT INTO log_streams (group_id, name, creation_time) VALUES (?, ?, ?)'),
      deleteStream: db.prepare('DELETE FROM log_streams WHERE id = ?'),
      insertEvent: db.prepare('INSERT INTO events (group_id, stream_id, timestamp, ingestion_time, message) VALUES (?, ?, ?, ?, ?)'),
      updateStreamStats: db.prepare(
        `UPDATE log_streams SET
           first_event_timestamp = MIN(COALESCE(first_event_timestamp, @first), @first),
           last_event_timestamp = MAX(COALESCE(last_event_timestamp, @last), @last),
           last_ingestion_time = @ingestionTime,
           stored_bytes = stored_bytes + @bytes
         WHERE id = @id`,
      ),
      updateGroupBytes: db.prepare('UPDATE log_groups SET stored_bytes = stored_bytes + ? WHERE id = ?'),
      streamNames: db.prepare<[number], { id: number; name: string }>('SELECT id, name FROM log_streams WHERE group_id = ?'),
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

  private groupRow(scope: Scope, name: string): GroupRow | undefined {
    return this.stmts.groupByName.get(scope.accountId, scope.region, name);
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
  }

  async deleteLogGroup(scope: Scope, name: string): Promise<void> {
    const row = this.requireGroup(scope, name);
    // Group ids are never reused (AUTOINCREMENT), so the group's events become unreachable at once;
    // reclaimOrphans() removes them in the background.
    this.db.transaction(() => {
      this.stmts.deleteGroupStreams.run(row.id);
      this.stmts.deleteGroup.run(row.id);
    })();
    this.scheduleReclaim();
  }

  async getLogGroup(scope: Scope, name: string): Promise<LogGroup | undefined> {
    const row = this.groupRow(scope, name);
    return row ? toGroup(row) : undefined;
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
  ): Promise<AppendResult> {
    const group = this.requireGroup(scope, groupName);
    const stream = this.requireStream(group.id, streamName);
    let firstId = 0;
    const stored: StoredLogEvent[] = [];
    const wantStored = this.listeners.size > 0;
    this.db.transaction(() => {
      let bytes = 0;
      let first = Number.POSITIVE_INFINITY;
      let last = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < events.length; i++) {
        const event = events[i]!;
        const { lastInsertRowid } = this.stmts.insertEvent.run(group.id, stream.id, event.timestamp, ingestionTime, event.message);
        const id = Number(lastInsertRowid);
        if (i === 0) firstId = id;
        if (wantStored) stored.push({ id, streamName, timestamp: event.timestamp, ingestionTime, message: event.message });
        bytes += Buffer.byteLength(event.message, 'utf8');
        if (event.timestamp < first) first = event.timestamp;
        if (event.timestamp > last) last = event.timestamp;
      }
      if (events.length > 0) {
        this.stmts.updateStreamStats.run({ id: stream.id, first, last, ingestionTime, bytes });
        this.stmts.updateGroupBytes.run(bytes, group.id);
      }
    })();
    if (wantStored && stored.length > 0) this.emit({ scope, groupName, streamName, events: stored });
    return { firstId };
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
    return () => this.listeners.delete(listener);
  }

  async readStream(scope: Scope, groupName: string, streamName: string, query: ReadStreamQuery): Promise<StoredLogEvent[]> {
    const group = this.requireGroup(scope, groupName);
    const stream = this.requireStream(group.id, streamName);
    const where = ['stream_id = @streamId'];
    const params: Record<string, unknown> = { streamId: stream.id, limit: query.limit };
    if (query.startTime !== undefined) {
      where.push('timestamp >= @startTime');
      params['startTime'] = query.startTime;
    }
    if (query.endTime !== undefined) {
      where.push('timestamp < @endTime');
      params['endTime'] = query.endTime;
    }
    const forward = query.direction === 'forward';
    if (query.from) {
      where.push(`(timestamp, id) ${forward ? '>' : '<'} (@fromTime, @fromId)`);
      params['fromTime'] = query.from.timestamp;
      params['fromId'] = query.from.id;
    }
    const dir = forward ? 'ASC' : 'DESC';
    const rows = this.db
      .prepare<Record<string, unknown>, EventRow>(
        `SELECT id, stream_id, timestamp, ingestion_time, message FROM events INDEXED BY events_by_stream
         WHERE ${where.join(' AND ')} ORDER BY timestamp ${dir}, id ${dir} LIMIT @limit`,
      )
      .all(params);
    return rows.map((row) => ({
      id: row.id,
      streamName,
      timestamp: row.timestamp,
      ingestionTime: row.ingestion_time,
      message: row.message,
    }));
  }

  async *scan(scope: Scope, groupName: string, query: ScanQuery, signal?: AbortSignal): AsyncIterable<StoredLogEvent[]> {
    const group = this.requireGroup(scope, groupName);
    const names = new Map<number, string>();
    const loadNames = () => {
      for (const row of this.stmts.streamNames.all(group.id)) names.set(row.id, row.name);
    };
    loadNames();
    const where = ['group_id = @groupId'];
    const params: Record<string, unknown> = { groupId: group.id, limit: this.scanBatchSize };
    if (query.streamNames !== undefined) {
      const ids = [...names].filter(([, name]) => query.streamNames!.includes(name)).map(([id]) => id);
      if (ids.length === 0) return;
      where.push(`stream_id IN (${ids.join(',')})`);
    } else if (query.streamNamePrefix !== undefined) {
      const prefix = query.streamNamePrefix;
      const ids = [...names].filter(([, name]) => name.startsWith(prefix)).map(([id]) => id);
      if (ids.length === 0) return;
      where.push(`stream_id IN (${ids.join(',')})`);
    }
    if (query.startTime !== undefined) {
      where.push('timestamp >= @startTime');
      params['startTime'] = query.startTime;
    }
    if (query.endTime !== undefined) {
      where.push('timestamp <= @endTime');
      params['endTime'] = query.endTime;
    }
    const cmp = query.descending ? '<' : '>';
    const dir = query.descending ? 'DESC' : 'ASC';
    const base = where.join(' AND ');
    const first = this.db.prepare<Record<string, unknown>, EventRow>(
      `SELECT id, stream_id, timestamp, ingestion_time, message FROM events INDEXED BY events_by_group
       WHERE ${base} ORDER BY timestamp ${dir}, id ${dir} LIMIT @limit`,
    );
    const next = this.db.prepare<Record<string, unknown>, EventRow>(
      `SELECT id, stream_id, timestamp, ingestion_time, message FROM events INDEXED BY events_by_group
       WHERE ${base} AND (timestamp, id) ${cmp} (@fromTime, @fromId) ORDER BY timestamp ${dir}, id ${dir} LIMIT @limit`,
    );
    let from = query.from;
    for (;;) {
      if (signal?.aborted) return;
      const rows = from ? next.all({ ...params, fromTime: from.timestamp, fromId: from.id }) : first.all(params);
      if (rows.length === 0) return;
      const batch: StoredLogEvent[] = [];
      for (const row of rows) {
        let streamName = names.get(row.stream_id);
        if (streamName === undefined) {
          loadNames();
          streamName = names.get(row.stream_id);
        }
        // Events of a stream deleted meanwhile are skipped.
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
    const groups = this.db
      .prepare<[], { id: number; retention_in_days: number }>('SELECT id, retention_in_days FROM log_groups WHERE retention_in_days IS NOT NULL')
      .all();
    let removed = 0;
    const del = this.db.prepare(
      'DELETE FROM events WHERE id IN (SELECT id FROM events WHERE group_id = ? AND timestamp < ? LIMIT 10000)',
    );
    for (const group of groups) {
      const cutoff = now - group.retention_in_days * DAY_MS;
      for (;;) {
        const { changes } = del.run(group.id, cutoff);
        removed += changes;
        if (changes < 10_000) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    await this.reclaimOrphans();
    return removed;
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

  /** Deletes, in small transactions, events whose stream or group no longer exists. */
  async reclaimOrphans(): Promise<number> {
    const del = this.db.prepare(
      `DELETE FROM events WHERE id IN (
         SELECT id FROM events WHERE stream_id NOT IN (SELECT id FROM log_streams) LIMIT 10000)`,
    );
    let removed = 0;
    for (;;) {
      if (!this.db.open) return removed;
      const { changes } = del.run();
      removed += changes;
      if (changes < 10_000) return removed;
      await new Promise((resolve) => setImmediate(resolve));
    }
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
    if (this.db.open) this.db.close();
  }
}
