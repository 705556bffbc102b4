/**
 * The conformance suite again, with chunks sealed after every couple of events: every read then
 * merges sealed chunks, recompressed chunks and head batches, and retention rewrites chunks.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteLogStore } from '../../src/storage/sqlite/sqlite-store.js';
import { encodeHeadBatch } from '../../src/storage/sqlite/codec.js';
import { DEFAULT_WRITER_OPTIONS } from '../../src/storage/sqlite/defaults.js';
import { EventWriter, type SealResult, type Sealer } from '../../src/storage/sqlite/event-writer.js';
import { sealHeadRows, type HeadRowData } from '../../src/storage/sqlite/seal.js';
import { runLogStoreSuite } from '../conformance/log-store.suite.js';

runLogStoreSuite('sqlite, sealed every 2 events (inline writer)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logharbor-chunks-'));
  const store = new SqliteLogStore({
    path: join(dir, 'test.db'),
    synchronous: 'NORMAL',
    writerThread: false,
    writer: { sealEvents: 2, compactLevel: 5 },
    scanBatchSize: 7,
  });
  return {
    store,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

runLogStoreSuite('sqlite in memory, sealed every 5 events', async () => {
  const store = new SqliteLogStore({ path: ':memory:', writer: { sealEvents: 5 } });
  return {
    store,
    async cleanup() {
      await store.compactAll();
      await store.close();
    },
  };
});

// With the writer thread, heads are sealed in the background by the seal thread: commits of seals
// race appends, deletes, retention and sealAll.
runLogStoreSuite('sqlite, sealed every 3 events (writer and seal threads)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logharbor-chunks-threads-'));
  const store = new SqliteLogStore({ path: join(dir, 'test.db'), synchronous: 'NORMAL', writer: { sealEvents: 3, compactLevel: 5 }, scanBatchSize: 7 });
  return {
    store,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('background sealing (seal thread)', () => {
  it('seals every event exactly once while appends, sealAll and reads run meanwhile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logharbor-seal-race-'));
    const path = join(dir, 'test.db');
    const store = new SqliteLogStore({ path, synchronous: 'NORMAL', writer: { sealEvents: 150 } });
    const scope = { accountId: '123456789012', region: 'us-east-1' };
    try {
      await store.createLogGroup(scope, { name: 'g', creationTime: 0, logGroupClass: 'STANDARD', deletionProtectionEnabled: false });
      for (const s of ['a', 'b', 'c']) await store.createLogStream(scope, 'g', s, 0);
      const T0 = Date.UTC(2025, 0, 1);
      let sent = 0;
      for (let round = 0; round < 40; round++) {
        // Three streams at once (one group commit), each batch a third of a seal: seals start in
        // the background every few rounds, and every tenth round sealAll races them.
        await Promise.all(
          ['a', 'b', 'c'].map((s, k) =>
            store.appendEvents(scope, 'g', s, Array.from({ length: 50 }, (_, i) => ({ timestamp: T0 + round * 100 + i, message: `${s} ${round} ${i}` })), T0 + k),
          ),
        );
        sent += 150;
        if (round % 10 === 9) await store.sealAll();
        if (round % 7 === 3) expect((await store.readStream(scope, 'g', 'b', { direction: 'forward', limit: 10_000 })).length).toBe((round + 1) * 50);
      }
      await store.sealAll();
      const seen: string[] = [];
      for await (const batch of store.scan(scope, 'g', { descending: false })) seen.push(...batch.map((e) => e.message));
      expect(seen.length).toBe(sent);
      expect(new Set(seen).size).toBe(sent);
      // Nothing is left in heads once background seals have committed or given way.
      const db = new Database(path, { readonly: true });
      try {
        const deadline = Date.now() + 5_000;
        let heads = 1;
        while (heads > 0 && Date.now() < deadline) {
          heads = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM head_batches').get()!.n;
          if (heads > 0) await new Promise((r) => setTimeout(r, 50));
        }
        expect(heads).toBe(0);
        const events = db.prepare<[], { n: number }>('SELECT SUM(event_count) AS n FROM chunks').get()!.n;
        expect(events).toBe(sent);
      } finally {
        db.close();
      }
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('drops a background seal whose heads were sealed (or changed) meanwhile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logharbor-seal-stale-'));
    const path = join(dir, 'test.db');
    const scope = { accountId: '123456789012', region: 'us-east-1' };
    // The schema, a group and a stream, made by the store; then a writer whose sealer we hold.
    const setup = new SqliteLogStore({ path, synchronous: 'NORMAL', writerThread: false, scanThread: false });
    await setup.createLogGroup(scope, { name: 'g', creationTime: 0, logGroupClass: 'STANDARD', deletionProtectionEnabled: false });
    await setup.createLogStream(scope, 'g', 's', 0);
    await setup.close();
    const jobs: Array<{ job: { streamId: number; maxRowId: number; sealEvents: number; level: number }; resolve: (r: SealResult) => void }> = [];
    const sealer: Sealer = { seal: (job) => new Promise((resolve) => jobs.push({ job, resolve })) };
    const writer = new EventWriter({ ...DEFAULT_WRITER_OPTIONS, sealEvents: 100, path, synchronous: 'NORMAL' }, undefined, sealer);
    const raw = new Database(path, { readonly: true });
    try {
      const ids = raw.prepare<[], { g: number; s: number }>('SELECT group_id AS g, id AS s FROM log_streams').get()!;
      const headRows = raw.prepare<[number, number], HeadRowData>('SELECT id, first_event_id, ingestion_time, data FROM head_batches WHERE stream_id = ? AND id <= ? ORDER BY id');
      const T0 = Date.UTC(2025, 0, 1);
      // Batches under half a chunk stay head batches (larger ones become chunks at once).
      const append = async (firstId: number) => {
        for (let b = 0; b < 2; b++) {
          const timestamps = Array.from({ length: 25 }, (_, i) => T0 + firstId + b * 25 + i);
          const { data, bytes } = encodeHeadBatch(timestamps, timestamps.map((t) => `event ${t}`));
          await writer.handle({ type: 'append', item: { groupId: ids.g, streamId: ids.s, firstId: firstId + b * 25, count: 25, minTs: timestamps[0]!, maxTs: timestamps[24]!, ingestionTime: T0, rawBytes: bytes, data } });
        }
      };
      await append(1);
      await append(51);
      // The head reached 100 events: a background seal was asked for; sealAll seals the same heads first.
      expect(jobs).toHaveLength(1);
      const { job, resolve } = jobs[0]!;
      const rows = headRows.all(job.streamId, job.maxRowId);
      expect(rows).toHaveLength(4);
      expect(writer.sealAll()).toBe(100);
      resolve({ rows: rows.length, ...sealHeadRows(rows, job.sealEvents, job.level) });
      await new Promise((r) => setTimeout(r, 20));
      const count = () => raw.prepare<[], { n: number | null }>('SELECT SUM(event_count) AS n FROM chunks').get()!.n;
      expect(count()).toBe(100); // not 200: the late result was dropped
      // A seal that commits normally.
      await append(101);
      await append(151);
      expect(jobs).toHaveLength(2);
      const second = jobs[1]!;
      const rows2 = headRows.all(second.job.streamId, second.job.maxRowId);
      second.resolve({ rows: rows2.length, ...sealHeadRows(rows2, second.job.sealEvents, second.job.level) });
      await new Promise((r) => setTimeout(r, 20));
      expect(count()).toBe(200);
      expect(raw.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM head_batches').get()!.n).toBe(0);
    } finally {
      raw.close();
      writer.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
