/**
 * The on-disk spool: when the memory buffer is full (the server is away or slow), events go to
 * segment files of JSON lines, bounded in total bytes, and are shipped from there in order once the
 * server is back. A segment is deleted only after all of its events were acknowledged. The spool
 * survives restarts: a new agent ships what an old one left behind before anything new.
 */
import { appendFileSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BlockPool, EventBlock } from './block.js';

const SEGMENT = /^seg-(\d{15})\.jsonl$/;
/** Segments are numbered with gaps so that a shutdown can put memory leftovers between them. */
const FIRST_SEGMENT = 100_000_000_000_000;
const SEGMENT_STEP = 1024;
/** Pending lines are written once they reach this size (or on the next flush tick). */
const WRITE_CHUNK_BYTES = 64 * 1024;

export interface SpoolOptions {
  readonly dir: string;
  readonly maxBytes: number;
  /** A segment takes no more events once it holds this many bytes (default 1 MiB). */
  readonly segmentBytes?: number;
}

export interface TargetNames {
  targetName(id: number): { readonly group: string; readonly stream: string };
  target(group: string, stream: string): number;
}

export interface SpooledEvent {
  readonly target: number;
  readonly time: number;
  readonly message: string;
}

interface OpenSegment {
  readonly number: number;
  bytes: number;
  readonly declared: Map<number, number>;
}

export class Spool {
  private readonly segments: number[] = [];
  private readonly segmentBytes: number;
  /** Bytes on disk plus bytes pending. */
  private totalBytes = 0;
  private current: OpenSegment | undefined;
  private pending: string[] = [];
  private pendingBytes = 0;
  /** The pipeline sequence number of the first event not yet written, if any. */
  pendingFromSeq: number | undefined;

  constructor(
    private readonly options: SpoolOptions,
    private readonly names: TargetNames,
  ) {
    this.segmentBytes = options.segmentBytes ?? 1024 * 1024;
    mkdirSync(options.dir, { recursive: true });
    for (const name of readdirSync(options.dir)) {
      const match = SEGMENT.exec(name);
      if (!match) continue;
      this.segments.push(Number(match[1]));
      this.totalBytes += statSync(join(options.dir, name)).size;
    }
    this.segments.sort((a, b) => a - b);
  }

  /** Segments left by an earlier run, oldest first: they precede everything new. */
  existing(): number[] {
    return [...this.segments];
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /**
   * Appends an event to `segment` if it is still open and has room, else to a new segment.
   * Returns the segment written to, or undefined when the spool is full.
   */
  append(segment: number | undefined, seq: number, target: number, time: number, message: string, size: number): number | undefined {
    // A JSON-escaped line is about the message size plus ~30 bytes of framing.
    if (this.totalBytes + size + 32 > this.options.maxBytes) return undefined;
    let open = this.current;
    if (!open || open.number !== segment || open.bytes >= this.segmentBytes) {
      this.flush();
      open = this.openSegment();
    }
    let local = open.declared.get(target);
    let line = '';
    if (local === undefined) {
      local = open.declared.size;
      open.declared.set(target, local);
      const { group, stream } = this.names.targetName(target);
      line = `${JSON.stringify({ i: local, g: group, s: stream })}\n`;
    }
    line += `[${local},${time},${JSON.stringify(message)}]\n`;
    const lineBytes = Buffer.byteLength(line, 'utf8');
    if (this.pending.length === 0) this.pendingFromSeq = seq;
    this.pending.push(line);
    this.pendingBytes += lineBytes;
    open.bytes += lineBytes;
    this.totalBytes += lineBytes;
    if (this.pendingBytes >= WRITE_CHUNK_BYTES) this.flush();
    return open.number;
  }

  /** Writes pending lines; after this, every appended event survives a crash of the agent. */
  flush(): void {
    if (this.pending.length === 0 || !this.current) return;
    appendFileSync(this.path(this.current.number), this.pending.join(''));
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingFromSeq = undefined;
  }

  /** Closes a segment for appends (the sender is about to read it). */
  seal(segment: number): void {
    if (this.current?.number !== segment) return;
    this.flush();
    this.current = undefined;
  }

  /** Reads a segment into blocks (target ids interned through names). */
  read(segment: number, pool: BlockPool): EventBlock[] {
    let text: string;
    try {
      text = readFileSync(this.path(segment), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const blocks: EventBlock[] = [];
    const local = new Map<number, number>();
    let block: EventBlock | undefined;
    for (const line of text.split('\n')) {
      if (line.length === 0) continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        continue; // a line torn by a crash mid-write: the rest of the segment is still good
      }
      if (Array.isArray(value)) {
        const [id, time, message] = value as [unknown, unknown, unknown];
        const target = typeof id === 'number' ? local.get(id) : undefined;
        if (target === undefined || typeof time !== 'number' || typeof message !== 'string' || message.length === 0) continue;
        if (!block || block.full) {
          block = pool.take();
          blocks.push(block);
        }
        block.push(target, time, message, Buffer.byteLength(message, 'utf8'));
      } else if (value && typeof value === 'object') {
        const { i, g, s } = value as { i?: unknown; g?: unknown; s?: unknown };
        if (typeof i === 'number' && typeof g === 'string' && typeof s === 'string') local.set(i, this.names.target(g, s));
      }
    }
    return blocks;
  }

  /** Deletes a segment whose events were all shipped. */
  remove(segment: number): void {
    if (this.current?.number === segment) {
      this.pending = [];
      this.pendingBytes = 0;
      this.pendingFromSeq = undefined;
      this.current = undefined;
    }
    const path = this.path(segment);
    try {
      this.totalBytes -= statSync(path).size;
      unlinkSync(path);
    } catch {
      // never written, or already gone
    }
    const at = this.segments.indexOf(segment);
    if (at >= 0) this.segments.splice(at, 1);
  }

  /**
   * At shutdown: writes events held in memory as a segment between `after` and `before` (either
   * may be undefined), or in place of `replacing`, so that the spool keeps their order. Memory
   * leftovers may exceed maxBytes: losing them would be worse than a spool slightly over its bound.
   */
  writeBetween(events: Iterable<SpooledEvent>, after: number | undefined, before: number | undefined, replacing?: number): void {
    const declared = new Map<number, number>();
    const lines: string[] = [];
    for (const event of events) {
      let local = declared.get(event.target);
      if (local === undefined) {
        local = declared.size;
        declared.set(event.target, local);
        const { group, stream } = this.names.targetName(event.target);
        lines.push(`${JSON.stringify({ i: local, g: group, s: stream })}\n`);
      }
      lines.push(`[${local},${event.time},${JSON.stringify(event.message)}]\n`);
    }
    let number: number;
    if (replacing !== undefined) {
      this.remove(replacing);
      number = replacing;
    } else if (after !== undefined && before !== undefined) number = Math.floor((after + before) / 2);
    else if (before !== undefined) number = before - SEGMENT_STEP / 2;
    else if (after !== undefined) number = after + SEGMENT_STEP / 2;
    else number = (this.segments[0] ?? FIRST_SEGMENT + SEGMENT_STEP) - SEGMENT_STEP;
    if (lines.length === 0) return;
    if (this.segments.includes(number)) throw new Error(`spool: no room to insert a segment at ${number}`);
    const text = lines.join('');
    const path = this.path(number);
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
    this.totalBytes += Buffer.byteLength(text, 'utf8');
    this.segments.push(number);
    this.segments.sort((a, b) => a - b);
  }

  private openSegment(): OpenSegment {
    const last = this.segments[this.segments.length - 1];
    const number = last === undefined ? FIRST_SEGMENT : last - (last % SEGMENT_STEP) + SEGMENT_STEP;
    this.segments.push(number);
    this.current = { number, bytes: 0, declared: new Map() };
    return this.current;
  }

  private path(segment: number): string {
    return join(this.options.dir, `seg-${String(segment).padStart(15, '0')}.jsonl`);
  }
}
