/**
 * The conformance suite again, with chunks sealed after every couple of events: every read then
 * merges sealed chunks, recompressed chunks and head batches, and retention rewrites chunks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteLogStore } from '../../src/storage/sqlite/sqlite-store.js';
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
