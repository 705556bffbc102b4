/** A minimal EventSource for tests: parses the stream as browsers do, and can stall or drop it. */
import { request, type ClientRequest, type IncomingMessage } from 'node:http';

export interface SseEvent {
  readonly event: string;
  readonly data: string;
  readonly id: string;
}

export class SseReader {
  readonly events: SseEvent[] = [];
  /** what a browser would send as Last-Event-ID on reconnect */
  lastEventId = '';
  status = 0;
  ended = false;
  private buffer = '';
  private eventType = '';
  private data: string[] = [];
  private idBuffer = '';
  private req: ClientRequest | undefined;
  private res: IncomingMessage | undefined;

  static open(url: string, lastEventId?: string): Promise<SseReader> {
    const reader = new SseReader();
    if (lastEventId) reader.lastEventId = reader.idBuffer = lastEventId;
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { Accept: 'text/event-stream' };
      if (lastEventId) headers['Last-Event-ID'] = lastEventId;
      const req = request(url, { headers }, (res) => {
        reader.res = res;
        reader.status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => reader.feed(chunk));
        res.on('end', () => (reader.ended = true));
        res.on('close', () => (reader.ended = true));
        res.on('error', () => (reader.ended = true));
        resolve(reader);
      });
      req.on('error', (err) => (reader.res ? (reader.ended = true) : reject(err)));
      req.end();
      reader.req = req;
    });
  }

  /** Messages of the default event type, parsed. */
  logEvents<T = Record<string, unknown>>(): T[] {
    return this.events.filter((e) => e.event === 'message').map((e) => JSON.parse(e.data) as T);
  }

  body(): string {
    return this.events.map((e) => e.data).join('\n');
  }

  /** Stops reading: the server's writes back up in the socket. */
  stall(): void {
    this.res?.pause();
  }

  unstall(): void {
    this.res?.resume();
  }

  /** Drops the connection as a network failure would. */
  drop(): void {
    this.req?.destroy();
    this.res?.destroy();
    this.ended = true;
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.search(/\r\n|\n|\r/)) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + (this.buffer.startsWith('\r\n', nl) ? 2 : 1));
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') {
      // Dispatch (WHATWG): the last event id is updated even when no event is dispatched.
      this.lastEventId = this.idBuffer;
      if (this.data.length > 0) this.events.push({ event: this.eventType || 'message', data: this.data.join('\n'), id: this.lastEventId });
      this.data = [];
      this.eventType = '';
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.eventType = value;
    else if (field === 'id' && !value.includes('\u0000')) this.idBuffer = value;
  }
}
