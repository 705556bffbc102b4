/**
 * Reused memory for head batches on their way to the writer thread. A batch's buffer is handed
 * over (transferred, not copied) and the writer hands it back once committed, so a steady ingest
 * allocates nothing large. Freshly allocated megabytes were freed only when the writer's small heap
 * happened to collect (V8 waits for tens of MB of external memory), by which time glibc had grown
 * the main thread's malloc arena to hold them all, and never gave the memory back (measured: an
 * 80 MB arena after a million events).
 */

/** pooled capacities are multiples of this, so a buffer fits later batches of a similar size */
const STEP_BYTES = 256 * 1024;

export class BufferPool {
  private readonly free: ArrayBuffer[] = [];
  private freeBytes = 0;
  private readonly mine = new WeakSet<ArrayBuffer>();

  constructor(
    /** smaller buffers come from Buffer.allocUnsafe as usual */
    private readonly minBytes = 64 * 1024,
    /** idle buffers kept beyond this are left to the garbage collector */
    private readonly maxFreeBytes = 8 * 1024 * 1024,
  ) {}

  /** size bytes, over a pooled ArrayBuffer when size is worth pooling (see owns()). */
  take(size: number): Buffer {
    if (size < this.minBytes) return Buffer.allocUnsafe(size);
    for (let i = this.free.length - 1; i >= 0; i--) {
      const buffer = this.free[i]!;
      if (buffer.byteLength < size) continue;
      this.free.splice(i, 1);
      this.freeBytes -= buffer.byteLength;
      return Buffer.from(buffer, 0, size);
    }
    const buffer = Buffer.allocUnsafeSlow(Math.ceil(size / STEP_BYTES) * STEP_BYTES).buffer as ArrayBuffer;
    this.mine.add(buffer);
    return Buffer.from(buffer, 0, size);
  }

  /** True for the ArrayBuffer under a buffer take() pooled: it may be transferred and given back. */
  owns(buffer: ArrayBufferLike): buffer is ArrayBuffer {
    return buffer instanceof ArrayBuffer && this.mine.has(buffer);
  }

  /** Takes back a buffer of take()'s (after the writer is done with it). */
  give(buffer: ArrayBuffer): void {
    if (buffer.byteLength === 0 || this.freeBytes + buffer.byteLength > this.maxFreeBytes) return;
    this.mine.add(buffer);
    this.free.push(buffer);
    this.freeBytes += buffer.byteLength;
  }
}
