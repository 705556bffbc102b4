/**
 * readStream lists the chunks nearest a read's start first (nearChunks) and falls back to all of
 * them when the page does not fill within what those certainly hold: with chunks that overlap in
 * time (late events, batches out of order), every read must still be exactly the oracle's.
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/core/types.js';
import { SqliteLogStore } from '../../src/storage/sqlite/sqlite-store.js';

const A: Scope = { accountId: '000000000000', region: 'us-east-1' };

interface Event {
  id: number;
  timestamp: number;
  message: string;
}

describe('reading a stream of many overlapping chunks', () => {
  let dir: string;
  let store: SqliteLogStore;
  const oracle: Event[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'logharbor-read-near-'));
    store = new SqliteLogStore({ path: join(dir, 'test.db'), synchronous: 'NORMAL', writerThread: false, writer: { sealEvents: 7 } });
    await store.createLogGroup(A, { name: 'g', creationTime: 1, logGroupClass: 'STANDARD', deletionProtectionEnabled: false });
    await store.createLogStream(A, 'g', 's', 1);
    let x = 7;
    const rand = (n: number) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) % n);
    // 60 batches of 1-12 events: mostly moving forward in time, every fifth batch late (back up
    // to 400 ms), some spanning long stretches, many timestamps shared.
    let t = 10_000;
    for (let b = 0; b < 60; b++) {
      const n = 1 + rand(12);
      const start = b % 5 === 4 ? t - rand(400) : t + rand(30);
      const stamps = Array.from({ length: n }, () => start + rand(b % 7 === 0 ? 300 : 40)).sort((p, q) => p - q);
      const events = stamps.map((timestamp, i) => ({ timestamp, message: `b${b}e${i}` }));
      const { firstId } = await store.appendEvents(A, 'g', 's', events, 1);
      events.forEach((e, i) => oracle.push({ id: firstId + i, timestamp: e.timestamp, message: e.message }));
      t = Math.max(t, start + 20);
      if (b % 3 === 2) await store.sealAll();
    }
    await store.sealAll();
    oracle.sort((p, q) => p.timestamp - q.timestamp || p.id - q.id);
  });

  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has many chunks whose times overlap', () => {
    const db = (store as unknown as { db: import('better-sqlite3').Database }).db;
    const chunks = db.prepare('SELECT min_ts, max_ts FROM chunks ORDER BY min_ts').all() as { min_ts: number; max_ts: number }[];
    expect(chunks.length).toBeGreaterThan(40);
    expect(chunks.some((c, i) => i > 0 && c.min_ts <= chunks[i - 1]!.max_ts)).toBe(true);
  });

  it('reads exactly what the oracle says, forward and backward, from any time or position, any limit (property)', async () => {
    const lo = oracle[0]!.timestamp - 5;
    const hi = oracle[oracle.length - 1]!.timestamp + 5;
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.option(fc.integer({ min: lo, max: hi }), { nil: undefined }),
        fc.option(fc.integer({ min: lo, max: hi }), { nil: undefined }),
        fc.option(fc.nat(oracle.length - 1), { nil: undefined }),
        fc.integer({ min: 1, max: 120 }),
        async (forward, startTime, endTime, fromIndex, limit) => {
          const from = fromIndex === undefined ? undefined : oracle[fromIndex]!;
          const got = await store.readStream(A, 'g', 's', {
            direction: forward ? 'forward' : 'backward',
            limit,
            ...(startTime !== undefined ? { startTime } : {}),
            ...(endTime !== undefined ? { endTime } : {}),
            ...(from ? { from: { timestamp: from.timestamp, id: from.id } } : {}),
          });
          const inRange = oracle.filter((e) => (startTime === undefined || e.timestamp >= startTime) && (endTime === undefined || e.timestamp < endTime));
          const after = (e: Event) => !from || (forward ? e.timestamp > from.timestamp || (e.timestamp === from.timestamp && e.id > from.id) : e.timestamp < from.timestamp || (e.timestamp === from.timestamp && e.id < from.id));
          const ordered = (forward ? inRange : [...inRange].reverse()).filter(after);
          expect(got.map((e) => e.message)).toEqual(ordered.slice(0, limit).map((e) => e.message));
        },
      ),
      { numRuns: 400 },
    );
  });
});
