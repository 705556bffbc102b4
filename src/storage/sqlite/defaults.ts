/** Defaults of the embedded store's writer, with the measurements behind them (docs/storage.md). */
import type { WriterOptions } from './event-writer.js';

export const DEFAULT_WRITER_OPTIONS: Omit<WriterOptions, 'path' | 'synchronous'> = {
  // 10,000 events (one full PutLogEvents batch) compress within 1% of 50,000 and decode in ~2 ms.
  sealEvents: 10_000,
  sealBytes: 4 * 1024 * 1024,
  // A quiet stream's head is sealed after a minute, so little stays uncompressed.
  sealAgeMs: 60_000,
  // zstd 1 seals fastest (it is on the ingest path for large batches); 9 saves ~20% more space,
  // recompressing when the writer is idle.
  sealLevel: 1,
  compactLevel: 9,
};
