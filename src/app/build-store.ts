import { join } from 'node:path';
import type { LogStore } from '../core/ports.js';
import { SqliteLogStore } from '../storage/sqlite/sqlite-store.js';
import type { ServerConfig } from '../config/config.js';

/** The config builds the store: the embedded SQLite file by default. */
export async function buildStore(config: ServerConfig): Promise<LogStore> {
  if (config.store === 'sqlite' || config.store.startsWith('sqlite:')) {
    const path = config.store.startsWith('sqlite:') ? config.store.slice('sqlite:'.length) : join(config.dataDir, 'logharbor.db');
    return new SqliteLogStore({ path, synchronous: config.sqliteSynchronous });
  }
  if (config.store.startsWith('postgres://') || config.store.startsWith('postgresql://')) {
    throw new Error('The PostgreSQL store is not available in this build.');
  }
  throw new Error(`Unknown store ${config.store}: use 'sqlite', 'sqlite:<path>' or a postgres:// URL.`);
}
