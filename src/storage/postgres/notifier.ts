/**
 * Cross-node append notifications. Every append NOTIFYs (in its own transaction, so only on
 * commit) with the batch it wrote; each node LISTENs on one dedicated connection, fetches the
 * batch's events and hands them to the store's listeners. The connection may drop: after it
 * reconnects, the node catches up from the event_batches table, so no committed batch is missed.
 */
import pg from 'pg';
import { appendedEvents, type AppendedEvents } from '../../core/ports.js';
import type { StoredLogEvent } from '../../core/types.js';
import { DecodedChunk } from './chunk-codec.js';
import { BATCH_ID_SPAN } from './ids.js';
import type { Db } from './db.js';

/** What an append announces (short keys: NOTIFY payloads are limited to 8000 bytes). */
export interface BatchNotice {
  /** batch number */
  readonly b: number;
  /** writer's node id */
  readonly node: string;
  readonly a: string;
  readonly r: string;
  readonly g: string;
  readonly s: string;
  readonly gid: number;
  readonly sid: number;
  /** retention class the events were written in */
  readonly c: number;
  readonly lo: number;
  readonly hi: number;
}

/**
 * Batch numbers come from a sequence, so a batch may commit after one with a higher number.
 * Catch-up therefore re-reads this many batch numbers below the highest one seen.
 */
const CATCH_UP_OVERLAP = 10_000;

export class AppendNotifier {
  private client: pg.Client | undefined;
  private stopped = false;
  private highWater = -1;
  /** the highest batch committed before this node first listened: catch-up never goes below it */
  private floor = 0;
  private readonly seen = new Set<number>();
  private readonly failed = new WeakSet<pg.Client>();
  private chain: Promise<void> = Promise.resolve();
  private retryMs = 100;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readyResolve: (() => void) | undefined;
  /** Resolves once the node is listening (the first time). */
  readonly ready: Promise<void>;

  constructor(
    private readonly db: Db,
    private readonly nodeId: string,
    private readonly emit: (batch: AppendedEvents) => void,
  ) {
    this.ready = new Promise((resolve) => (this.readyResolve = resolve));
  }

  start(): void {
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client(this.db.clientConfig);
    client.on('error', () => this.reconnect(client));
    client.on('end', () => this.reconnect(client));
    client.on('notification', (message) => {
      if (message.channel !== this.db.channel || !message.payload) return;
      let notice: BatchNotice;
      try {
        notice = JSON.parse(message.payload) as BatchNotice;
      } catch {
        return;
      }
      this.enqueue(() => this.deliver(notice));
    });
    try {
      await client.connect();
      if (this.stopped) {
        await client.end();
        return;
      }
      this.client = client;
      await client.query(`LISTEN ${JSON.stringify(this.db.channel)}`);
      if (this.highWater < 0) {
        const { rows } = await client.query<{ max: number | null }>(`SELECT max(id) AS max FROM ${this.db.s}.event_batches`);
        this.highWater = Math.max(this.highWater, rows[0]?.max ?? 0);
        this.floor = this.highWater;
      } else {
        this.enqueue(() => this.catchUp());
      }
      this.retryMs = 100;
      this.readyResolve?.();
    } catch {
      this.reconnect(client);
    }
  }

  private reconnect(client: pg.Client): void {
    // A client reports its failure once here; later 'error' or 'end' events of a client already
    // replaced must not start a second connection.
    if (this.failed.has(client)) return;
    this.failed.add(client);
    if (this.client === client) this.client = undefined;
    client.removeAllListeners('end');
    client.end().catch(() => {});
    if (this.stopped || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, 5_000);
  }

  /** Notices are handled one at a time, in the order they arrive (commit order). */
  private enqueue(task: () => Promise<void>): void {
    this.chain = this.chain.then(task).catch(() => {});
  }

  private markSeen(batch: number): boolean {
    if (this.seen.has(batch)) return false;
    this.seen.add(batch);
    if (batch > this.highWater) this.highWater = batch;
    if (this.seen.size > 2 * CATCH_UP_OVERLAP) {
      for (const b of this.seen) if (b < this.highWater - CATCH_UP_OVERLAP) this.seen.delete(b);
    }
    return true;
  }

  private async deliver(notice: BatchNotice): Promise<void> {
    if (!this.markSeen(notice.b)) return;
    // The writing node has already told its own listeners, right after its commit.
    if (notice.node === this.nodeId) return;
    let events: StoredLogEvent[];
    try {
      events = await this.fetch(notice);
    } catch {
      // The database is unreachable: forget the batch and reconnect; catch-up delivers it.
      this.seen.delete(notice.b);
      if (this.client) this.reconnect(this.client);
      return;
    }
    if (events.length === 0) return;
    this.emit(appendedEvents({ accountId: notice.a, region: notice.r }, notice.g, notice.s, events));
  }

  private async fetch(notice: BatchNotice): Promise<StoredLogEvent[]> {
    // The batch's chunks all start within its time range: that prunes the partitions to look in.
    const { rows } = await this.db.query<{ first_index: number; ingestion_time: number; data: Buffer }>(
      `SELECT first_index, ingestion_time, data FROM ${this.db.s}.event_chunks
       WHERE group_id = $1 AND stream_id = $2 AND retention_class = $3 AND min_timestamp BETWEEN $4 AND $5 AND batch = $6
       ORDER BY first_index`,
      [notice.gid, notice.sid, notice.c, notice.lo, notice.hi, notice.b],
    );
    const events: StoredLogEvent[] = [];
    for (const row of rows) {
      const chunk = new DecodedChunk(row.data);
      const firstId = notice.b * BATCH_ID_SPAN + row.first_index;
      for (let i = 0; i < chunk.count; i++) {
        events.push({ id: firstId + i, streamName: notice.s, timestamp: chunk.timestamps[i]!, ingestionTime: row.ingestion_time, message: chunk.message(i) });
      }
    }
    return events;
  }

  /** Delivers the batches committed while this node was not listening. */
  private async catchUp(): Promise<void> {
    const { rows } = await this.db.query<{
      id: number;
      node_id: string;
      account_id: string;
      region: string;
      group_name: string;
      stream_name: string;
      group_id: number;
      stream_id: number;
      retention_class: number;
      min_timestamp: number;
      max_timestamp: number;
    }>(
      `SELECT b.id, b.node_id, g.account_id, g.region, g.name AS group_name, st.name AS stream_name, b.group_id, b.stream_id,
              b.retention_class, b.min_timestamp, b.max_timestamp
       FROM ${this.db.s}.event_batches b
       JOIN ${this.db.s}.log_streams st ON st.group_id = b.group_id AND st.id = b.stream_id
       JOIN ${this.db.s}.log_groups g ON g.id = b.group_id
       WHERE b.id > $1 ORDER BY b.id`,
      [Math.max(this.floor, this.highWater - CATCH_UP_OVERLAP)],
    );
    for (const row of rows) {
      await this.deliver({
        b: row.id,
        node: row.node_id,
        a: row.account_id,
        r: row.region,
        g: row.group_name,
        s: row.stream_name,
        gid: row.group_id,
        sid: row.stream_id,
        c: row.retention_class,
        lo: row.min_timestamp,
        hi: row.max_timestamp,
      });
    }
  }

  /** Forces a reconnect (tests use it to simulate a dropped connection). */
  dropConnection(): void {
    if (this.client) this.reconnect(this.client);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
    }
    await this.chain;
  }
}
