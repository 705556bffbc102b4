import { heldBytes, type EventColumns } from './codec.js';

/** Bytes a decoded chunk holds: its text (the whole decompressed buffer) plus its columns. */
const sizeOf = (columns: EventColumns): number => heldBytes(columns);

/** A small LRU of decoded chunks, by bytes, so GetLogEvents paging through a chunk decodes it once. */
export class ChunkCache {
  private readonly entries = new Map<number, EventColumns>();
  private used = 0;
  constructor(private readonly maxBytes: number) {}
  /** bytes held now (for tests and diagnostics) */
  get bytes(): number {
    return this.used;
  }
  get(id: number): EventColumns | undefined {
    const hit = this.entries.get(id);
    if (hit) {
      this.entries.delete(id);
      this.entries.set(id, hit);
    }
    return hit;
  }
  /** Adds an entry; what it no longer holds (evicted, replaced, or the entry itself when too large) goes to `dropped`. */
  set(id: number, columns: EventColumns, dropped?: EventColumns[]): void {
    const size = sizeOf(columns);
    if (size > this.maxBytes) {
      dropped?.push(columns);
      return;
    }
    const previous = this.entries.get(id);
    if (previous) {
      this.entries.delete(id);
      this.used -= sizeOf(previous);
      dropped?.push(previous);
    }
    this.entries.set(id, columns);
    this.used += size;
    for (const [key, value] of this.entries) {
      if (this.used <= this.maxBytes) break;
      this.entries.delete(key);
      this.used -= sizeOf(value);
      dropped?.push(value);
    }
  }
}
