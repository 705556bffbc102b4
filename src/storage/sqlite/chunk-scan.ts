/**
 * Searching one chunk: the 4-gram filter, then the terms over the raw message bytes, then (when the
 * store applies the filter pattern itself) the pattern over the candidates. Free of SQLite and of
 * threads, so the scan thread and the in-process path run the same code.
 */
import { chunkProbe, chunkText, decodeChunkColumns, decodeChunkMatching, decompressChunk, findIn, messageAt, segmentAt, type EventColumns, type InflatedChunk } from './codec.js';
import { ALL_BLOCKS } from './ngram-filter.js';
import type { CompiledFilterPattern } from '../../core/filter-pattern/index.js';

/** Indices of the events whose message contains every term (UTF-8 bytes), ascending. */
export function matchingEvents(columns: EventColumns, terms: readonly Buffer[]): number[] {
  const { text, offsets, count } = columns;
  const [first, ...rest] = [...terms].sort((a, b) => b.length - a.length) as [Buffer, ...Buffer[]];
  const out: number[] = [];
  let idx = 0;
  let pos = text.indexOf(first, offsets[0]);
  while (pos !== -1 && pos < offsets[count]!) {
    idx = segmentAt(offsets, count, idx, pos);
    const start = offsets[idx]!;
    const end = offsets[idx + 1]!;
    if (pos + first.length <= end) {
      let all = true;
      for (const term of rest) {
        const at = text.indexOf(term, start);
        if (at === -1 || at + term.length > end) {
          all = false;
          break;
        }
      }
      if (all) out.push(idx);
      if (idx + 1 >= count) break;
      pos = text.indexOf(first, end);
      continue;
    }
    pos = text.indexOf(first, pos + 1);
  }
  return out;
}

/** The events of a column set a search selected (its terms, then its pattern), or undefined when none. */
export function selectEvents(columns: EventColumns, terms: readonly Buffer[], pattern: CompiledFilterPattern | undefined): number[] | undefined {
  let selected: number[];
  if (terms.length > 0) {
    selected = matchingEvents(columns, terms);
  } else {
    selected = new Array<number>(columns.count);
    for (let i = 0; i < columns.count; i++) selected[i] = i;
  }
  if (pattern) selected = selected.filter((i) => pattern.matches(messageAt(columns, i)));
  return selected.length > 0 ? selected : undefined;
}

/**
 * Searches one stored chunk. Undefined when its text rules it out; columns are decoded only for
 * chunks whose text holds the probe (chunkProbe). `blocks` is what its filter admitted
 * (blocksMayContain: 0 skips the chunk; a chunk stored in blocks has only those decompressed).
 * `inflate` may reuse its buffer (the result is then valid until its next call).
 */
export function scanChunk(
  data: Uint8Array,
  blocks: number,
  terms: readonly Buffer[],
  pattern: CompiledFilterPattern | undefined,
  inflate: (data: Uint8Array, mask: number) => InflatedChunk = decompressChunk,
): { columns: EventColumns; selected: number[] } | undefined {
  if (blocks === 0) return undefined;
  let { raw, ranges, text } = inflate(data, terms.length > 0 ? blocks : ALL_BLOCKS);
  const probe = chunkProbe(raw, terms);
  // Nothing to look for in the stored bytes (a term folding could hide): every block is needed.
  if (ranges && !probe) ({ raw, ranges, text } = inflate(data, ALL_BLOCKS));
  // (Walking a chunk's header to find its text cost ~0.4 ms a chunk: blocked chunks say where it is.)
  const firstAt = probe ? findIn(text ?? chunkText(raw), probe, 0, ranges) : -1;
  if (probe && firstAt === -1) return undefined;
  // With a probe, only the events whose stored bytes hold it are decoded (and checked as usual).
  const columns = probe ? decodeChunkMatching(raw, probe, firstAt, ranges) : decodeChunkColumns(raw);
  const selected = selectEvents(columns, terms, pattern);
  return selected ? { columns, selected } : undefined;
}

/** Only the selected events, in fresh buffers that can be moved to another thread. */
export function compactColumns(columns: EventColumns, selected: readonly number[]): EventColumns {
  const n = selected.length;
  const ids = new Float64Array(n);
  const timestamps = new Float64Array(n);
  const ingestionTimes = new Float64Array(n);
  const offsets = new Uint32Array(n + 1);
  let bytes = 0;
  for (const i of selected) bytes += columns.offsets[i + 1]! - columns.offsets[i]!;
  const text = Buffer.from(new ArrayBuffer(bytes));
  let at = 0;
  for (let k = 0; k < n; k++) {
    const i = selected[k]!;
    ids[k] = columns.ids[i]!;
    timestamps[k] = columns.timestamps[i]!;
    ingestionTimes[k] = columns.ingestionTimes[i]!;
    at += columns.text.copy(text, at, columns.offsets[i]!, columns.offsets[i + 1]!);
    offsets[k + 1] = at;
  }
  return { count: n, ids, timestamps, ingestionTimes, offsets, text, ascii: columns.ascii };
}
