/**
 * Chunks stored in blocks (codec.ts): they decode like any other, and a search that decompresses
 * only the blocks the block filters admit finds exactly what a search of the whole chunk finds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkInflater, chunkBlocks, decodeChunk, decompressChunk, decodeChunkLazily, encodeChunk, encodeMessages, messageAt, type ChunkLayout, type EventColumns } from '../../src/storage/sqlite/codec.js';
import { scanChunk } from '../../src/storage/sqlite/chunk-scan.js';
import { ALL_BLOCKS, blocksMayContain, mayContain } from '../../src/storage/sqlite/ngram-filter.js';

const T0 = Date.UTC(2026, 10, 24, 8);

/** ~700 KB of mixed lines (with their own timestamps, for folding), a few rare words and non-ASCII. */
function bigColumns(seed: number, count = 6000): EventColumns {
  let x = seed;
  const rand = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const hex = () => Math.floor(rand() * 2 ** 32).toString(16).padStart(8, '0') + Math.floor(rand() * 2 ** 32).toString(16).padStart(8, '0');
  const timestamps = new Float64Array(count);
  const messages: string[] = [];
  for (let i = 0; i < count; i++) {
    const ts = T0 + i * 37;
    timestamps[i] = ts;
    const iso = new Date(ts).toISOString();
    const kind = i % 4;
    let m: string;
    if (kind === 0) m = `${iso} INFO request id=${hex()} path=/api/v1/items/${Math.floor(rand() * 10000)} status=200 bytes=${Math.floor(rand() * 99999)} user=ürsula`;
    else if (kind === 1) m = `{"time":"${iso}","level":"warn","trace":"${hex()}","msg":"slow query took ${Math.floor(rand() * 900)} ms","table":"orders_${i % 13}"}`;
    else if (kind === 2) m = `10.0.${i % 255}.${(i * 7) % 255} - - [${iso}] "GET /static/app.${hex()}.js HTTP/1.1" 200 ${Math.floor(rand() * 50000)}`;
    else m = `<13>${iso} host-${i % 17} cron[${1000 + (i % 500)}]: job ${hex()} finished in ${Math.floor(rand() * 100)} s`;
    if (i === 123 || i === 4321) m += ' ChecksumMismatchError on page 7';
    messages.push(m);
  }
  const { text, offsets, ascii } = encodeMessages(messages);
  const ids = Float64Array.from({ length: count }, (_, i) => 1000 + i);
  return { count, ids, timestamps, ingestionTimes: new Float64Array(count).fill(T0 + 999_999), offsets, text, ascii };
}

const allMessages = (c: EventColumns) => Array.from({ length: c.count }, (_, i) => messageAt(c, i));

function found(data: Buffer, filter: Buffer, terms: string[], inflater = new ChunkInflater()): string[] {
  const bytes = terms.map((t) => Buffer.from(t, 'utf8'));
  const hit = scanChunk(data, blocksMayContain(filter, bytes), bytes, undefined, (d, mask) => inflater.inflatePart(d, mask));
  return hit ? hit.selected.map((i) => messageAt(hit.columns, i)) : [];
}

const popcount = (mask: number) => [...mask.toString(2)].filter((b) => b === '1').length;

describe.each<ChunkLayout>(['plain', 'folded', 'terminated'])('chunks stored in blocks (%s layout)', (layout) => {
  const columns = bigColumns(layout === 'plain' ? 1 : 2);
  const expected = allMessages(columns);
  // Sealing (plain) and idle compaction (terminated) store chunks in blocks; version 2 (folded) was written in one piece, but readers take it in blocks too.
  const chunk = encodeChunk(columns, layout === 'plain' ? 1 : 6, layout, true);

  // Sealed chunks in up to eight blocks of 64 KB or more, compacted ones in up to four of 128 KB or more.
  const maxBlocks = layout === 'terminated' ? 4 : 8;
  it(`are cut into blocks (up to ${maxBlocks}) with a filter per block, and decode whole like any chunk`, () => {
    expect(columns.text.length).toBeGreaterThan(512 * 1024);
    expect(chunkBlocks(chunk.data)).toBeGreaterThanOrEqual(maxBlocks - 1);
    expect(chunkBlocks(chunk.data)).toBeLessThanOrEqual(maxBlocks);
    expect(chunk.filter.length & (chunk.filter.length - 1)).not.toBe(0);
    const decoded = decodeChunk(chunk.data);
    expect(allMessages(decoded)).toEqual(expected);
    expect([...decoded.ids]).toEqual([...columns.ids]);
    expect([...decoded.timestamps]).toEqual([...columns.timestamps]);
    const lazy = decodeChunkLazily(chunk.data, (size) => Buffer.alloc(size));
    expect([expected[0], expected[2999], expected[5999]]).toEqual([messageAt(lazy, 0), messageAt(lazy, 2999), messageAt(lazy, 5999)]);
    expect(allMessages(new ChunkInflater().decode(chunk.data))).toEqual(expected);
  });

  it('lets a rare word decompress only the blocks that hold it, and finds every event with it', () => {
    const mask = blocksMayContain(chunk.filter, [Buffer.from('ChecksumMismatchError')]);
    expect(popcount(mask)).toBeLessThanOrEqual(2);
    expect(found(chunk.data, chunk.filter, ['ChecksumMismatchError'])).toEqual([expected[123], expected[4321]]);
    // An id that is in no message: every block filter, or else the search of its blocks, says no.
    expect(found(chunk.data, chunk.filter, ['0123456789abcdef0123'])).toEqual([]);
    expect(mayContain(chunk.filter, Buffer.from('ChecksumMismatchError'))).toBe(true);
  });

  it('never reads bytes of blocks it did not decompress (a reused buffer holds the whole chunk before)', () => {
    const inflater = new ChunkInflater();
    inflater.inflate(chunk.data);
    const term = Buffer.from('ChecksumMismatchError');
    const holding = blocksMayContain(chunk.filter, [term]);
    const others = ALL_BLOCKS & ~holding & ((1 << chunkBlocks(chunk.data)) - 1);
    expect(others).not.toBe(0);
    expect(scanChunk(chunk.data, others, [term], undefined, (d, mask) => inflater.inflatePart(d, mask))).toBeUndefined();
  });

  it('finds what a whole-chunk search finds, for any substring of any message and combinations (property)', () => {
    fc.assert(
      fc.property(fc.nat(columns.count - 1), fc.nat(200), fc.integer({ min: 4, max: 40 }), fc.boolean(), (i, from, len, pair) => {
        const message = expected[i]!;
        const start = Math.min(from, Math.max(0, message.length - len));
        const term = message.slice(start, start + len);
        const terms = pair ? [term, message.slice(0, 6)] : [term];
        const want = expected.filter((m) => terms.every((t) => m.includes(t)));
        expect(found(chunk.data, chunk.filter, terms)).toEqual(want);
      }),
      { numRuns: 60 },
    );
  });

  it('decompresses every block for a term folding could hide (a timestamp)', () => {
    const iso = new Date(T0 + 4000 * 37).toISOString().slice(0, 19);
    const want = expected.filter((m) => m.includes(iso));
    expect(want.length).toBeGreaterThan(0);
    expect(found(chunk.data, chunk.filter, [iso])).toEqual(want);
  });
});

describe('chunks of a few large messages', () => {
  // Cutting 4 blocks by stored bytes passes over some blocks when a message is larger than a block.
  it.each([
    [[3000, 100_000, 200_000, 745_000]],
    [[500_000, 500_000, 48_000]],
    [[1_000_000, 20, 30]],
    [[150_000, 900_000]],
  ])('decode and search whole when blocks are left empty (%j bytes)', (sizes) => {
    const messages = sizes.map((bytes, i) => `${'abcd'[i]} ChecksumMismatchError ${String.fromCharCode(97 + i).repeat(bytes)}`);
    const { text, offsets, ascii } = encodeMessages(messages);
    const n = messages.length;
    const columns: EventColumns = { count: n, ids: Float64Array.from(messages, (_, i) => 7 + i), timestamps: new Float64Array(n).fill(T0), ingestionTimes: new Float64Array(n).fill(T0), offsets, text, ascii };
    for (const layout of ['plain', 'folded', 'terminated'] as const) {
      const chunk = encodeChunk(columns, 1, layout, true);
      // Version 3 cuts only at marks (every 128th message): a few messages stay in one piece.
      if (layout === 'terminated') expect(chunkBlocks(chunk.data)).toBe(1);
      else expect(chunkBlocks(chunk.data)).toBeGreaterThan(1);
      expect(allMessages(decodeChunk(chunk.data))).toEqual(messages);
      expect(allMessages(new ChunkInflater().decode(chunk.data))).toEqual(messages);
      expect(found(chunk.data, chunk.filter, ['ChecksumMismatchError'])).toEqual(messages);
      expect(found(chunk.data, chunk.filter, ['c ChecksumMismatchError'])).toEqual(messages.filter((m) => m.startsWith('c ')));
    }
  });
});

describe('chunks in one piece', () => {
  it('are what version 2 was written as', () => {
    const chunk = encodeChunk(bigColumns(4), 10, 'folded');
    expect(chunkBlocks(chunk.data)).toBe(1);
    expect(chunk.filter.length & (chunk.filter.length - 1)).toBe(0);
  });

  it('are what a version 3 chunk of under 256 KB of stored text is written as', () => {
    const chunk = encodeChunk(bigColumns(4, 1500), 10, 'terminated');
    expect(chunkBlocks(chunk.data)).toBe(1);
    expect(chunk.filter.length & (chunk.filter.length - 1)).toBe(0);
    expect(allMessages(decodeChunk(chunk.data))).toEqual(allMessages(bigColumns(4, 1500)));
  });

  it('are what small chunks are sealed as, with one filter', () => {
    const chunk = encodeChunk(bigColumns(3, 500), 1, 'plain');
    expect(chunkBlocks(chunk.data)).toBe(1);
    expect(chunk.filter.length & (chunk.filter.length - 1)).toBe(0);
    expect(blocksMayContain(chunk.filter, [Buffer.from('ChecksumMismatchError')])).toBe(ALL_BLOCKS);
  });
});

describe('a store searching chunks stored in blocks (scan threads)', () => {
  it('finds every event with a rare word in sealed chunks stored in blocks, and after idle compaction (version 3, in blocks too)', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { default: Database } = await import('better-sqlite3');
    const { SqliteLogStore } = await import('../../src/storage/sqlite/sqlite-store.js');
    const dir = mkdtempSync(join(tmpdir(), 'logharbor-blocks-'));
    const scope = { accountId: '123456789012', region: 'us-east-1' };
    const store = new SqliteLogStore({ path: join(dir, 'test.db'), synchronous: 'NORMAL' });
    try {
      await store.createLogGroup(scope, { name: 'g', creationTime: T0, logGroupClass: 'STANDARD', deletionProtectionEnabled: false });
      await store.createLogStream(scope, 'g', 's', T0);
      const expected: string[] = [];
      for (let b = 0; b < 3; b++) {
        const c = bigColumns(10 + b, 8000);
        const events = allMessages(c).map((message, i) => ({ timestamp: c.timestamps[i]! + b * 1_000_000, message }));
        await store.appendEvents(scope, 'g', 's', events, T0 + 5_000_000);
        expected.push(...events.filter((e) => e.message.includes('ChecksumMismatchError')).map((e) => e.message));
      }
      const search = async (pattern: string) => {
        const out: string[] = [];
        for await (const batch of store.scan(scope, 'g', { descending: false, requiredTerms: [pattern], filterPattern: pattern })) out.push(...batch.map((e) => e.message));
        return out;
      };
      const blocked = () => {
        const db = new Database(join(dir, 'test.db'), { readonly: true });
        try {
          return db.prepare<[], { data: Buffer }>('SELECT data FROM chunks').all().map((r) => chunkBlocks(r.data));
        } finally {
          db.close();
        }
      };
      const versions = () => {
        const db = new Database(join(dir, 'test.db'), { readonly: true });
        try {
          return new Set(db.prepare<[], { data: Buffer }>('SELECT data FROM chunks').all().map((r) => decompressChunk(r.data).raw[0]));
        } finally {
          db.close();
        }
      };
      expect(expected).toHaveLength(6);
      expect(blocked().length).toBeGreaterThanOrEqual(3);
      expect(blocked().every((n) => n > 1)).toBe(true);
      expect(await search('ChecksumMismatchError')).toEqual(expected);
      expect(await search('"0123456789abcdef0123"')).toEqual([]);
      await store.compactAll();
      expect(versions()).toEqual(new Set([3]));
      expect(blocked().every((n) => n > 1)).toBe(true);
      expect(await search('ChecksumMismatchError')).toEqual(expected);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
