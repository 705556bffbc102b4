/** The conformance suite against a real PostgreSQL server: one fresh schema per test. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { openPostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { runLogStoreSuite } from '../conformance/log-store.suite.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';

let server: PostgresServer;

beforeAll(async () => {
  server = await startPostgres();
});

afterAll(async () => {
  await server?.stop();
});

runLogStoreSuite('postgres', async () => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const store = await openPostgresStore({ url: server.url(), schema, poolSize: 4 });
  return {
    store,
    async cleanup() {
      await store.close();
      await server.query(`DROP SCHEMA ${schema} CASCADE`);
    },
  };
});
