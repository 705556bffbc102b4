/**
 * Tails files and globs. Files are known by identity (device + inode), not by name, so that:
 * - rename rotation (app.log -> app.log.1, new app.log) drains the old file, then reads the new one
 *   from its start;
 * - copytruncate and truncation (the file shrinks, or its first bytes change) restart at offset 0;
 * - a restart resumes each file at its checkpointed offset, even if it was rotated meanwhile.
 * Multi-line records (stack traces) are joined by a start pattern; timestamps come from a format.
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { FilePosition } from '../checkpoint.js';
import type { FileSourceConfig } from '../config.js';
import { Marks } from '../drops.js';
import { fileMatcher, type FileMatcher } from '../glob.js';
import { LineSplitter } from '../lines.js';
import { TargetResolver, type Runtime } from '../runtime.js';

/** Bytes of a file's start remembered to recognise it (and to notice copytruncate). */
const HEAD_BYTES = 64;
const READ_BYTES = 64 * 1024;
/** A single tick reads at most this much from one file, so that one busy file cannot starve others. */
const MAX_READ_PER_TICK = 4 * 1024 * 1024;

interface Pending {
  text: string;
  lines: number;
  /** Offset of the record's first byte. */
  readonly start: number;
  readonly time: number;
  readonly since: number;
}

interface Tracked {
  readonly id: string;
  path: string;
  fd: number;
  /** Next byte to read. */
  position: number;
  /** The file offset where the splitter started counting. */
  base: number;
  splitter: LineSplitter;
  head: Buffer;
  readonly marks: Marks<number>;
  /** When the watched paths stopped pointing at this file (renamed away or deleted). */
  orphanedAt: number | undefined;
  lastGrowthAt: number;
  /** Set when the file was drained and closed; kept until its last lines are durable. */
  finalOffset: number | undefined;
  pending: Pending | undefined;
  readonly target: TargetResolver;
}

export class FileSource {
  private readonly tracked = new Map<string, Tracked>();
  private readonly matcher: FileMatcher;
  private readonly readBuffer = Buffer.allocUnsafe(READ_BYTES);
  private first = true;

  constructor(
    private readonly config: FileSourceConfig,
    private readonly runtime: Runtime,
    /** Positions from the checkpoint, by identity. */
    private readonly saved: Record<string, FilePosition>,
    /** Identities another source already tails. */
    private readonly claimed: Set<string>,
  ) {
    this.matcher = fileMatcher(config.paths, config.exclude);
  }

  /** One poll: finds files, notices rotation and truncation, reads what is new. */
  tick(now: number): void {
    const seen = new Map<string, { path: string; size: number }>();
    for (const path of this.matcher.expand()) {
      let st;
      try {
        st = statSync(path);
      } catch {
        continue;
      }
      seen.set(`${st.dev}:${st.ino}`, { path, size: st.size });
    }
    if (this.first) this.adoptRotatedWhileAway(seen);
    for (const [id, { path, size }] of seen) {
      const known = this.tracked.get(id);
      if (known) {
        known.path = path;
        known.orphanedAt = undefined;
        continue;
      }
      if (this.claimed.has(id)) continue;
      this.open(id, path, size, now);
    }
    for (const file of this.tracked.values()) {
      if (file.finalOffset !== undefined) continue;
      if (!seen.has(file.id)) file.orphanedAt ??= now;
      this.read(file, now);
    }
    this.first = false;
  }

  /** Positions to checkpoint, given the oldest sequence number not yet durable. */
  positions(durableSeq: number, into: Record<string, FilePosition>): void {
    for (const file of [...this.tracked.values()]) {
      const offset = file.marks.settled(durableSeq);
      if (offset === undefined) continue;
      if (file.finalOffset !== undefined && offset >= file.finalOffset) {
        // Drained, closed and durable: forget it.
        this.tracked.delete(file.id);
        this.claimed.delete(file.id);
        continue;
      }
      into[file.id] = { path: file.path, offset, head: file.head.toString('base64') };
    }
  }

  /** At shutdown: ships multi-line records still waiting for their next line, closes files. */
  close(now: number): void {
    for (const file of this.tracked.values()) {
      this.flushPending(file, now);
      this.mark(file);
      if (file.fd >= 0) closeSync(file.fd);
      file.fd = -1;
    }
  }

  private open(id: string, path: string, size: number, now: number, orphan = false): void {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return;
    }
    const head = readHead(fd);
    const saved = this.saved[id];
    let offset = 0;
    if (saved && sameHead(head, Buffer.from(saved.head, 'base64')) && saved.offset <= size) offset = saved.offset;
    else if (this.first && !saved && this.config.startPosition === 'end') offset = size;
    const filename = basename(path);
    const target = new TargetResolver(
      this.runtime,
      this.config.group,
      this.config.stream,
      this.runtime.lookup((v) => (v === 'filename' ? filename : v === 'path' ? path : undefined)),
      this.config.retentionInDays,
    );
    const file: Tracked = {
      id,
      path,
      fd,
      position: offset,
      base: offset,
      splitter: new LineSplitter(maxLine(this.runtime)),
      head,
      marks: new Marks<number>(offset),
      orphanedAt: orphan ? now : undefined,
      lastGrowthAt: now,
      finalOffset: undefined,
      pending: undefined,
      target,
    };
    this.tracked.set(id, file);
    this.claimed.add(id);
  }

  /**
   * At start: a checkpointed file that no watched path points to any more was rotated while the
   * agent was away. Find it by inode next to its old path and drain it first.
   */
  private adoptRotatedWhileAway(seen: Map<string, { path: string; size: number }>): void {
    for (const [id, saved] of Object.entries(this.saved)) {
      if (seen.has(id) || this.claimed.has(id)) continue;
      const dir = dirname(saved.path);
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const name of names) {
        const path = join(dir, name);
        try {
          const st = statSync(path);
          if (`${st.dev}:${st.ino}` === id && st.isFile()) {
            this.open(id, path, st.size, Date.now(), true);
            break;
          }
        } catch {
          // vanished meanwhile
        }
      }
    }
  }

  private read(file: Tracked, now: number): void {
    let st;
    try {
      st = fstatSync(file.fd);
    } catch {
      return;
    }
    if (st.size < file.position || this.headChanged(file, st.size)) this.truncated(file, now);
    let budget = MAX_READ_PER_TICK;
    let grew = false;
    while (budget > 0 && this.runtime.pipeline.hasRoom) {
      const n = readSync(file.fd, this.readBuffer, 0, READ_BYTES, file.position);
      if (n === 0) break;
      grew = true;
      file.position += n;
      budget -= n;
      if (file.head.length < HEAD_BYTES) file.head = readHead(file.fd);
      file.splitter.push(n === READ_BYTES ? this.readBuffer : this.readBuffer.subarray(0, n), (line) => this.onLine(file, line, now));
      this.mark(file);
    }
    if (grew) file.lastGrowthAt = now;
    if (file.pending && now - file.pending.since >= (this.config.multiline?.timeoutMs ?? 0)) {
      this.flushPending(file, now);
      this.mark(file);
    }
    if (file.orphanedAt !== undefined && now - Math.max(file.orphanedAt, file.lastGrowthAt) >= this.config.rotateWaitMs) {
      // Rotated away and quiet: its last line needs no newline, it is complete.
      file.splitter.end((line) => this.onLine(file, line, now));
      this.flushPending(file, now);
      this.mark(file);
      closeSync(file.fd);
      file.fd = -1;
      file.finalOffset = file.base + file.splitter.consumed;
    }
  }

  /** copytruncate may refill a file past our offset before we look: a changed start tells. */
  private headChanged(file: Tracked, size: number): boolean {
    if (file.head.length === 0 || size < file.head.length) return false;
    const now = Buffer.alloc(file.head.length);
    readSync(file.fd, now, 0, now.length, 0);
    return !now.equals(file.head);
  }

  private truncated(file: Tracked, now: number): void {
    this.flushPending(file, now);
    file.position = 0;
    file.base = 0;
    file.splitter = new LineSplitter(maxLine(this.runtime));
    file.head = readHead(file.fd);
    this.mark(file);
  }

  private mark(file: Tracked): void {
    file.marks.add(this.runtime.pipeline.nextSeq, file.pending ? file.pending.start : file.base + file.splitter.consumed);
  }

  private onLine(file: Tracked, line: string, now: number): void {
    const start = file.base + file.splitter.consumed;
    const multiline = this.config.multiline;
    if (!multiline) {
      this.emit(file, line, this.timestampOf(line) ?? now, now);
      return;
    }
    const pending = file.pending;
    if (pending && !multiline.startPattern.test(line) && pending.lines < multiline.maxLines) {
      pending.text += `\n${line}`;
      pending.lines++;
      return;
    }
    this.flushPending(file, now);
    file.pending = { text: line, lines: 1, start, time: this.timestampOf(line) ?? now, since: now };
  }

  private flushPending(file: Tracked, now: number): void {
    const pending = file.pending;
    if (!pending) return;
    file.pending = undefined;
    this.emit(file, pending.text, pending.time, now);
  }

  private emit(file: Tracked, message: string, time: number, now: number): void {
    this.runtime.pipeline.push(file.target.at(now), time, message);
  }

  private timestampOf(line: string): number | undefined {
    const parser = this.config.timestamp;
    if (this.config.json) {
      const key = this.config.timestampKey;
      if (key === undefined || line.charCodeAt(0) !== 123) return undefined;
      let value: unknown;
      try {
        value = (JSON.parse(line) as Record<string, unknown>)[key];
      } catch {
        return undefined;
      }
      if (typeof value === 'number') return parser ? parser.fromNumber(value) : value < 1e11 ? value * 1000 : value;
      if (typeof value === 'string') return parser?.parse(value) ?? (Number.isNaN(Date.parse(value)) ? undefined : Date.parse(value));
      return undefined;
    }
    return parser?.parse(line);
  }
}

function maxLine(runtime: Runtime): number {
  // A line longer than this is cut; the pipeline splits whatever exceeds one event.
  return Math.max(runtime.maxEventBytes, 1024);
}

function readHead(fd: number): Buffer {
  const buffer = Buffer.alloc(HEAD_BYTES);
  const n = readSync(fd, buffer, 0, HEAD_BYTES, 0);
  return buffer.subarray(0, n);
}

/** Whether two heads agree on their common length (a file only grows at its end). */
function sameHead(a: Buffer, b: Buffer): boolean {
  const n = Math.min(a.length, b.length);
  return a.subarray(0, n).equals(b.subarray(0, n));
}
