/**
 * Background work for the PostgreSQL store, run by one node at a time: every node calls
 * enforceRetention on its timer, a session advisory lock lets one of them in (and is released by
 * PostgreSQL itself if that node dies), and the job_runs row makes it run once per interval
 * across the nodes rather than once per node.
 *
 * 1. Events written before a group's retention changed live in the old retention class: delete
 *    those the new retention has expired, and move the rest into the group's current class.
 * 2. Drop whole partitions whose events have all expired (no row-by-row deletes).
 * 3. Remove the events of deleted streams and groups, in bounded batches.
 * 4. Forget old append records (catch-up only needs the recent ones) and create the partitions
 *    the next appends will need, so DDL stays off the ingest path.
 */
import { LockPurpose, quoteIdent, type Db } from './db.js';
import { DecodedChunk } from './chunk-codec.js';
import { MAX_CHUNK_SPAN_MS, partitionExpired, partitionFor, partitionsBetween, type PartitionManager } from './partitions.js';

const DAY_MS = 86_400_000;
/** Appends read the group's retention class when they start; none runs longer than this. */
const RETENTION_CHANGE_SETTLE_MS = 10 * 60_000;
/** chunks deleted per statement when reclaiming a deleted stream or group */
const RECLAIM_BATCH = 1_000;
/** How long append records are kept for other nodes' catch-up. */
const BATCH_RECORD_TTL_MS = 60 * 60_000;

export interface JobOptions {
  readonly now: number;
  readonly nodeId: string;
  readonly minIntervalMs: number;
}

export async function runBackgroundJobs(db: Db, partitions: PartitionManager, options: JobOptions): Promise<number> {
  const lockClient = await db.pool.connect();
  let locked = false;
  try {
    const { rows } = await lockClient.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [
      db.lockKey,
      LockPurpose.backgroundJobs,
    ]);
    locked = rows[0]?.locked === true;
    if (!locked) return 0; // another node is running them right now
    if (options.minIntervalMs > 0) {
      const claimed = await db.query(
        `INSERT INTO ${db.s}.job_runs (name, last_run_at, node_id) VALUES ('background', now(), $1)
         ON CONFLICT (name) DO UPDATE SET last_run_at = now(), node_id = $1
         WHERE job_runs.last_run_at <= now() - make_interval(secs => $2::double precision / 1000)`,
        [options.nodeId, options.minIntervalMs],
      );
      if (claimed.rowCount === 0) return 0; // another node ran them within the interval
    }
    let removed = 0;
    removed += await settleRetentionChanges(db, partitions, options.now);
    removed += await dropExpiredPartitions(db, partitions, options.now);
    await reclaimDeleted(db); // not retention: not counted
    await db.query(`DELETE FROM ${db.s}.event_batches WHERE created_at < now() - make_interval(secs => $1::double precision / 1000)`, [
      BATCH_RECORD_TTL_MS,
    ]);
    await createUpcomingPartitions(db, partitions, Date.now());
    return removed;
  } finally {
    if (locked) await lockClient.query('SELECT pg_advisory_unlock($1, $2)', [db.lockKey, LockPurpose.backgroundJobs]).catch(() => {});
    lockClient.release();
  }
}

async function settleRetentionChanges(db: Db, partitions: PartitionManager, now: number): Promise<number> {
  const s = db.s;
  const { rows: groups } = await db.query<{ id: number; data_classes: number[] }>(
    `SELECT id, data_classes FROM ${s}.log_groups WHERE data_classes <> ARRAY[COALESCE(retention_in_days, 0)]`,
  );
  let removed = 0;
  for (const group of groups) {
    const { rows } = await db.query<{ cls: number; min: number | null; max: number | null }>(
      `SELECT COALESCE(g.retention_in_days, 0) AS cls, r.min, r.max
       FROM ${s}.log_groups g, LATERAL (SELECT min(min_timestamp) AS min, max(max_timestamp) AS max FROM ${s}.event_chunks c
         WHERE c.group_id = g.id AND c.retention_class = ANY(g.data_classes) AND c.retention_class <> COALESCE(g.retention_in_days, 0)) r
       WHERE g.id = $1`,
      [group.id],
    );
    const current = rows[0];
    if (!current) continue;
    const cutoff = current.cls > 0 ? now - current.cls * DAY_MS : Number.NEGATIVE_INFINITY;
    if (current.min !== null && current.max !== null) {
      const from = Math.max(current.min, cutoff - MAX_CHUNK_SPAN_MS);
      if (from <= current.max) await partitions.ensure(partitionsBetween(current.cls, from, current.max));
    }
    for (const oldClass of group.data_classes) {
      if (oldClass === current.cls) continue;
      removed += await db.transaction(async (client) => {
        // Lock the group row: a concurrent retention change waits until this move commits.
        const locked = await client.query<{ cls: number; settled: boolean }>(
          `SELECT COALESCE(retention_in_days, 0) AS cls, retention_changed_at < now() - make_interval(secs => $2::double precision / 1000) AS settled
           FROM ${s}.log_groups WHERE id = $1 FOR UPDATE`,
          [group.id, RETENTION_CHANGE_SETTLE_MS],
        );
        const row = locked.rows[0];
        if (!row || row.cls !== current.cls) return 0; // changed again: next run
        let deleted = 0;
        if (row.cls > 0) {
          // Chunks the new retention has expired entirely go; chunks it cuts through lose their oldest events.
          const gone = await client.query<{ n: number | null }>(
            `WITH d AS (DELETE FROM ${s}.event_chunks WHERE group_id = $1 AND retention_class = $2 AND max_timestamp < $3 RETURNING event_count)
             SELECT sum(event_count)::bigint AS n FROM d`,
            [group.id, oldClass, cutoff],
          );
          deleted += gone.rows[0]?.n ?? 0;
          const cut = await client.query<{ stream_id: number; batch: number; first_index: number; min_timestamp: number; data: Buffer }>(
            `SELECT stream_id, batch, first_index, min_timestamp, data FROM ${s}.event_chunks
             WHERE group_id = $1 AND retention_class = $2 AND min_timestamp < $3`,
            [group.id, oldClass, cutoff],
          );
          for (const chunkRow of cut.rows) {
            const chunk = new DecodedChunk(chunkRow.data);
            let drop = 0;
            while (drop < chunk.count && chunk.timestamps[drop]! < cutoff) drop++;
            const kept = chunk.withoutPrefix(drop);
            await client.query(
              `UPDATE ${s}.event_chunks SET retention_class = $7, first_index = first_index + $6, min_timestamp = $8, event_count = $9, data = $10
               WHERE group_id = $1 AND stream_id = $2 AND retention_class = $3 AND min_timestamp = $4 AND batch = $5 AND first_index = $11`,
              [group.id, chunkRow.stream_id, oldClass, chunkRow.min_timestamp, chunkRow.batch, drop, row.cls, kept.minTimestamp, kept.count, kept.data, chunkRow.first_index],
            );
            deleted += drop;
          }
        }
        // The rest moves into the current class (UPDATE moves rows between partitions).
        await client.query(`UPDATE ${s}.event_chunks SET retention_class = $3 WHERE group_id = $1 AND retention_class = $2`, [
          group.id,
          oldClass,
          row.cls,
        ]);
        // Appends that started before the change may still write to the old class for a moment:
        // keep reading it until the change has settled.
        if (row.settled) {
          await client.query(`UPDATE ${s}.log_groups SET data_classes = array_remove(data_classes, $2) WHERE id = $1`, [group.id, oldClass]);
        }
        return deleted;
      });
    }
  }
  return removed;
}

async function dropExpiredPartitions(db: Db, partitions: PartitionManager, now: number): Promise<number> {
  const { rows } = await db.query<{ retention_class: number; range_start: number; range_end: number; table_name: string }>(
    `SELECT retention_class, range_start, range_end, table_name FROM ${db.s}.event_partitions
     WHERE retention_class > 0 ORDER BY range_start`,
  );
  let removed = 0;
  for (const part of rows) {
    if (!partitionExpired({ retentionClass: part.retention_class, rangeEnd: part.range_end }, now)) continue;
    const table = `${db.s}.${quoteIdent(part.table_name)}`;
    const dropped = await db
      .transaction(async (client) => {
        // Dropping a partition briefly locks the parent table: give up rather than queue ingest behind it.
        await client.query(`SET LOCAL lock_timeout = '3s'`);
        const { rows: counts } = await client.query<{ total: number; keep: number }>(
          `SELECT COALESCE(sum(c.event_count), 0)::bigint AS total,
                  count(*) FILTER (WHERE g.id IS NOT NULL AND COALESCE(g.retention_in_days, 0) <> $1)::bigint AS keep
           FROM ${table} c LEFT JOIN ${db.s}.log_groups g ON g.id = c.group_id`,
          [part.retention_class],
        );
        const count = counts[0] ?? { total: 0, keep: 0 };
        // A group whose retention changed since step 1 still has events here: move them first (next run).
        if (count.keep > 0) return undefined;
        await client.query(`DROP TABLE ${table}`);
        await client.query(`DELETE FROM ${db.s}.event_partitions WHERE retention_class = $1 AND range_start = $2`, [
          part.retention_class,
          part.range_start,
        ]);
        return count.total;
      })
      .catch((err: unknown) => {
        if ((err as { code?: string }).code === '55P03') return undefined; // lock_timeout: try again next run
        throw err;
      });
    if (dropped === undefined) continue;
    partitions.forget({ retentionClass: part.retention_class, rangeStart: part.range_start });
    removed += dropped;
  }
  return removed;
}

async function reclaimDeleted(db: Db): Promise<number> {
  const s = db.s;
  const { rows: queue } = await db.query<{ id: number; group_id: number; stream_id: number | null }>(
    `SELECT id, group_id, stream_id FROM ${s}.reclaim_queue ORDER BY id LIMIT 100`,
  );
  let removed = 0;
  for (const item of queue) {
    const scope = item.stream_id === null ? 'group_id = $1' : 'group_id = $1 AND stream_id = $2';
    const values = item.stream_id === null ? [item.group_id] : [item.group_id, item.stream_id];
    for (;;) {
      // Delete in batches bounded by time, so no single transaction grows without limit.
      const { rows } = await db.query<{ min_timestamp: number }>(
        `SELECT min_timestamp FROM ${s}.event_chunks WHERE ${scope} ORDER BY min_timestamp OFFSET ${RECLAIM_BATCH} LIMIT 1`,
        values,
      );
      const bound = rows[0]?.min_timestamp;
      const result = await db.query<{ n: number | null }>(
        `WITH d AS (DELETE FROM ${s}.event_chunks WHERE ${scope}${bound !== undefined ? ` AND min_timestamp <= $${values.length + 1}` : ''}
           RETURNING event_count)
         SELECT sum(event_count)::bigint AS n FROM d`,
        bound !== undefined ? [...values, bound] : values,
      );
      removed += result.rows[0]?.n ?? 0;
      if (bound === undefined) break;
    }
    await db.query(`DELETE FROM ${s}.reclaim_queue WHERE id = $1`, [item.id]);
  }
  return removed;
}

async function createUpcomingPartitions(db: Db, partitions: PartitionManager, wallClock: number): Promise<void> {
  const { rows } = await db.query<{ cls: number }>(
    `SELECT DISTINCT COALESCE(retention_in_days, 0) AS cls FROM ${db.s}.log_groups`,
  );
  for (const { cls } of rows) {
    const current = partitionFor(cls, wallClock);
    await partitions.ensure([current, partitionFor(cls, current.rangeEnd)]);
  }
}
