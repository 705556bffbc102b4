/** Connection plumbing shared by the PostgreSQL store's modules: pool, names, locks, migrations. */
import pg from 'pg';
import { MIGRATIONS } from './schema.js';

/** BIGINT columns (ids, epoch milliseconds) come back as JS numbers: all of ours are safe integers. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** Advisory lock purposes; the first key of each lock is derived from the schema, so stores in different schemas never collide. */
export const LockPurpose = { migrations: 1, partitionDdl: 2, backgroundJobs: 3 } as const;

export interface Db {
  readonly pool: pg.Pool;
  /** the quoted schema, for building SQL: `${db.s}.events` */
  readonly s: string;
  readonly schema: string;
  /** first key of the schema's advisory locks */
  readonly lockKey: number;
  /** NOTIFY channel for appends */
  readonly channel: string;
  readonly clientConfig: pg.ClientConfig;
  /** Runs a statement as a named prepared statement, so repeated queries skip parsing and planning. */
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[], on?: Queryable): Promise<pg.QueryResult<R>>;
  transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** 31-bit FNV-1a hash: a stable int4 advisory-lock key for a schema name. */
function hash31(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h & 0x7fffffff;
}

export interface ConnectOptions {
  /** a postgres:// URL; a `schema` query parameter selects the schema */
  readonly url: string;
  readonly schema?: string;
  readonly poolSize?: number;
}

/** Splits our own `schema` parameter off the URL: the driver would pass unknown parameters to the server. */
export function parseStoreUrl(url: string): { connectionString: string; schema: string | undefined } {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  return { connectionString: parsed.toString(), schema };
}

export function connect(options: ConnectOptions): Db {
  const { connectionString, schema: urlSchema } = parseStoreUrl(options.url);
  const schema = options.schema ?? urlSchema ?? 'logharbor';
  if (!/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/.test(schema)) throw new Error(`Invalid PostgreSQL schema name: ${schema}`);
  const clientConfig: pg.ClientConfig = { connectionString, types, application_name: 'logharbor' };
  const pool = new pg.Pool({ ...clientConfig, max: options.poolSize ?? 16, idleTimeoutMillis: 30_000 });
  // An idle client's error (e.g. the server restarting) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const names = new Map<string, string>();
  const db: Db = {
    pool,
    s: quoteIdent(schema),
    schema,
    lockKey: hash31(schema),
    channel: `logharbor_${schema}`.slice(0, 63),
    clientConfig,
    query<R extends pg.QueryResultRow>(text: string, values: unknown[] = [], on: Queryable = pool) {
      let name = names.get(text);
      if (name === undefined) {
        name = `lh_${names.size}`;
        names.set(text, name);
      }
      return on.query<R>({ name, text, values });
    },
    async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
  };
  return db;
}

/**
 * Applies pending migrations. The transaction-scoped advisory lock makes nodes that start at the
 * same moment queue up: the first applies, the others find nothing left to do.
 */
export async function migrate(db: Db): Promise<void> {
  await db.transaction(async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [db.lockKey, LockPurpose.migrations]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${db.s}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${db.s}.schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${db.s}.schema_migrations`);
    const applied = new Set(rows.map((r) => r.version));
    for (let i = 0; i < MIGRATIONS.length; i++) {
      const version = i + 1;
      if (applied.has(version)) continue;
      await client.query((MIGRATIONS[i] ?? '').replaceAll('{s}', db.s));
      await client.query(`INSERT INTO ${db.s}.schema_migrations (version) VALUES ($1)`, [version]);
    }
  });
}
