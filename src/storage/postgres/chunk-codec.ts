/**
 * A chunk is the events of one append (or a part of it), in (timestamp, id) order, packed into
 * one bytea: one row and one index entry per chunk instead of one per event is what lets
 * PostgreSQL ingest at the rate of the HTTP front end. TOAST compresses the bytes.
 *
 * Layout (little-endian): u32 count | count x f64 timestamp | count x u32 message byte length |
 * the messages' UTF-8 bytes, concatenated. (f64 holds every epoch-millisecond integer exactly.)
 */

export interface EncodedChunk {
  readonly data: Buffer;
  readonly minTimestamp: number;
  readonly maxTimestamp: number;
  readonly count: number;
}

/** Bytes encodeChunk needs for events with these message byte lengths. */
export function encodedSize(count: number, messageBytes: number): number {
  return 4 + count * 12 + messageBytes;
}

/** Encodes events [from, to) into `target` at `offset`; returns the bytes written. */
export function encodeChunkInto(
  target: Buffer,
  offset: number,
  timestamps: readonly number[],
  messages: readonly string[],
  byteLengths: readonly number[],
  from: number,
  to: number,
): number {
  const count = to - from;
  let o = offset;
  target.writeUInt32LE(count, o);
  o += 4;
  for (let i = from; i < to; i++, o += 8) target.writeDoubleLE(timestamps[i]!, o);
  for (let i = from; i < to; i++, o += 4) target.writeUInt32LE(byteLengths[i]!, o);
  for (let i = from; i < to; i++) o += target.write(messages[i]!, o, byteLengths[i]!, 'utf8');
  return o - offset;
}

export function encodeChunk(timestamps: readonly number[], messages: readonly string[], byteLengths: readonly number[]): EncodedChunk {
  let messageBytes = 0;
  for (const n of byteLengths) messageBytes += n;
  const data = Buffer.allocUnsafe(encodedSize(timestamps.length, messageBytes));
  encodeChunkInto(data, 0, timestamps, messages, byteLengths, 0, timestamps.length);
  return { data, minTimestamp: timestamps[0] ?? 0, maxTimestamp: timestamps[timestamps.length - 1] ?? 0, count: timestamps.length };
}

/** A decoded chunk: timestamps and message offsets up front, messages decoded only when read. */
export class DecodedChunk {
  readonly count: number;
  readonly timestamps: Float64Array;
  private readonly starts: Uint32Array;

  constructor(private readonly data: Buffer) {
    this.count = data.readUInt32LE(0);
    this.timestamps = new Float64Array(this.count);
    this.starts = new Uint32Array(this.count + 1);
    let offset = 4;
    for (let i = 0; i < this.count; i++, offset += 8) this.timestamps[i] = data.readDoubleLE(offset);
    let start = 4 + this.count * 12;
    for (let i = 0; i < this.count; i++, offset += 4) {
      this.starts[i] = start;
      start += data.readUInt32LE(offset);
    }
    this.starts[this.count] = start;
  }

  message(i: number): string {
    return this.data.toString('utf8', this.starts[i]!, this.starts[i + 1]!);
  }

  /** The chunk without its first `drop` events (retention removes the oldest). */
  withoutPrefix(drop: number): EncodedChunk {
    const timestamps: number[] = [];
    const messages: string[] = [];
    const lengths: number[] = [];
    for (let i = drop; i < this.count; i++) {
      timestamps.push(this.timestamps[i]!);
      messages.push(this.message(i));
      lengths.push(this.starts[i + 1]! - this.starts[i]!);
    }
    return encodeChunk(timestamps, messages, lengths);
  }
}
