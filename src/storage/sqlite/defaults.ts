/** Defaults of the embedded store's writer, with the measurements behind them (docs/storage.md). */
import type { WriterOptions } from './event-writer.js';

export const DEFAULT_WRITER_OPTIONS: Omit<WriterOptions, 'path' | 'synchronous'> = {
  // 10,000 events (one full PutLogEvents batch) compress within 1% of 50,000 and decode in ~2 ms.
  sealEvents: 10_000,
  sealBytes: 4 * 1024 * 1024,
  // A quiet stream's head is sealed after a minute, so little stays uncompressed.
  sealAgeMs: 60_000,
  // zstd 3 seals at ~100 MB/s on this machine class; 9 saves ~20% more space, recompressing when idle.
  sealLevel: 3,
  compactLevel: 9,
};
