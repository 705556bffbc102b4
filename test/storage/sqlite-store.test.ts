import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteLogStore } from '../../src/storage/sqlite/sqlite-store.js';
import { runLogStoreSuite } from '../conformance/log-store.suite.js';

runLogStoreSuite('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logharbor-sqlite-'));
  const store = new SqliteLogStore({ path: join(dir, 'test.db'), synchronous: 'NORMAL' });
  return {
    store,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
