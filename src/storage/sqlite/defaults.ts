/** Defaults of the embedded store's writer, with the measurements behind them (docs/storage.md). */
import type { WriterOptions } from './event-writer.js';

export const DEFAULT_WRITER_OPTIONS: Omit<WriterOptions, 'path' | 'synchronous'> = {
  // 10,000 events (one full PutLogEvents batch) compress within 1% of 50,000 and decode in ~2 ms.
  sealEvents: 10_000,
  sealBytes: 4 * 1024 * 1024,
  // A quiet stream's head is sealed after a minute, so little stays uncompressed.
  sealAgeMs: 60_000,
  // zstd 1 seals fastest (it is on the ingest path for large batches). Recompressing when the
  // writer is idle, as version 2 chunks (folded timestamps, grouped lines), at 10 saves ~30%
  // (mixed logs: 23.6 -> 16 bytes per event); 10 over 9 saved ~0.35 B/event for ~1.2x the CPU,
  // 15 and 19 another 1-2 B/event for 4x and 22x (bench/chunk-size.ts, docs/storage.md). 11 over
  // 10 (version 3, in blocks) saved 0.34 B/event on the 1M bench's chunks (18.14 -> 17.80) for
  // ~1.3x the CPU, and its blocks decompress as fast; 12 only 0.02 more.
  sealLevel: 1,
  compactLevel: 11,
};
