/**
 * Sealing a stream's head batches into chunks, free of SQLite and of threads: the writer runs it
 * inline (in-memory databases, sealAll) and a scan thread (scan-thread.ts) in the background.
 */
import { decodeHeadBatch, encodeChunk, mergeColumns, selectColumns, type EventColumns, type SealedChunk } from './codec.js';

export interface HeadRowData {
  readonly id: number;
  readonly first_event_id: number;
  readonly ingestion_time: number;
  readonly data: Buffer;
}

/** The head rows (in id order) as chunks of at most sealEvents events, each with its 4-gram filter (chunk.filter). */
export function sealHeadRows(rows: readonly HeadRowData[], sealEvents: number, level: number): { chunks: SealedChunk[]; events: number } {
  const merged = mergeColumns(rows.map((r) => decodeHeadBatch(r.data, r.first_event_id, r.ingestion_time)));
  const chunks = splitColumns(merged, sealEvents).map((part) => encodeChunk(part, level));
  return { chunks, events: merged.count };
}

function splitColumns(columns: EventColumns, size: number): EventColumns[] {
  if (columns.count <= size) return [columns];
  const parts: EventColumns[] = [];
  const n = Math.ceil(columns.count / size);
  const per = Math.ceil(columns.count / n);
  for (let start = 0; start < columns.count; start += per) {
    const end = Math.min(columns.count, start + per);
    parts.push(selectColumns(columns, (i) => i >= start && i < end));
  }
  return parts;
}
