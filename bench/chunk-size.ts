/**
 * Offline measure of chunk size and speed, without a server: generates events for both bench
 * profiles (4 streams, 10,000-event chunks as the writer seals them at zstd 1), recompresses them
 * as idle compaction does, and prints bytes per event (chunk data and 4-gram filter apart), the
 * compaction's CPU time and how fast chunks are searched (decompress + chunkMayContain) and decoded.
 *
 *   npx tsx bench/chunk-size.ts [--events N] [--level L] [--layout plain|folded]
 */
import { ChunkInflater, chunkMayContain, decodeChunk, encodeChunk, encodeMessages, type ChunkLayout, type EventColumns } from '../src/storage/sqlite/codec.js';
import { DEFAULT_WRITER_OPTIONS } from '../src/storage/sqlite/defaults.js';
import { buildNgramFilter } from '../src/storage/sqlite/ngram-filter.js';
import { LogGenerator } from './lib/generate.js';

const STREAMS = 4;
const HOUR = 3_600_000;

function flag(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1]! : fallback;
}

/** Chunks as the bench's ingest leaves them: each stream's 10,000-event batches, ids in send order. */
function sealedCorpus(profile: 'mixed' | 'long', events: number, stepMs: number, seed: number): EventColumns[] {
  const chunks: EventColumns[] = [];
  const perStream = Math.ceil(events / STREAMS);
  const start = Date.UTC(2026, 10, 24, 0);
  const streams = Array.from({ length: STREAMS }, (_, i) => ({ gen: new LogGenerator({ seed: seed * 1000 + i, profile }), t: start + i }));
  let nextId = 1;
  for (let done = 0; done < perStream; done += DEFAULT_WRITER_OPTIONS.sealEvents) {
    for (const s of streams) {
      const n = Math.min(DEFAULT_WRITER_OPTIONS.sealEvents, perStream - done);
      const timestamps = new Float64Array(n);
      const ids = new Float64Array(n);
      const messages: string[] = [];
      for (let i = 0; i < n; i++, s.t += stepMs) {
        timestamps[i] = Math.floor(s.t);
        ids[i] = nextId++;
        messages.push(s.gen.next(timestamps[i]!));
      }
      const { text, offsets, ascii } = encodeMessages(messages);
      chunks.push({ count: n, ids, timestamps, ingestionTimes: new Float64Array(n).fill(Math.floor(s.t) + 40), offsets, text, ascii });
    }
  }
  return chunks;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function measure(profile: 'mixed' | 'long', chunks: EventColumns[], level: number, layout: ChunkLayout): void {
  const events = chunks.reduce((n, c) => n + c.count, 0);
  const rawBytes = chunks.reduce((n, c) => n + c.text.length, 0);
  const sealed = chunks.map((c) => encodeChunk(c, DEFAULT_WRITER_OPTIONS.sealLevel).data);
  const filterBytes = chunks.reduce((n, c) => n + buildNgramFilter(c.text, c.offsets, c.count).length, 0);
  // Compaction as EventWriter.compactOne does it: decode the sealed chunk, encode it again.
  const inflater = new ChunkInflater();
  let t = cpuMs();
  const compacted = sealed.map((data) => encodeChunk(inflater.decode(data), level, layout).data);
  const compactCpu = cpuMs() - t;
  const dataBytes = compacted.reduce((n, d) => n + d.length, 0);
  // A full scan: every chunk decompressed and searched for a term it does not hold.
  const absent = [Buffer.from('Killed process 4242 (javax)')];
  const straddling = [Buffer.from('2024-06-10T12')];
  const rounds = 3;
  t = performance.now();
  for (let r = 0; r < rounds; r++) for (const d of compacted) chunkMayContain(inflater.inflate(d), absent);
  const scanMs = (performance.now() - t) / rounds;
  t = performance.now();
  for (let r = 0; r < rounds; r++) for (const d of compacted) if (chunkMayContain(inflater.inflate(d), straddling)) inflater.decode(d);
  const straddleMs = (performance.now() - t) / rounds;
  t = performance.now();
  for (const d of compacted) decodeChunk(d);
  const decodeMs = (performance.now() - t) / compacted.length;
  const row = {
    profile,
    events,
    rawBytesPerEvent: +(rawBytes / events).toFixed(1),
    sealedDataBytesPerEvent: +(sealed.reduce((n, d) => n + d.length, 0) / events).toFixed(2),
    dataBytesPerEvent: +(dataBytes / events).toFixed(2),
    filterBytesPerEvent: +(filterBytes / events).toFixed(2),
    compactCpuSecondsPer1M: +((compactCpu / events) * 1000).toFixed(2),
    scanMEventsPerSec: +(events / scanMs / 1000).toFixed(1),
    scanMBPerSec: +(rawBytes / scanMs / 1000).toFixed(0),
    straddlingTermScanMEventsPerSec: +(events / straddleMs / 1000).toFixed(2),
    decodeMsPerChunk: +decodeMs.toFixed(2),
  };
  process.stdout.write(`${JSON.stringify(row)}\n`);
}

const events = Number(flag('events', '400000'));
const level = Number(flag('level', String(DEFAULT_WRITER_OPTIONS.compactLevel)));
const layout = flag('layout', 'folded') as ChunkLayout;
// The bench's corpus: 1M events over 11 hours (158 ms apart per stream); long messages 1 ms apart.
measure('mixed', sealedCorpus('mixed', events, (11 * HOUR) / (1_000_000 / STREAMS), 42), level, layout);
measure('long', sealedCorpus('long', Math.ceil(events / 4), 1, 43), level, layout);
