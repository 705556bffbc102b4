/** Retention and deletes give disk space back; the file stays bounded under ingest with retention. */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/core/types.js';
import { SqliteLogStore } from '../../src/storage/sqlite/sqlite-store.js';

const scope: Scope = { accountId: '000000000000', region: 'us-east-1' };
const DAY = 86_400_000;
let dir: string;
let path: string;
let store: SqliteLogStore;

const fileBytes = () => statSync(path).size + (statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0);
/** Varied text so that chunks are not trivially small. */
const events = (n: number, t0: number, seed: number) =>
  Array.from({ length: n }, (_, i) => ({ timestamp: t0 + i, message: `event ${i} ${((i + seed) * 2654435761) >>> 0} ${(((i + seed) * 40503) >>> 0).toString(36)} done` }));

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'logharbor-space-'));
  path = join(dir, 'space.db');
  store = new SqliteLogStore({ path, synchronous: 'NORMAL', writerThread: false });
  await store.createLogGroup(scope, { name: 'g', creationTime: 1, logGroupClass: 'STANDARD', deletionProtectionEnabled: false });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('disk space', () => {
  it('drops whole chunks and rewrites straddling ones on retention, and shrinks the file', async () => {
    const now = 30 * DAY;
    await store.createLogStream(scope, 'g', 's', 1);
    for (let day = 10; day >= 1; day--) await store.appendEvents(scope, 'g', 's', events(6_000, now - day * DAY, day), now);
    // A straddling chunk: half before the cutoff, half after.
    await store.appendEvents(scope, 'g', 's', events(6_000, now - 2 * DAY - 3_000, 99), now);
    const before = fileBytes();
    await store.updateLogGroup(scope, 'g', { retentionInDays: 2 });
    const removed = await store.enforceRetention(now);
    expect(removed).toBe(8 * 6_000 + 3_000); // days 10..3 whole, and the straddling chunk's first half
    const left = await store.readStream(scope, 'g', 's', { direction: 'forward', limit: 20_000 });
    expect(left.every((e) => e.timestamp >= now - 2 * DAY)).toBe(true);
    expect(left).toHaveLength(2 * 6_000 + 3_000);
    const checkpoint = (store as unknown as { db: { pragma(s: string): unknown } }).db;
    checkpoint.pragma('wal_checkpoint(TRUNCATE)');
    expect(fileBytes()).toBeLessThan(before * 0.6);
  });

  it('reclaims a deleted stream and group', async () => {
    for (const s of ['a', 'b']) {
      await store.createLogStream(scope, 'g', s, 1);
      for (let k = 0; k < 5; k++) await store.appendEvents(scope, 'g', s, events(6_000, 1_000_000 + k * 10_000, k), 2);
    }
    const db = (store as unknown as { db: { pragma(s: string): unknown; prepare(s: string): { get(): { n: number } } } }).db;
    const chunks = () => db.prepare('SELECT COUNT(*) AS n FROM chunks').get().n;
    expect(chunks()).toBe(10);
    await store.deleteLogStream(scope, 'g', 'a');
    expect(await store.reclaimOrphans()).toBe(5);
    expect(chunks()).toBe(5);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const afterStream = fileBytes();
    await store.deleteLogGroup(scope, 'g');
    await store.reclaimOrphans();
    expect(chunks()).toBe(0);
    db.pragma('wal_checkpoint(TRUNCATE)');
    expect(fileBytes()).toBeLessThan(afterStream);
  });

  it('stays bounded under steady ingest with retention', async () => {
    await store.createLogStream(scope, 'g', 's', 1);
    await store.updateLogGroup(scope, 'g', { retentionInDays: 1 });
    const db = (store as unknown as { db: { pragma(s: string): unknown } }).db;
    const sizes: number[] = [];
    for (let hour = 0; hour < 96; hour++) {
      const now = 10 * DAY + hour * 3_600_000;
      await store.appendEvents(scope, 'g', 's', events(5_000, now - 60_000, hour), now);
      await store.enforceRetention(now);
      db.pragma('wal_checkpoint(TRUNCATE)');
      sizes.push(fileBytes());
    }
    // After the first day the retained window is constant, and so is the file.
    const day2 = Math.max(...sizes.slice(24, 48));
    const day4 = Math.max(...sizes.slice(72));
    expect(day4).toBeLessThanOrEqual(day2 * 1.1);
  });
});
