/**
 * What only a shared database has to get right: several stores (nodes) on one schema.
 * Cases the conformance suite cannot express: cross-node visibility and notifications with
 * catch-up, concurrent migrations, jobs that run once across nodes, whole-partition retention.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppendedEvents } from '../../src/core/ports.js';
import type { Scope, StoredLogEvent } from '../../src/core/types.js';
import { openPostgresStore, type PostgresLogStore } from '../../src/storage/postgres/postgres-store.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';

const A: Scope = { accountId: '000000000000', region: 'us-east-1' };
const DAY = 86_400_000;
const newGroup = (name: string) => ({ name, creationTime: 1, logGroupClass: 'STANDARD' as const, deletionProtectionEnabled: false });

let server: PostgresServer;
let admin: pg.Client;
const opened: PostgresLogStore[] = [];

beforeAll(async () => {
  server = await startPostgres();
  admin = new pg.Client({ connectionString: server.url() });
  await admin.connect();
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  await admin?.end();
  await server?.stop();
});

function freshSchema(): string {
  return `m_${randomBytes(6).toString('hex')}`;
}

async function open(schema: string, options: { minJobIntervalMs?: number } = {}): Promise<PostgresLogStore> {
  const store = await openPostgresStore({ url: `${server.url()}?schema=${schema}`, poolSize: 4, ...options });
  opened.push(store);
  return store;
}

async function waitFor(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function collect(iterable: AsyncIterable<StoredLogEvent[]>): Promise<StoredLogEvent[]> {
  const all: StoredLogEvent[] = [];
  for await (const batch of iterable) all.push(...batch);
  return all;
}

describe('PostgreSQL store across nodes', () => {
  it('applies migrations once when several nodes start at the same moment', async () => {
    const schema = freshSchema();
    const stores = await Promise.all([1, 2, 3, 4].map(() => open(schema)));
    expect(stores).toHaveLength(4);
    const { rows } = await admin.query(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`);
    expect(rows.map((r: { version: number }) => r.version)).toEqual([1]);
    // Opening again is a no-op.
    await open(schema);
    const again = await admin.query(`SELECT count(*)::int AS n FROM ${schema}.schema_migrations`);
    expect(again.rows[0].n).toBe(1);
  });

  it('makes a write acknowledged by node A readable on node B at once', async () => {
    const schema = freshSchema();
    const [a, b] = [await open(schema), await open(schema)];
    await a.createLogGroup(A, newGroup('g'));
    await a.createLogStream(A, 'g', 's', 1);
    for (let i = 0; i < 20; i++) {
      await a.appendEvents(A, 'g', 's', [{ timestamp: 1000 + i, message: `m${i}` }], 5000 + i);
      const latest = await b.readStream(A, 'g', 's', { direction: 'backward', limit: 1 });
      expect(latest[0]?.message).toBe(`m${i}`);
    }
    expect(await b.getLogStream(A, 'g', 's')).toMatchObject({ lastEventTimestamp: 1019, lastIngestionTime: 5019, storedBytes: 10 * 2 + 10 * 3 });
    await a.createLogStream(A, 'g', 'other', 1);
    await a.appendEvents(A, 'g', 'other', [{ timestamp: 1, message: 'four' }], 1);
    expect((await b.getLogGroup(A, 'g'))!.storedBytes).toBe(50 + 4);
    await b.deleteLogStream(A, 'g', 's');
    expect(await a.getLogStream(A, 'g', 's')).toBeUndefined();
    expect((await a.getLogGroup(A, 'g'))!.storedBytes).toBe(4);
  });

  it("tells node B's listeners about appends through node A, and catches up after a dropped connection", async () => {
    const schema = freshSchema();
    const [a, b] = [await open(schema), await open(schema)];
    await a.createLogGroup(A, newGroup('g'));
    await a.createLogStream(A, 'g', 's', 1);
    const seenOnB: AppendedEvents[] = [];
    b.onAppend((batch) => seenOnB.push(batch));
    await b.listening();
    const { firstId } = await a.appendEvents(A, 'g', 's', [{ timestamp: 1, message: 'one' }, { timestamp: 2, message: 'two' }], 10);
    await waitFor(() => seenOnB.length === 1);
    expect(seenOnB[0]).toMatchObject({ scope: A, groupName: 'g', streamName: 's' });
    expect(seenOnB[0]!.events).toEqual([
      { id: firstId, streamName: 's', timestamp: 1, ingestionTime: 10, message: 'one' },
      { id: firstId + 1, streamName: 's', timestamp: 2, ingestionTime: 10, message: 'two' },
    ]);

    // Node B loses its LISTEN connection; appends meanwhile must still reach it, once each, in order.
    b.simulateListenerDisconnect();
    for (let i = 0; i < 5; i++) await a.appendEvents(A, 'g', 's', [{ timestamp: 10 + i, message: `gap-${i}` }], 20);
    await waitFor(() => seenOnB.length === 6);
    await a.appendEvents(A, 'g', 's', [{ timestamp: 20, message: 'after' }], 30);
    await waitFor(() => seenOnB.length === 7);
    await new Promise((r) => setTimeout(r, 200));
    expect(seenOnB.flatMap((batch) => batch.events.map((e) => e.message))).toEqual(['one', 'two', 'gap-0', 'gap-1', 'gap-2', 'gap-3', 'gap-4', 'after']);

    // The server ends the LISTEN connection (a failover, an idle timeout, an admin): same promise.
    const terminated = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN %' AND pid <> pg_backend_pid()`,
    );
    expect(terminated.rowCount).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) await a.appendEvents(A, 'g', 's', [{ timestamp: 25 + i, message: `outage-${i}` }], 35);
    await waitFor(() => seenOnB.length === 10);
    expect(seenOnB.slice(7).map((batch) => batch.events[0]!.message)).toEqual(['outage-0', 'outage-1', 'outage-2']);

    // The writing node tells its own listeners once, not again when its NOTIFY comes back.
    const seenOnA: AppendedEvents[] = [];
    a.onAppend((batch) => seenOnA.push(batch));
    await a.listening();
    await a.appendEvents(A, 'g', 's', [{ timestamp: 30, message: 'local' }], 40);
    await waitFor(() => seenOnB.length === 11);
    await new Promise((r) => setTimeout(r, 200));
    expect(seenOnA.map((batch) => batch.events[0]!.message)).toEqual(['local']);
  });

  it('keeps every event of concurrent appends from two nodes, with unique ids consecutive within each batch', async () => {
    const schema = freshSchema();
    const [a, b] = [await open(schema), await open(schema)];
    await a.createLogGroup(A, newGroup('g'));
    await a.createLogStream(A, 'g', 's', 1);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? a : b).appendEvents(A, 'g', 's', Array.from({ length: 50 }, (_, j) => ({ timestamp: 1000, message: `${i}:${j}` })), 1),
      ),
    );
    const all = await a.readStream(A, 'g', 's', { direction: 'forward', limit: 10_000 });
    expect(all).toHaveLength(2000);
    expect(new Set(all.map((e) => e.id)).size).toBe(2000);
    const byId = new Map(all.map((e) => [e.id, e.message]));
    results.forEach(({ firstId }, i) => {
      for (let j = 0; j < 50; j++) expect(byId.get(firstId + j)).toBe(`${i}:${j}`);
    });
    expect((await b.getLogStream(A, 'g', 's'))!.storedBytes).toBe(all.reduce((n, e) => n + Buffer.byteLength(e.message), 0));
  });

  it('appends a batch larger than one id span atomically and in order', async () => {
    const store = await open(freshSchema());
    await store.createLogGroup(A, newGroup('g'));
    await store.createLogStream(A, 'g', 's', 1);
    const events = Array.from({ length: 20_000 }, (_, i) => ({ timestamp: 5_000 + Math.floor(i / 100), message: `e${i}` }));
    const { firstId } = await store.appendEvents(A, 'g', 's', events, 1);
    const all = await collect(store.scan(A, 'g', { descending: false }));
    expect(all.map((e) => e.message)).toEqual(events.map((e) => e.message));
    expect(all[0]!.id).toBe(firstId);
  });

  it('runs background jobs on one node at a time, once per interval across nodes', async () => {
    const schema = freshSchema();
    const [a, b] = [await open(schema, { minJobIntervalMs: 60_000 }), await open(schema, { minJobIntervalMs: 60_000 })];
    const now = 400 * DAY;
    await a.createLogGroup(A, newGroup('g'));
    await a.createLogStream(A, 'g', 's', 1);
    await a.updateLogGroup(A, 'g', { retentionInDays: 1 });
    await a.appendEvents(A, 'g', 's', [{ timestamp: now - 10 * DAY, message: 'old' }], 1);
    const removed = await Promise.all([a.enforceRetention(now), b.enforceRetention(now)]);
    expect(removed.sort()).toEqual([0, 1]);
    const { rows } = await admin.query(`SELECT node_id FROM ${schema}.job_runs`);
    expect(rows).toHaveLength(1);
    expect([a.nodeId, b.nodeId]).toContain(rows[0].node_id);
    // Within the interval, neither node runs them again.
    await a.appendEvents(A, 'g', 's', [{ timestamp: now - 9 * DAY, message: 'old too' }], 1);
    expect(await b.enforceRetention(now)).toBe(0);
    expect(await a.enforceRetention(now)).toBe(0);
    expect(await collect(b.scan(A, 'g', { descending: false }))).toHaveLength(1);
  });

  it('expires events by dropping whole partitions, and moves events when retention changes', async () => {
    const schema = freshSchema();
    const store = await open(schema);
    const now = 1_000 * DAY;
    await store.createLogGroup(A, newGroup('short'));
    await store.createLogGroup(A, newGroup('forever'));
    await store.updateLogGroup(A, 'short', { retentionInDays: 3 });
    for (const g of ['short', 'forever']) {
      await store.createLogStream(A, g, 's', 1);
      for (let day = 10; day >= 0; day--) {
        await store.appendEvents(A, g, 's', [{ timestamp: now - day * DAY - 1000, message: `${g} ${day}` }], now);
      }
    }
    // (The job also creates the partitions the wall clock will need next: those are not counted here.)
    const partitionsOf = async () =>
      (
        await admin.query(`SELECT table_name FROM ${schema}.event_partitions WHERE retention_class = 3 AND range_start < $1 ORDER BY 1`, [now])
      ).rows.map((r: { table_name: string }) => r.table_name);
    const before = await partitionsOf();
    expect(before).toHaveLength(11);
    const removed = await store.enforceRetention(now);
    // 3-day retention in 1-day partitions (by first timestamp of a chunk, which spans at most a
    // day more): the partitions of days 4..10 hold only events older than 3 days and are dropped.
    expect(removed).toBe(7);
    const after = await partitionsOf();
    expect(after).toHaveLength(4);
    const tables = await admin.query(`SELECT tablename FROM pg_tables WHERE schemaname = $1`, [schema]);
    const existing = new Set(tables.rows.map((r: { tablename: string }) => r.tablename));
    expect(before.filter((name) => existing.has(name))).toEqual(after);
    expect((await collect(store.scan(A, 'short', { descending: false }))).map((e) => e.message)).toEqual(['short 3', 'short 2', 'short 1', 'short 0']);
    expect(await collect(store.scan(A, 'forever', { descending: false }))).toHaveLength(11);

    // A retention policy on a group with data: events the new policy expires go, the rest move
    // into partitions of the new class and stay readable throughout.
    await store.updateLogGroup(A, 'forever', { retentionInDays: 5 });
    expect(await collect(store.scan(A, 'forever', { descending: false }))).toHaveLength(11);
    expect(await store.enforceRetention(now)).toBe(6);
    expect((await collect(store.scan(A, 'forever', { descending: false }))).map((e) => e.message)).toEqual([
      'forever 4', 'forever 3', 'forever 2', 'forever 1', 'forever 0',
    ]);
    const classes = await admin.query(`SELECT DISTINCT retention_class FROM ${schema}.event_chunks WHERE group_id = (SELECT id FROM ${schema}.log_groups WHERE name = 'forever')`);
    expect(classes.rows).toEqual([{ retention_class: 5 }]);
    expect(await store.readStream(A, 'forever', 's', { direction: 'backward', limit: 1 })).toMatchObject([{ message: 'forever 0' }]);
  });

  it('reclaims the events of deleted streams and groups in the background', async () => {
    const schema = freshSchema();
    const store = await open(schema);
    await store.createLogGroup(A, newGroup('g'));
    await store.createLogStream(A, 'g', 'a', 1);
    await store.createLogStream(A, 'g', 'b', 1);
    await store.appendEvents(A, 'g', 'a', [{ timestamp: 1, message: 'a' }], 1);
    await store.appendEvents(A, 'g', 'b', [{ timestamp: 1, message: 'b' }], 1);
    await store.deleteLogStream(A, 'g', 'a');
    const count = async () => (await admin.query(`SELECT COALESCE(sum(event_count), 0)::int AS n FROM ${schema}.event_chunks`)).rows[0].n as number;
    expect(await count()).toBe(2);
    await store.enforceRetention(DAY);
    expect(await count()).toBe(1);
    await store.deleteLogGroup(A, 'g');
    await store.enforceRetention(DAY);
    expect(await count()).toBe(0);
  });
});
