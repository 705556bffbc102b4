/**
 * A minimal Docker Engine API client over the Unix socket: version negotiation, container list and
 * inspect, the event stream, and log streams with their 8-byte multiplexing header.
 * https://docs.docker.com/reference/api/engine/
 */
import { request, type ClientRequest, type IncomingMessage } from 'node:http';

export interface ContainerSummary {
  readonly Id: string;
  readonly Names?: readonly string[];
  readonly State?: string;
}

export interface ContainerInspect {
  readonly Id: string;
  readonly Name: string;
  readonly Config: { readonly Image?: string; readonly Env?: readonly string[] | null; readonly Labels?: Record<string, string> | null; readonly Tty?: boolean };
  readonly State?: { readonly Running?: boolean };
}

export interface DockerEvent {
  readonly Type?: string;
  readonly Action?: string;
  readonly status?: string;
  readonly id?: string;
  readonly Actor?: { readonly ID?: string };
}

export class DockerApi {
  private prefix = '';

  constructor(private readonly socketPath: string) {}

  /** Uses the engine's own API version (old fixed versions are refused by newer engines). */
  async negotiate(): Promise<void> {
    const version = (await this.json('/version')) as { ApiVersion?: unknown };
    this.prefix = typeof version.ApiVersion === 'string' && /^\d+\.\d+$/.test(version.ApiVersion) ? `/v${version.ApiVersion}` : '';
  }

  async listRunning(): Promise<ContainerSummary[]> {
    const list = await this.json(`${this.prefix}/containers/json`);
    return Array.isArray(list) ? (list as ContainerSummary[]) : [];
  }

  async inspect(id: string): Promise<ContainerInspect> {
    return (await this.json(`${this.prefix}/containers/${encodeURIComponent(id)}/json`)) as ContainerInspect;
  }

  /** Streams container start events; resolves the request so that the caller can abort it. */
  events(onEvent: (event: DockerEvent) => void, onEnd: (err?: Error) => void): ClientRequest {
    const filters = encodeURIComponent(JSON.stringify({ type: ['container'], event: ['start'] }));
    return this.stream(`${this.prefix}/events?filters=${filters}`, (res) => {
      let carry = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        carry += chunk;
        // Events are JSON objects, one per line.
        for (let nl = carry.indexOf('\n'); nl >= 0; nl = carry.indexOf('\n')) {
          const line = carry.slice(0, nl).trim();
          carry = carry.slice(nl + 1);
          if (line.length === 0) continue;
          try {
            onEvent(JSON.parse(line) as DockerEvent);
          } catch {
            // not an event
          }
        }
      });
    }, onEnd);
  }

  /**
   * Follows a container's logs with timestamps. `onData` gets each payload with its stream
   * (1 stdout, 2 stderr); with a TTY there is no multiplexing and everything is stdout.
   */
  logs(id: string, since: string, tty: boolean, onData: (stream: 1 | 2, payload: Buffer) => void, onEnd: (err?: Error) => void): ClientRequest {
    const query = `follow=1&stdout=1&stderr=1&timestamps=1${since ? `&since=${encodeURIComponent(since)}` : ''}`;
    return this.stream(`${this.prefix}/containers/${encodeURIComponent(id)}/logs?${query}`, (res) => {
      if (tty) {
        res.on('data', (chunk: Buffer) => onData(1, chunk));
        return;
      }
      const demux = new Demultiplexer(onData);
      res.on('data', (chunk: Buffer) => demux.push(chunk));
    }, onEnd);
  }

  private json(path: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: this.socketPath, path, method: 'GET', headers: { Host: 'docker' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 500) >= 300) {
            reject(new Error(`Docker API ${path}: HTTP ${res.statusCode}: ${body.slice(0, 200)}`));
            return;
          }
          try {
            resolve(JSON.parse(body));
          } catch (err) {
            reject(err as Error);
          }
        });
        res.on('error', reject);
      });
      req.setTimeout(10_000, () => req.destroy(new Error(`Docker API ${path}: timed out`)));
      req.on('error', reject);
      req.end();
    });
  }

  private stream(path: string, onResponse: (res: IncomingMessage) => void, onEnd: (err?: Error) => void): ClientRequest {
    let ended = false;
    const end = (err?: Error) => {
      if (ended) return;
      ended = true;
      onEnd(err);
    };
    const req = request({ socketPath: this.socketPath, path, method: 'GET', headers: { Host: 'docker' } }, (res) => {
      if ((res.statusCode ?? 500) >= 300) {
        res.resume();
        end(new Error(`Docker API ${path}: HTTP ${res.statusCode}`));
        return;
      }
      onResponse(res);
      res.on('end', () => end());
      res.on('close', () => end());
      res.on('error', (err) => end(err));
    });
    req.on('error', (err) => end(err));
    req.end();
    return req;
  }
}

/** Docker's stream framing: [stream type, 0, 0, 0, size (uint32 big-endian)] then size bytes. */
export class Demultiplexer {
  private carry: Buffer | undefined;

  constructor(private readonly onData: (stream: 1 | 2, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    const buf = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = undefined;
    let at = 0;
    while (buf.length - at >= 8) {
      const type = buf[at]!;
      const size = buf.readUInt32BE(at + 4);
      if (buf.length - at - 8 < size) break;
      const payload = buf.subarray(at + 8, at + 8 + size);
      if (type === 1 || type === 2) this.onData(type, payload);
      at += 8 + size;
    }
    if (at < buf.length) this.carry = Buffer.from(buf.subarray(at));
  }
}
