/**
 * The Docker source: discovers running containers through the Engine API socket, follows new ones
 * as they start (the event stream), and ships their logs, stdout and stderr demultiplexed, to a
 * group and stream named by templates over the container's name, id, image, labels and environment.
 * A container may override them with the label `logharbor.group` / `logharbor.stream` or the
 * environment variables LOGHARBOR_GROUP / LOGHARBOR_STREAM (LOGSPOUT_GROUP / LOGSPOUT_STREAM, as
 * logspout-cloudwatch reads them, work too); `logharbor.ignore=true` or LOGSPOUT=ignore skips it.
 */
import type { ClientRequest } from 'node:http';
import type { ContainerPosition } from '../checkpoint.js';
import { DOCKER_VARIABLES, type DockerSourceConfig } from '../config.js';
import { DockerApi, type ContainerInspect } from '../docker-api.js';
import { Marks } from '../drops.js';
import { withLevel } from '../level.js';
import { LineSplitter } from '../lines.js';
import { TargetResolver, type Runtime } from '../runtime.js';
import { parseTemplate, type Template } from '../template.js';

/** Docker prefixes each line with an RFC 3339 timestamp with nanoseconds when timestamps=1. */
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2}) /;

interface Attached {
  readonly id: string;
  request: ClientRequest | undefined;
  readonly marks: Marks<string>;
  /** The log stream ended (the container stopped); kept until its last lines are durable. */
  ended: boolean;
}

export class DockerSource {
  private readonly api: DockerApi;
  private readonly attached = new Map<string, Attached>();
  private readonly ignored = new Set<string>();
  private readonly positionsById: Record<string, ContainerPosition>;
  private events: ClientRequest | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;

  constructor(
    private readonly config: DockerSourceConfig,
    private readonly runtime: Runtime,
    saved: Record<string, ContainerPosition>,
    private readonly log: (line: string) => void,
  ) {
    this.api = new DockerApi(config.socket);
    this.positionsById = { ...saved };
  }

  start(): void {
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.events?.destroy();
    for (const container of this.attached.values()) container.request?.destroy();
  }

  /** Positions to checkpoint: the timestamp of each container's last durable line. */
  positions(durableSeq: number): Record<string, ContainerPosition> {
    for (const container of [...this.attached.values()]) {
      const since = container.marks.settled(durableSeq);
      if (since !== undefined) this.positionsById[container.id] = { since };
      if (container.ended && container.marks.pending === 0) this.attached.delete(container.id);
    }
    // Entries older than AWS accepts (14 days) can go: nothing before them would be shipped anyway.
    const horizon = Date.now() / 1000 - 14 * 86_400;
    for (const [id, position] of Object.entries(this.positionsById)) {
      if (!this.attached.has(id) && Number(position.since) < horizon) delete this.positionsById[id];
    }
    return { ...this.positionsById };
  }

  /** Watches events first, then lists, so that no container starting in between is missed. */
  private async connect(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.api.negotiate();
      this.events = this.api.events(
        (event) => {
          const id = event.Actor?.ID ?? event.id;
          if ((event.Action ?? event.status) === 'start' && id) void this.attach(id);
        },
        (err) => {
          this.events = undefined;
          if (!this.stopped) this.retry(err ?? new Error('event stream ended'));
        },
      );
      for (const container of await this.api.listRunning()) void this.attach(container.Id);
      if (this.failures > 0) this.log(`Docker API reachable again at ${this.config.socket}`);
      this.failures = 0;
    } catch (err) {
      this.events?.destroy();
      this.retry(err as Error);
    }
  }

  private retry(err: Error): void {
    if (this.stopped || this.retryTimer) return;
    if (this.failures === 0) this.log(`Docker API at ${this.config.socket}: ${err.message}; retrying`);
    const delay = Math.min(30_000, 500 * 2 ** Math.min(this.failures++, 6));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, delay);
    this.retryTimer.unref();
  }

  private async attach(id: string): Promise<void> {
    if (this.stopped || this.ignored.has(id)) return;
    const previous = this.attached.get(id);
    if (previous && !previous.ended) return;
    // A restarted container: continue after the last line of its previous run.
    const since = previous?.marks.settled(Number.POSITIVE_INFINITY) ?? this.positionsById[id]?.since ?? '';
    const container: Attached = { id, request: undefined, marks: new Marks<string>(since || undefined), ended: false };
    this.attached.set(id, container);
    let info: ContainerInspect;
    try {
      info = await this.api.inspect(id);
    } catch (err) {
      this.attached.delete(id);
      this.log(`cannot inspect container ${id.slice(0, 12)}: ${(err as Error).message}`);
      return;
    }
    const env = parseEnv(info.Config.Env ?? []);
    const labels = info.Config.Labels ?? {};
    if (labels['logharbor.ignore'] === 'true' || env.get('LOGSPOUT') === 'ignore' || env.get('LOGHARBOR_IGNORE') === 'true') {
      this.attached.delete(id);
      this.ignored.add(id);
      return;
    }
    const name = info.Name.replace(/^\//, '');
    const variables = (v: string): string | undefined => {
      if (v === 'container.name') return name;
      if (v === 'container.id') return info.Id;
      if (v === 'container.short_id') return info.Id.slice(0, 12);
      if (v === 'container.image') return info.Config.Image ?? '';
      if (v.startsWith('container.label.')) return labels[v.slice('container.label.'.length)] ?? '';
      if (v.startsWith('container.env.')) return env.get(v.slice('container.env.'.length)) ?? '';
      return undefined;
    };
    const group = this.override(labels['logharbor.group'] ?? env.get('LOGHARBOR_GROUP') ?? env.get('LOGSPOUT_GROUP'), this.config.group, name);
    const stream = this.override(labels['logharbor.stream'] ?? env.get('LOGHARBOR_STREAM') ?? env.get('LOGSPOUT_STREAM'), this.config.stream, name);
    const target = new TargetResolver(this.runtime, group, stream, this.runtime.lookup(variables), this.config.retentionInDays);
    const pipeline = this.runtime.pipeline;
    const lastKey = since ? sortKey(since) : '';
    const splitters = { 1: new LineSplitter(this.runtime.maxEventBytes), 2: new LineSplitter(this.runtime.maxEventBytes) };
    let lastSince = since;
    const onLine = (stream: 1 | 2, line: string) => {
      const now = Date.now();
      const match = TIMESTAMP.exec(line);
      let time = now;
      let message = line;
      if (match) {
        const nanos = (match[2] ?? '').padEnd(9, '0');
        const seconds = Math.floor(Date.parse(`${match[1]!}${match[3]!}`) / 1000);
        const key = `${String(seconds).padStart(12, '0')}.${nanos}`;
        // `since` is inclusive: skip what an earlier run already shipped.
        if (lastKey && key <= lastKey) return;
        time = seconds * 1000 + Number(nanos.slice(0, 3));
        message = line.slice(match[0].length);
        lastSince = `${seconds}.${nanos}`;
      }
      pipeline.push(target.at(now), time, withLevel(message, stream === 1 ? 'INFO' : 'ERROR', this.config.levelFormat));
    };
    const tty = info.Config.Tty === true;
    container.request = this.api.logs(
      id,
      since,
      tty,
      (stream, payload) => {
        splitters[stream].push(payload, (line) => onLine(stream, line));
        container.marks.add(pipeline.nextSeq, lastSince);
      },
      (err) => {
        splitters[1].end((line) => onLine(1, line));
        splitters[2].end((line) => onLine(2, line));
        container.marks.add(pipeline.nextSeq, lastSince);
        if (err && !this.stopped) this.log(`logs of ${name}: ${err.message}`);
        // The container stopped (or the engine went away): positions() forgets it once durable.
        container.ended = true;
        container.request = undefined;
      },
    );
  }

  private override(value: string | undefined, fallback: Template, container: string): Template {
    if (value === undefined || value.length === 0) return fallback;
    try {
      return parseTemplate(value, DOCKER_VARIABLES);
    } catch (err) {
      this.log(`container ${container}: ignoring name override '${value}': ${(err as Error).message}`);
      return fallback;
    }
  }
}

function parseEnv(list: readonly string[]): Map<string, string> {
  const env = new Map<string, string>();
  for (const entry of list) {
    const eq = entry.indexOf('=');
    if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return env;
}

/** "1700000000.123456789" (Docker's `since`) as a key that sorts like the time it names. */
function sortKey(since: string): string {
  const [seconds = '0', nanos = ''] = since.split('.');
  return `${seconds.padStart(12, '0')}.${nanos.padEnd(9, '0')}`;
}
