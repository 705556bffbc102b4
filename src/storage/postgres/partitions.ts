/**
 * Event chunks live in range partitions of (retention_class, min_timestamp). The retention class is the
 * group's retentionInDays when the events were written (0: never expire), so a partition holds
 * events that all expire at the same time and retention drops it whole instead of deleting rows.
 * Partition widths grow with the retention so a class never has more than a few dozen partitions.
 */
import { LockPurpose, quoteIdent, type Db } from './db.js';

const DAY_MS = 86_400_000;

export interface PartitionSpec {
  readonly retentionClass: number;
  readonly rangeStart: number;
  readonly rangeEnd: number;
  readonly tableName: string;
}

/** Width of a class's partitions: a partition outlives its events' expiry by at most one width. */
export function partitionWidthMs(retentionClass: number): number {
  if (retentionClass === 0) return 30 * DAY_MS;
  if (retentionClass <= 7) return DAY_MS;
  if (retentionClass <= 60) return 7 * DAY_MS;
  if (retentionClass <= 400) return 30 * DAY_MS;
  return 90 * DAY_MS;
}

export function partitionFor(retentionClass: number, timestamp: number): PartitionSpec {
  const width = partitionWidthMs(retentionClass);
  const index = Math.floor(timestamp / width);
  const rangeStart = index * width;
  const day = Math.round(rangeStart / DAY_MS);
  return {
    retentionClass,
    rangeStart,
    rangeEnd: rangeStart + width,
    tableName: `chunks_r${retentionClass}_d${day < 0 ? `m${-day}` : day}`,
  };
}

/** The partitions needed for events with timestamps in [min, max] of one class. */
export function partitionsBetween(retentionClass: number, min: number, max: number): PartitionSpec[] {
  const specs: PartitionSpec[] = [];
  for (let spec = partitionFor(retentionClass, min); spec.rangeStart <= max; spec = partitionFor(retentionClass, spec.rangeEnd)) {
    specs.push(spec);
  }
  return specs;
}

/** A chunk's events span at most this long (appends are split), so a chunk ends within a day of where it starts. */
export const MAX_CHUNK_SPAN_MS = DAY_MS;

/** A partition expires when every event it can hold is older than its class's retention. */
export function partitionExpired(spec: Pick<PartitionSpec, 'retentionClass' | 'rangeEnd'>, now: number): boolean {
  return spec.retentionClass > 0 && spec.rangeEnd + MAX_CHUNK_SPAN_MS + spec.retentionClass * DAY_MS <= now;
}

/**
 * Creates the partitions that do not exist yet. Each new table is created detached and then
 * attached, which locks the parent only in SHARE UPDATE EXCLUSIVE mode, so ingest and reads on
 * other partitions carry on. A transaction-scoped advisory lock serializes nodes doing the same.
 */
export class PartitionManager {
  private readonly known = new Set<string>();

  constructor(private readonly db: Db) {}

  private static key(spec: PartitionSpec): string {
    return `${spec.retentionClass}:${spec.rangeStart}`;
  }

  isKnown(spec: PartitionSpec): boolean {
    return this.known.has(PartitionManager.key(spec));
  }

  forget(spec: Pick<PartitionSpec, 'retentionClass' | 'rangeStart'>): void {
    this.known.delete(`${spec.retentionClass}:${spec.rangeStart}`);
  }

  async ensure(specs: readonly PartitionSpec[]): Promise<void> {
    const missing = specs.filter((spec) => !this.isKnown(spec));
    if (missing.length === 0) return;
    const { db } = this;
    await db.transaction(async (client) => {
      await client.query(`SET LOCAL lock_timeout = '10s'`);
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', [db.lockKey, LockPurpose.partitionDdl]);
      for (const spec of missing) {
        const { rowCount } = await client.query(
          `SELECT 1 FROM ${db.s}.event_partitions WHERE retention_class = $1 AND range_start = $2`,
          [spec.retentionClass, spec.rangeStart],
        );
        if (rowCount === 0) {
          const table = `${db.s}.${quoteIdent(spec.tableName)}`;
          await client.query(`CREATE TABLE ${table} (LIKE ${db.s}.event_chunks INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMPRESSION)`);
          await client.query(
            `ALTER TABLE ${db.s}.event_chunks ATTACH PARTITION ${table}
             FOR VALUES FROM (${spec.retentionClass}, ${spec.rangeStart}) TO (${spec.retentionClass}, ${spec.rangeEnd})`,
          );
          await client.query(
            `INSERT INTO ${db.s}.event_partitions (retention_class, range_start, range_end, table_name) VALUES ($1, $2, $3, $4)`,
            [spec.retentionClass, spec.rangeStart, spec.rangeEnd, spec.tableName],
          );
        }
      }
    });
    for (const spec of missing) this.known.add(PartitionManager.key(spec));
  }
}
