/** Chunk and head layouts round-trip; the 4-gram filter never says no to a substring that is there. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkInflater, chunkText, decodeChunk, decodeChunkColumns, decodeHeadBatch, encodeChunk, encodeHeadBatch, mergeColumns, messageAt, type EventColumns } from '../../src/storage/sqlite/codec.js';
import { COMPACT_FOLD_BELOW_FILL, SIZED_FILL, blocksMayContain, buildNgramFilter, buildSizedBlockFilters, mayContain } from '../../src/storage/sqlite/ngram-filter.js';

function columnsOf(events: ReadonlyArray<{ id: number; timestamp: number; ingestionTime: number; message: string }>): EventColumns {
  const head = decodeHeadBatch(encodeHeadBatch(events.map((e) => e.timestamp), events.map((e) => e.message)).data, 0, 0);
  return { ...head, ids: Float64Array.from(events, (e) => e.id), ingestionTimes: Float64Array.from(events, (e) => e.ingestionTime) };
}

const messages = (c: EventColumns) => Array.from({ length: c.count }, (_, i) => messageAt(c, i));

describe('chunk codec', () => {
  it.each([
    ['ascii', ['a', 'bb', 'GET /index.html 200']],
    ['utf-8', ['héllo', '日本語のログ', '😀 emoji', 'plain']],
    ['empty text between', ['x', '', 'y']],
  ])('round-trips %s messages with ids and times beyond 32 bits', (_name, texts) => {
    const events = texts.map((message, i) => ({ id: 2 ** 40 + (i % 2 === 0 ? i : -i), timestamp: 1_700_000_000_000 + i * 3, ingestionTime: 1_700_000_000_500 - i, message }));
    const decoded = decodeChunk(encodeChunk(columnsOf(events)).data);
    expect(messages(decoded)).toEqual(texts);
    expect([...decoded.ids]).toEqual(events.map((e) => e.id));
    expect([...decoded.timestamps]).toEqual(events.map((e) => e.timestamp));
    expect([...decoded.ingestionTimes]).toEqual(events.map((e) => e.ingestionTime));
  });

  it('head batches keep every message apart, lone surrogates at their edges included (property)', () => {
    // A lone high surrogate ending one message and a low one starting the next must not pair up.
    expect(messages(decodeHeadBatch(encodeHeadBatch([1, 2], ['a\ud83d', '\ude00b']).data, 0, 0))).toEqual(['a\ufffd', '\ufffdb']);
    fc.assert(
      fc.property(fc.array(fc.string({ unit: fc.oneof(fc.constantFrom('\ud83d', '\ude00', 'é', '€'), fc.string({ unit: 'binary', maxLength: 1 })), maxLength: 8 }), { maxLength: 30 }), (texts) => {
        const { data, bytes } = encodeHeadBatch(texts.map((_, i) => i), texts);
        const decoded = decodeHeadBatch(data, 7, 9);
        const expected = texts.map((t) => Buffer.from(t, 'utf8').toString('utf8'));
        expect(messages(decoded)).toEqual(expected);
        expect(bytes).toBe(texts.reduce((n, t) => n + Buffer.byteLength(t, 'utf8'), 0));
        expect(decoded.ascii).toBe(texts.every((t) => [...t].every((c) => c.charCodeAt(0) < 0x80)));
      }),
    );
  });

  it('round-trips ids and times at every varint width, deltas of either sign up to 2^51 (property)', () => {
    // Zigzag doubles a delta: beyond 2^52 it would leave the safe integers (ids and times never get there).
    const big = fc.oneof(fc.integer({ min: -(2 ** 31) - 5, max: 2 ** 31 + 5 }), fc.integer({ min: 2 ** 27 - 3, max: 2 ** 28 + 3 }), fc.integer({ min: 0, max: 2 ** 50 }), fc.integer({ min: -(2 ** 50), max: 0 }));
    fc.assert(
      fc.property(fc.array(fc.record({ id: big, timestamp: big, ingestionTime: big }), { minLength: 1, maxLength: 30 }), (raw) => {
        const events = raw.map((e, i) => ({ ...e, message: `m${i}` }));
        const decoded = decodeChunk(encodeChunk(columnsOf(events)).data);
        expect(Array.from(decoded.ids)).toEqual(events.map((e) => e.id));
        expect(Array.from(decoded.timestamps)).toEqual(events.map((e) => e.timestamp));
        expect(Array.from(decoded.ingestionTimes)).toEqual(events.map((e) => e.ingestionTime));
        expect(messages(decoded)).toEqual(events.map((e) => e.message));
      }),
      { numRuns: 300 },
    );
  });

  it('writes the same head batch from the caller\'s measure of its text (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: fc.constantFrom(...'ab 0{}":\\\n\té😀\ud800'.split('')), maxLength: 20 }), { maxLength: 40 }), (texts) => {
        const timestamps = texts.map((_, i) => 1_700_000_000_000 + i);
        const plain = encodeHeadBatch(timestamps, texts);
        const bytes = texts.reduce((sum, t) => sum + Buffer.byteLength(t, 'utf8'), 0);
        const hinted = encodeHeadBatch(timestamps, texts, Buffer.allocUnsafe, { bytes, ascii: bytes === texts.join('').length });
        expect(hinted.bytes).toBe(plain.bytes);
        expect(hinted.data.equals(plain.data)).toBe(true);
      }),
    );
  });

  it('merges head batches into (timestamp, id) order', () => {
    const a = decodeHeadBatch(encodeHeadBatch([1, 5, 9], ['a1', 'a5', 'a9']).data, 10, 100);
    const b = decodeHeadBatch(encodeHeadBatch([5, 6], ['b5', 'b6']).data, 20, 200);
    const merged = mergeColumns([a, b]);
    expect(messages(merged)).toEqual(['a1', 'a5', 'b5', 'b6', 'a9']);
    expect([...merged.ingestionTimes]).toEqual([100, 100, 200, 200, 100]);
  });

  it('merges head batches in order, whether they follow one another or overlap (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.record({ dt: fc.integer({ min: 0, max: 3 }), message: fc.string({ maxLength: 12 }) }), { minLength: 1, maxLength: 8 }), { minLength: 2, maxLength: 6 }),
        fc.boolean(),
        (batches, overlap) => {
          let nextId = 1;
          let clock = 1_000;
          const all: Array<{ id: number; ts: number; message: string; ingestionTime: number }> = [];
          const parts = batches.map((batch, b) => {
            // Each batch is chronological; with overlap, some start back in time.
            if (overlap && b % 2 === 1) clock -= 5;
            const timestamps = batch.map((e) => (clock += e.dt));
            const firstId = nextId;
            nextId += batch.length;
            batch.forEach((e, i) => all.push({ id: firstId + i, ts: timestamps[i]!, message: e.message, ingestionTime: 100 + b }));
            return decodeHeadBatch(encodeHeadBatch(timestamps, batch.map((e) => e.message)).data, firstId, 100 + b);
          });
          const merged = mergeColumns(parts);
          all.sort((x, y) => x.ts - y.ts || x.id - y.id);
          expect(Array.from(merged.ids)).toEqual(all.map((e) => e.id));
          expect(Array.from(merged.timestamps)).toEqual(all.map((e) => e.ts));
          expect(Array.from(merged.ingestionTimes)).toEqual(all.map((e) => e.ingestionTime));
          expect(messages(merged)).toEqual(all.map((e) => Buffer.from(e.message, 'utf8').toString('utf8')));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('round-trips any events (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ timestamp: fc.integer({ min: 0, max: 2 ** 45 }), message: fc.string({ unit: 'grapheme', maxLength: 40 }) }), { maxLength: 50 }), (raw) => {
        const sorted = [...raw].sort((x, y) => x.timestamp - y.timestamp).map((e, i) => ({ ...e, id: i + 1, ingestionTime: 5 }));
        const decoded = decodeChunk(encodeChunk(columnsOf(sorted)).data);
        expect(messages(decoded)).toEqual(sorted.map((e) => e.message));
        expect([...decoded.timestamps]).toEqual(sorted.map((e) => e.timestamp));
      }),
      { numRuns: 100 },
    );
  });
});

describe('4-gram filter', () => {
  it('never rejects a substring of a message (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }), { minLength: 1, maxLength: 30 }), fc.nat(), fc.nat(), fc.nat(), (texts, pick, from, len) => {
        const c = columnsOf(texts.map((message, i) => ({ id: i, timestamp: i, ingestionTime: 0, message })));
        const filter = buildNgramFilter(c.text, c.offsets, c.count);
        const bytes = Buffer.from(texts[pick % texts.length]!, 'utf8');
        const start = from % bytes.length;
        const term = bytes.subarray(start, start + 1 + (len % (bytes.length - start)));
        expect(mayContain(filter, term)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects most absent ids in a chunk full of other ids', () => {
    const ids = Array.from({ length: 4000 }, (_, i) => ((i * 2654435761) >>> 0).toString(16).padStart(8, '0') + ((i * 40503) >>> 0).toString(16).padStart(8, '0'));
    const c = columnsOf(ids.slice(0, 2000).map((id, i) => ({ id: i, timestamp: i, ingestionTime: 0, message: `request ${id} done in ${i % 977} ms` })));
    const filter = buildNgramFilter(c.text, c.offsets, c.count);
    const passed = ids.slice(2000).filter((id) => mayContain(filter, Buffer.from(id))).length;
    // ~5.5% here (filters fold down to a 40-64% fill): a chunk of nothing but random ids is the worst case.
    expect(passed / 2000).toBeLessThan(0.08);
    expect(ids.slice(0, 2000).every((id) => mayContain(filter, Buffer.from(id)))).toBe(true);
  });
});

describe('sized block filters (idle compaction, version 3)', () => {
  const blocksOf = (count: number, blocks: number) => Array.from({ length: blocks }, (_, b) => Uint32Array.from({ length: count }, (_, k) => k).filter((i) => i % blocks === b));

  it('never reject a block holding a substring of one of its messages, and say which blocks may (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }), { minLength: 2, maxLength: 40 }), fc.integer({ min: 2, max: 8 }), fc.nat(), fc.nat(), fc.nat(), (texts, blocks, pick, from, len) => {
        const c = columnsOf(texts.map((message, i) => ({ id: i, timestamp: i, ingestionTime: 0, message })));
        const filter = buildSizedBlockFilters(c.text, c.offsets, blocksOf(c.count, blocks));
        expect(filter.length & (filter.length - 1)).not.toBe(0);
        const i = pick % texts.length;
        const bytes = Buffer.from(texts[i]!, 'utf8');
        const start = from % bytes.length;
        const term = bytes.subarray(start, start + 1 + (len % (bytes.length - start)));
        expect(mayContain(filter, term)).toBe(true);
        expect(blocksMayContain(filter, [term]) & (1 << (i % blocks))).not.toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('are sized for their blocks at about SIZED_FILL, and reject most absent ids', () => {
    const ids = Array.from({ length: 8000 }, (_, i) => ((i * 2654435761) >>> 0).toString(16).padStart(8, '0') + ((i * 40503) >>> 0).toString(16).padStart(8, '0'));
    const c = columnsOf(ids.slice(0, 4000).map((id, i) => ({ id: i, timestamp: i, ingestionTime: 0, message: `request ${id} done in ${i % 977} ms` })));
    const filter = buildSizedBlockFilters(c.text, c.offsets, blocksOf(c.count, 4));
    const folded = buildNgramFilter(c.text, c.offsets, c.count, COMPACT_FOLD_BELOW_FILL);
    // Four blocks of a quarter of the ids each: not much more than one filter of them all (no power of two to round to).
    expect(filter.length).toBeLessThan(1.6 * folded.length);
    // What a false positive costs is a block: the share of the chunk an absent id has decompressed
    // (~6% here) is what one filter of the chunk at its ~60% fill cost (~5.5%, above).
    const popcount = (mask: number) => [...mask.toString(2)].filter((bit) => bit === '1').length;
    const blocksPassed = ids.slice(4000).reduce((n, id) => n + popcount(blocksMayContain(filter, [Buffer.from(id)])), 0);
    expect(blocksPassed / (4 * 4000)).toBeLessThan(0.08);
    ids.slice(0, 4000).forEach((id, i) => expect(blocksMayContain(filter, [Buffer.from(id)]) & (1 << (i % 4))).not.toBe(0));
    expect(SIZED_FILL).toBe(0.75);
  });
});

describe('chunk inflater (one reused buffer)', () => {
  it('decodes chunks of growing and shrinking sizes exactly as decodeChunk, and finds their text without decoding columns', () => {
    const inflater = new ChunkInflater();
    for (const count of [3, 2_000, 10, 5_000, 1]) {
      const events = Array.from({ length: count }, (_, i) => ({ id: 1_000 + i, timestamp: 1_700_000_000_000 + i * 7, ingestionTime: 1_700_000_000_500 + i, message: `event ${i} ${'x'.repeat(i % 50)} é` }));
      const chunk = encodeChunk(columnsOf(events));
      const expected = decodeChunk(chunk.data);
      const raw = inflater.inflate(chunk.data);
      expect(chunkText(raw).equals(expected.text)).toBe(true);
      const got = decodeChunkColumns(raw);
      expect(Array.from(got.ids)).toEqual(Array.from(expected.ids));
      expect(Array.from(got.timestamps)).toEqual(Array.from(expected.timestamps));
      expect(Array.from(got.ingestionTimes)).toEqual(Array.from(expected.ingestionTimes));
      expect(Array.from({ length: count }, (_, i) => messageAt(got, i))).toEqual(events.map((e) => e.message));
      const viaDecode = inflater.decode(chunk.data);
      expect(messageAt(viaDecode, count - 1)).toBe(events[count - 1]!.message);
    }
  });
});
