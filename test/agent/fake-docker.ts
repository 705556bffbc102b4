/**
 * A local server speaking the Docker Engine API endpoints the agent uses, over a Unix socket, as
 * Docker's API documentation describes them (https://docs.docker.com/reference/api/engine/):
 * GET /version, GET /v{api}/containers/json, GET /v{api}/containers/{id}/json,
 * GET /v{api}/events (a stream of JSON objects) and GET /v{api}/containers/{id}/logs with
 * follow/stdout/stderr/timestamps/since, framed with the 8-byte stream header unless the container
 * has a TTY. Unversioned paths, old versions and unknown endpoints answer like the engine does.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';

export const API_VERSION = '1.47';
const MIN_API_VERSION = '1.24';

interface LogEntry {
  readonly stream: 1 | 2;
  /** RFC 3339 with nanoseconds, as Docker writes it. */
  readonly time: string;
  readonly nanosSinceEpoch: bigint;
  readonly text: string;
}

export interface FakeContainer {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly labels: Record<string, string>;
  readonly env: string[];
  readonly tty: boolean;
  running: boolean;
  readonly logs: LogEntry[];
  readonly followers: Set<{ res: ServerResponse; timestamps: boolean; stdout: boolean; stderr: boolean }>;
}

export class FakeDockerEngine {
  readonly containers = new Map<string, FakeContainer>();
  private readonly eventSubscribers = new Set<ServerResponse>();
  private server: Server | undefined;
  readonly requests: string[] = [];
  private clock = 0n;

  constructor(readonly socketPath: string) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req.method ?? 'GET', req.url ?? '/', res));
    await new Promise<void>((resolve) => this.server!.listen(this.socketPath, resolve));
  }

  async close(): Promise<void> {
    for (const res of this.eventSubscribers) res.end();
    for (const c of this.containers.values()) for (const f of c.followers) f.res.end();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Creates and starts a container (emits a `start` event). */
  run(options: { name: string; image?: string; labels?: Record<string, string>; env?: string[]; tty?: boolean }): FakeContainer {
    const container: FakeContainer = {
      id: randomBytes(32).toString('hex'),
      name: `/${options.name}`,
      image: options.image ?? 'busybox:latest',
      labels: options.labels ?? {},
      env: options.env ?? ['PATH=/usr/bin'],
      tty: options.tty ?? false,
      running: true,
      logs: [],
      followers: new Set(),
    };
    this.containers.set(container.id, container);
    this.emit({ status: 'start', id: container.id, from: container.image, Type: 'container', Action: 'start', Actor: { ID: container.id, Attributes: { image: container.image, name: options.name, ...container.labels } }, scope: 'local' });
    return container;
  }

  /** The container writes `text` (a chunk, usually one or more lines) to stdout (1) or stderr (2). */
  write(container: FakeContainer, stream: 1 | 2, text: string): void {
    const nanos = this.now();
    const entry: LogEntry = { stream, time: rfc3339Nano(nanos), nanosSinceEpoch: nanos, text };
    container.logs.push(entry);
    for (const f of container.followers) this.send(container, f, entry);
  }

  stop(container: FakeContainer): void {
    container.running = false;
    for (const f of container.followers) f.res.end();
    container.followers.clear();
    this.emit({ status: 'die', id: container.id, Type: 'container', Action: 'die', Actor: { ID: container.id, Attributes: {} }, scope: 'local' });
  }

  /** Nanoseconds since the epoch, strictly increasing (Docker's timestamps are distinct per line). */
  private now(): bigint {
    const wall = BigInt(Date.now()) * 1_000_000n;
    this.clock = wall > this.clock ? wall : this.clock + 1n;
    return this.clock;
  }

  private emit(event: object): void {
    const line = `${JSON.stringify({ ...event, time: Math.floor(Date.now() / 1000), timeNano: Date.now() * 1e6 })}\n`;
    for (const res of this.eventSubscribers) res.write(line);
  }

  private handle(method: string, rawUrl: string, res: ServerResponse): void {
    const url = new URL(rawUrl, 'http://docker');
    this.requests.push(`${method} ${url.pathname}`);
    const versioned = /^\/v(\d+\.\d+)(\/.*)$/.exec(url.pathname);
    if (versioned && compareVersions(versioned[1]!, MIN_API_VERSION) < 0) {
      return json(res, 400, { message: `client version ${versioned[1]} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version` });
    }
    const path = versioned ? versioned[2]! : url.pathname;
    if (method !== 'GET') return json(res, 404, { message: 'page not found' });
    if (path === '/_ping') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Api-Version': API_VERSION });
      return void res.end('OK');
    }
    if (path === '/version') return json(res, 200, { Version: '27.3.1', ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, Os: 'linux', Arch: 'amd64' });
    if (path === '/containers/json') {
      const all = url.searchParams.get('all') === '1' || url.searchParams.get('all') === 'true';
      return json(
        res,
        200,
        [...this.containers.values()].filter((c) => all || c.running).map((c) => ({ Id: c.id, Names: [c.name], Image: c.image, Labels: c.labels, State: c.running ? 'running' : 'exited', Status: c.running ? 'Up 1 second' : 'Exited (0)' })),
      );
    }
    if (path === '/events') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Api-Version': API_VERSION });
      res.flushHeaders();
      this.eventSubscribers.add(res);
      res.on('close', () => this.eventSubscribers.delete(res));
      return;
    }
    const inspect = /^\/containers\/([^/]+)\/json$/.exec(path);
    if (inspect) {
      const c = this.find(decodeURIComponent(inspect[1]!));
      if (!c) return json(res, 404, { message: `No such container: ${inspect[1]}` });
      return json(res, 200, {
        Id: c.id,
        Name: c.name,
        Image: `sha256:${'0'.repeat(64)}`,
        Config: { Hostname: c.id.slice(0, 12), Image: c.image, Env: c.env, Labels: c.labels, Tty: c.tty },
        State: { Status: c.running ? 'running' : 'exited', Running: c.running },
      });
    }
    const logs = /^\/containers\/([^/]+)\/logs$/.exec(path);
    if (logs) {
      const c = this.find(decodeURIComponent(logs[1]!));
      if (!c) return json(res, 404, { message: `No such container: ${logs[1]}` });
      const q = url.searchParams;
      const flag = (name: string) => q.get(name) === '1' || q.get(name) === 'true';
      const stdout = flag('stdout');
      const stderr = flag('stderr');
      if (!stdout && !stderr) return json(res, 400, { message: 'You must choose at least one stream' });
      const since = parseSince(q.get('since'));
      res.writeHead(200, { 'Content-Type': c.tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream', 'Api-Version': API_VERSION });
      res.flushHeaders();
      const follower = { res, timestamps: flag('timestamps'), stdout, stderr };
      for (const entry of c.logs) if (entry.nanosSinceEpoch >= since) this.send(c, follower, entry);
      if (flag('follow') && c.running) {
        c.followers.add(follower);
        res.on('close', () => c.followers.delete(follower));
      } else res.end();
      return;
    }
    json(res, 404, { message: 'page not found' });
  }

  private find(idOrName: string): FakeContainer | undefined {
    for (const c of this.containers.values()) if (c.id.startsWith(idOrName) || c.name === `/${idOrName}`) return c;
    return undefined;
  }

  private send(c: FakeContainer, f: { res: ServerResponse; timestamps: boolean; stdout: boolean; stderr: boolean }, entry: LogEntry): void {
    if ((entry.stream === 1 && !f.stdout) || (entry.stream === 2 && !f.stderr)) return;
    // Like the engine, each line of the entry is a frame, prefixed with its timestamp when asked.
    const lines = entry.text.split(/(?<=\n)/);
    for (const line of lines) {
      const payload = Buffer.from(f.timestamps ? `${entry.time} ${line}` : line);
      if (c.tty) f.res.write(payload);
      else {
        const header = Buffer.alloc(8);
        header[0] = entry.stream;
        header.writeUInt32BE(payload.length, 4);
        f.res.write(Buffer.concat([header, payload]));
      }
    }
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Api-Version': API_VERSION });
  res.end(`${JSON.stringify(body)}\n`);
}

function compareVersions(a: string, b: string): number {
  const [a1 = 0, a2 = 0] = a.split('.').map(Number);
  const [b1 = 0, b2 = 0] = b.split('.').map(Number);
  return a1 - b1 || a2 - b2;
}

/** `since`: a UNIX timestamp with optional fractional nanoseconds ("1700000000.123456789"). */
function parseSince(value: string | null): bigint {
  if (!value) return 0n;
  const [seconds = '0', fraction = ''] = value.split('.');
  return BigInt(seconds) * 1_000_000_000n + BigInt(fraction.padEnd(9, '0').slice(0, 9) || '0');
}

function rfc3339Nano(nanos: bigint): string {
  const ms = Number(nanos / 1_000_000n);
  const base = new Date(ms).toISOString().slice(0, 19);
  // Go's RFC3339Nano trims trailing zeros of the fraction.
  const fraction = (nanos % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${base}${fraction ? `.${fraction}` : ''}Z`;
}
