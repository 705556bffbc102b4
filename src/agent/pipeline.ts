/**
 * The pipeline between sources and the server. push() never blocks and never waits: an event goes
 * to a bounded memory buffer, else to a bounded on-disk spool, else it is dropped and counted.
 * Memory blocks and spool segments form one FIFO, so events leave in the order they came, whichever
 * way they took. A sender ships the head of the FIFO on size or on an interval, one round at a time.
 */
import { BlockPool, EventBlock, BLOCK_EVENTS } from './block.js';
import { DropCounter } from './drops.js';
import { EVENT_OVERHEAD_BYTES, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, REQUEST_TARGET_BYTES } from './limits.js';
import { groupByTarget, nextCall, type TargetPlan } from './plan.js';
import { AbortedError, type Shipper } from './shipper.js';
import { Spool, type SpooledEvent, type SpoolOptions, type TargetNames } from './spool.js';

export interface PipelineOptions {
  readonly flushIntervalMs: number;
  /** Memory buffer bound, counted like AWS counts a batch (message bytes + 26 per event). */
  readonly maxMemoryBytes: number;
  readonly maxEventBytes: number;
  readonly reportIntervalMs: number;
  readonly spool?: SpoolOptions;
  /** Where drop reports go as events (the agent's own stream). */
  readonly reportTarget?: { readonly group: string; readonly stream: string };
  /** Send once this many bytes are queued, and cut requests at this size (default REQUEST_TARGET_BYTES). */
  readonly requestTargetBytes?: number;
  /** How many streams are sent to at once. */
  readonly concurrency?: number;
  readonly log: (line: string) => void;
}

export interface PipelineStats {
  readonly pushed: number;
  readonly memoryBytes: number;
  readonly spoolBytes: number;
  readonly dropped: number;
  readonly droppedByReason: Record<string, number>;
  readonly calls: number;
  readonly accepted: number;
}

type Chunk = EventBlock | number; // a memory block, or a spool segment number

interface Round {
  readonly blocks: EventBlock[];
  readonly plans: TargetPlan[];
  /** The spool segment the round was read from, if any. */
  readonly segment: number | undefined;
}

export class Pipeline implements TargetNames {
  private readonly names: { group: string; stream: string }[] = [];
  private readonly ids = new Map<string, number>();
  private readonly pool = new BlockPool();
  private readonly chunks: Chunk[] = [];
  private readonly spool: Spool | undefined;
  readonly drops = new DropCounter();
  private seq = 0;
  private memoryBytes = 0;
  private queuedEvents = 0;
  private queuedBytes = 0;
  private inflight: Round | undefined;
  private inflightFirstSeq: number | undefined;
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private readonly flushTimer: NodeJS.Timeout;
  private readonly reportTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly loggedFailures = new Set<string>();
  private reportTargetId: number | undefined;
  private readonly targetBytes: number;

  constructor(
    private readonly options: PipelineOptions,
    private readonly shipper: Shipper,
  ) {
    this.targetBytes = Math.min(options.requestTargetBytes ?? REQUEST_TARGET_BYTES, MAX_BATCH_BYTES);
    if (options.spool) {
      this.spool = new Spool(options.spool, this);
      this.chunks.push(...this.spool.existing());
    }
    this.flushTimer = setInterval(() => this.tick(), options.flushIntervalMs);
    this.flushTimer.unref();
    if (options.reportIntervalMs > 0) {
      this.reportTimer = setInterval(() => this.report(false), options.reportIntervalMs);
      this.reportTimer.unref();
    }
    if (this.chunks.length > 0) this.kick(Number.POSITIVE_INFINITY);
  }

  /** Interns a (group, stream) pair as a small integer. */
  target(group: string, stream: string): number {
    const key = `${group}\u0000${stream}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.names.length;
      this.names.push({ group, stream });
      this.ids.set(key, id);
    }
    return id;
  }

  targetName(id: number): { readonly group: string; readonly stream: string } {
    return this.names[id]!;
  }

  /** The sequence number the next pushed event gets. */
  get nextSeq(): number {
    return this.seq;
  }

  /** The oldest sequence number not yet durable (shipped, spooled to disk, or dropped). */
  get durableSeq(): number {
    let oldest = this.inflightFirstSeq ?? this.seq;
    for (const chunk of this.chunks) {
      if (chunk instanceof EventBlock) {
        oldest = Math.min(oldest, chunk.firstSeq);
        break;
      }
    }
    if (this.spool?.pendingFromSeq !== undefined) oldest = Math.min(oldest, this.spool.pendingFromSeq);
    return oldest;
  }

  /** Whether a source that can wait (a file) should read more now. */
  get hasRoom(): boolean {
    return this.memoryBytes < this.options.maxMemoryBytes || (this.spool !== undefined && this.spool.bytes < (this.options.spool?.maxBytes ?? 0));
  }

  stats(): PipelineStats {
    return {
      pushed: this.seq,
      memoryBytes: this.memoryBytes,
      spoolBytes: this.spool?.bytes ?? 0,
      dropped: this.drops.totalCount,
      droppedByReason: this.drops.byReason(),
      calls: this.shipper.calls,
      accepted: this.shipper.accepted,
    };
  }

  /** Queues one event. Never blocks; empty messages are skipped (AWS requires at least 1 character). */
  push(target: number, time: number, message: string): void {
    this.enqueue(target, time, message, false);
  }

  private enqueue(target: number, time: number, message: string, force: boolean): void {
    if (message.length === 0 || this.closed) return;
    const size = Buffer.byteLength(message, 'utf8');
    const seq = this.seq++;
    const tail = this.chunks[this.chunks.length - 1];
    if (force || this.memoryBytes + size + EVENT_OVERHEAD_BYTES <= this.options.maxMemoryBytes) {
      let block: EventBlock;
      if (tail instanceof EventBlock && !tail.full) block = tail;
      else {
        block = this.pool.take();
        block.firstSeq = seq;
        this.chunks.push(block);
      }
      block.push(target, time, message, size);
      this.memoryBytes += size + EVENT_OVERHEAD_BYTES;
      this.queuedBytes += size + EVENT_OVERHEAD_BYTES;
      this.queuedEvents++;
      if ((this.queuedEvents >= MAX_BATCH_EVENTS || this.queuedBytes >= this.targetBytes) && !this.loop) this.kick(seq);
      return;
    }
    if (this.spool) {
      const segment = this.spool.append(typeof tail === 'number' ? tail : undefined, seq, target, time, message, size);
      if (segment !== undefined) {
        if (segment !== tail) this.chunks.push(segment);
        return;
      }
    }
    this.drops.add('buffer_full');
  }

  /** Ships what is queued now (tests and shutdown use it; normally the interval does). */
  async flush(): Promise<void> {
    if (this.loop) await this.loop;
    this.kick(this.seq);
    if (this.loop) await this.loop;
  }

  private tick(): void {
    this.spool?.flush();
    if (!this.loop && this.chunks.length > 0) this.kick(this.seq);
  }

  /** Starts the sender unless it runs: it ships every chunk holding events older than untilSeq. */
  private kick(untilSeq: number): void {
    if (this.loop) return;
    this.loop = this.drain(untilSeq)
      .catch((err: unknown) => {
        if (!(err instanceof AbortedError)) this.options.log(`internal error while shipping: ${err instanceof Error ? err.stack : String(err)}`);
      })
      .finally(() => {
        this.loop = undefined;
      });
  }

  private async drain(untilSeq: number): Promise<void> {
    while (!this.abort.signal.aborted) {
      const head = this.chunks[0];
      if (head === undefined) return;
      const full = this.queuedEvents >= MAX_BATCH_EVENTS || this.queuedBytes >= this.targetBytes;
      if (head instanceof EventBlock && head.firstSeq > untilSeq && !full) return;
      await this.round();
    }
  }

  private takeRound(): Round | undefined {
    const head = this.chunks[0];
    if (head === undefined) return undefined;
    if (typeof head === 'number') {
      this.chunks.shift();
      this.spool!.seal(head);
      const blocks = this.spool!.read(head, this.pool);
      return { blocks, plans: groupByTarget(blocks), segment: head };
    }
    const blocks: EventBlock[] = [];
    let events = 0;
    let bytes = 0;
    while (this.chunks[0] instanceof EventBlock) {
      const block = this.chunks[0];
      if (blocks.length > 0 && (events + block.length > MAX_BATCH_EVENTS || bytes + block.bytes > this.targetBytes)) break;
      this.chunks.shift();
      blocks.push(block);
      events += block.length;
      bytes += block.bytes;
    }
    this.queuedEvents -= events;
    this.queuedBytes -= bytes;
    this.inflightFirstSeq = blocks[0]!.firstSeq;
    return { blocks, plans: groupByTarget(blocks), segment: undefined };
  }

  private async round(): Promise<void> {
    const round = this.takeRound();
    if (!round) return;
    this.inflight = round;
    const queue = [...round.plans];
    const workers: Promise<void>[] = [];
    for (let w = 0; w < Math.min(this.options.concurrency ?? 8, queue.length); w++) {
      workers.push(
        (async () => {
          for (let plan = queue.shift(); plan; plan = queue.shift()) await this.sendPlan(plan, round.blocks);
        })(),
      );
    }
    const results = await Promise.allSettled(workers);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason; // aborted at shutdown: close() keeps what is left in round
    this.finishRound(round);
  }

  private async sendPlan(plan: TargetPlan, blocks: readonly EventBlock[]): Promise<void> {
    const { group, stream } = this.names[plan.target]!;
    let resumeByte = 0;
    for (let call = nextCall(plan, blocks, this.options.maxEventBytes, resumeByte, this.targetBytes); call; call = nextCall(plan, blocks, this.options.maxEventBytes, resumeByte, this.targetBytes)) {
      const outcome = await this.shipper.send(group, stream, call.logEvents, this.abort.signal);
      if (outcome.ok) {
        this.drops.add('rejected_too_old', outcome.tooOld);
        this.drops.add('rejected_expired', outcome.expired);
        this.drops.add('rejected_too_new', outcome.tooNew);
      } else {
        this.drops.add(`rejected_${outcome.reason}`, call.logEvents.length);
        const key = `${outcome.reason}: ${outcome.message}`;
        if (!this.loggedFailures.has(key)) {
          this.loggedFailures.add(key);
          this.options.log(`dropping ${call.logEvents.length} events for ${group} / ${stream}: ${key}`);
        }
      }
      plan.sent = call.sentAfter;
      resumeByte = call.resumeByte;
    }
  }

  private finishRound(round: Round): void {
    if (round.segment !== undefined) this.spool!.remove(round.segment);
    else {
      for (const block of round.blocks) this.memoryBytes -= block.bytes;
      this.inflightFirstSeq = undefined;
    }
    for (const block of round.blocks) this.pool.give(block);
    this.inflight = undefined;
  }

  /** Reports drops since the last report: a line on stderr and an event in the agent's own stream. */
  private report(final: boolean): void {
    const interval = this.drops.takeInterval();
    if (!interval) return;
    const reasons = Object.entries(interval.byReason)
      .map(([reason, n]) => `${reason}=${n}`)
      .join(' ');
    const total = this.drops.totalCount;
    this.options.log(`dropped ${interval.count} events ${final ? 'since the last report' : `in the last ${Math.round(this.options.reportIntervalMs / 1000)}s`} (${reasons}); ${total} dropped in total`);
    const target = this.options.reportTarget;
    if (!target) return;
    this.reportTargetId ??= this.target(target.group, target.stream);
    const message = JSON.stringify({ type: 'logharbor.agent.dropped', dropped: interval.count, byReason: interval.byReason, totalDropped: total, final });
    // A report must get through even when the buffer is full: it may exceed the bound by one event.
    this.enqueue(this.reportTargetId, Date.now(), message, true);
  }

  /**
   * Final flush, bounded by timeoutMs: ships what is queued; what cannot be shipped in time is
   * spooled to disk (in order, ahead of newer spooled events) or, without a spool, counted as dropped.
   */
  async close(timeoutMs: number): Promise<PipelineStats> {
    if (this.closed) return this.stats();
    clearInterval(this.flushTimer);
    if (this.reportTimer) clearInterval(this.reportTimer);
    this.report(true);
    this.closed = true;
    const deadline = setTimeout(() => this.abort.abort(), timeoutMs);
    try {
      if (this.loop) await this.loop;
      while (!this.abort.signal.aborted && this.chunks.length > 0) {
        const head = this.chunks[0];
        this.kick(Number.POSITIVE_INFINITY);
        await this.loop;
        if (this.chunks[0] === head && !this.abort.signal.aborted) break; // no progress: keep the rest
      }
    } finally {
      clearTimeout(deadline);
    }
    this.keepLeftovers();
    const late = this.drops.takeInterval();
    if (late) this.options.log(`dropped ${late.count} events at exit (${Object.entries(late.byReason).map(([r, n]) => `${r}=${n}`).join(' ')}); ${this.drops.totalCount} dropped in total`);
    return this.stats();
  }

  private keepLeftovers(): void {
    const round = this.inflight;
    const spool = this.spool;
    if (!spool) {
      let lost = 0;
      if (round) for (const plan of round.plans) lost += plan.refs.length - plan.sent;
      for (const chunk of this.chunks) if (chunk instanceof EventBlock) lost += chunk.length;
      this.drops.add('shutdown_timeout', lost);
      this.chunks.length = 0;
      return;
    }
    if (round) {
      const events = unsentEvents(round);
      if (round.segment !== undefined) spool.writeBetween(events, undefined, undefined, round.segment);
      else spool.writeBetween(events, undefined, firstSegment(this.chunks));
    }
    // Memory blocks between segments become segments in their place.
    for (let i = 0; i < this.chunks.length; ) {
      if (!(this.chunks[i] instanceof EventBlock)) {
        i++;
        continue;
      }
      let j = i;
      while (this.chunks[j] instanceof EventBlock) j++;
      const before = this.chunks[j];
      const after = i > 0 ? this.chunks[i - 1] : undefined;
      spool.writeBetween(blockEvents(this.chunks.slice(i, j) as EventBlock[]), typeof after === 'number' ? after : undefined, typeof before === 'number' ? before : undefined);
      i = j;
    }
    spool.flush();
    this.chunks.length = 0;
  }
}

function firstSegment(chunks: readonly Chunk[]): number | undefined {
  for (const chunk of chunks) if (typeof chunk === 'number') return chunk;
  return undefined;
}

function* unsentEvents(round: Round): Iterable<SpooledEvent> {
  for (const plan of round.plans) {
    for (let i = plan.sent; i < plan.refs.length; i++) {
      const ref = plan.refs[i]!;
      const block = round.blocks[Math.floor(ref / BLOCK_EVENTS)]!;
      const k = ref % BLOCK_EVENTS;
      yield { target: block.targets[k]!, time: block.times[k]!, message: block.messages[k]! };
    }
  }
}

function* blockEvents(blocks: readonly EventBlock[]): Iterable<SpooledEvent> {
  for (const block of blocks) {
    for (let k = 0; k < block.length; k++) yield { target: block.targets[k]!, time: block.times[k]!, message: block.messages[k]! };
  }
}
