/**
 * The only reader of process.env and config files. Precedence: flags > environment > file > defaults.
 * Every setting is documented in docs/configuration.md.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** 'sqlite' (embedded, in dataDir) or a postgres:// URL */
  readonly store: string;
  readonly accountId: string;
  readonly defaultRegion: string;
  /** 'FULL': an acknowledged write survives power loss; 'NORMAL': it survives process crashes. */
  readonly sqliteSynchronous: 'FULL' | 'NORMAL';
  readonly retentionIntervalMs: number;
  readonly roles: readonly string[];
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export const DEFAULT_PORT = 4588;

/**
 * What a server process runs: `api` the CloudWatch Logs HTTP API, `tail` live tail (StartLiveTail
 * and the SSE stream, served by the api role), `jobs` background work (retention). Nodes sharing
 * PostgreSQL may split them; jobs run once across nodes either way.
 */
export const SERVER_ROLES = ['api', 'tail', 'jobs'] as const;

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['XDG_DATA_HOME'] ?? join(env['HOME'] ?? homedir(), '.local', 'share');
  return join(base, 'logharbor');
}

const ENV_KEYS: Record<string, keyof ServerConfig> = {
  LOGHARBOR_HOST: 'host',
  LOGHARBOR_PORT: 'port',
  LOGHARBOR_DATA_DIR: 'dataDir',
  LOGHARBOR_STORE: 'store',
  LOGHARBOR_ACCOUNT_ID: 'accountId',
  LOGHARBOR_REGION: 'defaultRegion',
  LOGHARBOR_SQLITE_SYNCHRONOUS: 'sqliteSynchronous',
  LOGHARBOR_RETENTION_INTERVAL_MS: 'retentionIntervalMs',
  LOGHARBOR_ROLES: 'roles',
  LOGHARBOR_LOG_LEVEL: 'logLevel',
};

const FLAG_KEYS: Record<string, keyof ServerConfig> = {
  host: 'host',
  port: 'port',
  'data-dir': 'dataDir',
  store: 'store',
  'account-id': 'accountId',
  region: 'defaultRegion',
  'sqlite-synchronous': 'sqliteSynchronous',
  'retention-interval-ms': 'retentionIntervalMs',
  roles: 'roles',
  'log-level': 'logLevel',
};

export class ConfigError extends Error {}

/** Parses `--key value` and `--key=value` flags; returns the flags and the remaining arguments. */
export function parseFlags(argv: readonly string[]): { flags: Record<string, string>; rest: string[] } {
  const flags: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      rest.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq > 0) flags[arg.slice(2, eq)] = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        flags[arg.slice(2)] = next;
        i++;
      } else flags[arg.slice(2)] = 'true';
    }
  }
  return { flags, rest };
}

function coerce(key: keyof ServerConfig, value: unknown): unknown {
  switch (key) {
    case 'port':
    case 'retentionIntervalMs': {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${key} must be a non-negative integer, got ${String(value)}`);
      if (key === 'port' && n > 65535) throw new ConfigError(`port must be at most 65535, got ${n}`);
      return n;
    }
    case 'roles': {
      const roles = Array.isArray(value) ? value.map(String) : String(value).split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = roles.filter((r) => !(SERVER_ROLES as readonly string[]).includes(r));
      if (unknown.length > 0 || roles.length === 0) {
        throw new ConfigError(`roles must be a comma-separated list of ${SERVER_ROLES.join(', ')}; got ${String(value)}`);
      }
      return roles;
    }
    case 'sqliteSynchronous': {
      const v = String(value).toUpperCase();
      if (v !== 'FULL' && v !== 'NORMAL') throw new ConfigError(`sqliteSynchronous must be FULL or NORMAL, got ${String(value)}`);
      return v;
    }
    case 'accountId': {
      const v = String(value);
      if (!/^\d{12}$/.test(v)) throw new ConfigError(`accountId must be 12 digits, got ${v}`);
      return v;
    }
    default:
      return String(value);
  }
}

export function loadServerConfig(
  flags: Record<string, string>,
  env: NodeJS.ProcessEnv = process.env,
): ServerConfig {
  const values: Partial<Record<keyof ServerConfig, unknown>> = {};
  const file = flags['config'] ?? env['LOGHARBOR_CONFIG'];
  if (file) {
    let parsed: unknown;
    try {
      parsed = parseYaml(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
    }
    const server = (parsed as { server?: Record<string, unknown> } | null)?.server ?? (parsed as Record<string, unknown> | null) ?? {};
    for (const [k, v] of Object.entries(server)) {
      if (Object.values(FLAG_KEYS).includes(k as keyof ServerConfig)) values[k as keyof ServerConfig] = coerce(k as keyof ServerConfig, v);
    }
  }
  for (const [envKey, key] of Object.entries(ENV_KEYS)) {
    const v = env[envKey];
    if (v !== undefined && v !== '') values[key] = coerce(key, v);
  }
  for (const [flag, key] of Object.entries(FLAG_KEYS)) {
    const v = flags[flag];
    if (v !== undefined) values[key] = coerce(key, v);
  }
  const dataDir = resolve((values.dataDir as string | undefined) ?? defaultDataDir(env));
  return {
    host: (values.host as string | undefined) ?? '127.0.0.1',
    port: (values.port as number | undefined) ?? DEFAULT_PORT,
    dataDir,
    store: (values.store as string | undefined) ?? 'sqlite',
    accountId: (values.accountId as string | undefined) ?? '000000000000',
    defaultRegion: (values.defaultRegion as string | undefined) ?? 'us-east-1',
    sqliteSynchronous: (values.sqliteSynchronous as 'FULL' | 'NORMAL' | undefined) ?? 'FULL',
    retentionIntervalMs: (values.retentionIntervalMs as number | undefined) ?? 60_000,
    roles: (values.roles as string[] | undefined) ?? [...SERVER_ROLES],
    logLevel: ((values.logLevel as string | undefined) ?? 'info') as ServerConfig['logLevel'],
  };
}
