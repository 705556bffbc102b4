import { join } from 'node:path';
import type { LogStore } from '../core/ports.js';
import { SqliteLogStore } from '../storage/sqlite/sqlite-store.js';
import { openPostgresStore } from '../storage/postgres/postgres-store.js';
import type { ServerConfig } from '../config/config.js';

/** The config builds the store: the embedded SQLite file by default. */
export async function buildStore(config: ServerConfig): Promise<LogStore> {
  if (config.store === 'sqlite' || config.store.startsWith('sqlite:')) {
    const path = config.store.startsWith('sqlite:') ? config.store.slice('sqlite:'.length) : join(config.dataDir, 'logharbor.db');
    return new SqliteLogStore({ path, synchronous: config.sqliteSynchronous });
  }
  if (config.store.startsWith('postgres://') || config.store.startsWith('postgresql://')) {
    // Every node calls the background jobs on its timer; the store runs them once per interval
    // across all nodes (a little under the interval, so timer jitter does not skip a run).
    return openPostgresStore({ url: config.store, minJobIntervalMs: Math.floor((config.retentionIntervalMs || 60_000) * 0.9) });
  }
  throw new Error(`Unknown store ${config.store}: use 'sqlite', 'sqlite:<path>' or a postgres:// URL.`);
}
