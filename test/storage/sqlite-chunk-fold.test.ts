/**
 * Version 2 and 3 chunks (folded timestamps, grouped messages; version 3's terminated) round-trip every message byte-exactly,
 * searches over their folded text never miss a term that is there, version 1 chunks written before
 * still decode, and idle compaction writes version 3.
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decompress } from 'zstd-napi';
import { ChunkInflater, chunkMayContain, chunkProbe, chunkText, decodeChunk, decodeChunkLazily, decodeChunkMatching, encodeChunk, encodeMessages, messageAt, type EventColumns } from '../../src/storage/sqlite/codec.js';
import { foldSafeCore, mayStraddleFold } from '../../src/storage/sqlite/timestamp-fold.js';
import { DEFAULT_WRITER_OPTIONS } from '../../src/storage/sqlite/defaults.js';
import { SqliteLogStore } from '../../src/storage/sqlite/sqlite-store.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Every rendering the codec folds, made with Date (not the codec's own arithmetic). */
function renderings(ts: number): string[] {
  const d = new Date(ts);
  const iso = d.toISOString();
  const hms = iso.slice(11, 19);
  const day = String(d.getUTCDate());
  return [
    iso,
    `${day.padStart(2, '0')}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${hms} +0000`,
    `${MONTHS[d.getUTCMonth()]} ${day.padStart(2, ' ')} ${hms}`,
    `${iso.slice(0, 19)}Z`,
    `${iso.slice(0, 10)} ${hms},${iso.slice(20, 23)}`,
    `${iso.slice(0, 10)} ${hms}.${iso.slice(20, 23)}`,
    String(ts),
  ];
}

/** Sorted events whose messages mix their own timestamp's renderings, others', and arbitrary text. */
const eventsArb = fc
  .array(
    fc.record({
      timestamp: fc.oneof(fc.integer({ min: 0, max: 253_402_300_799_999 }), fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }), fc.constant(-5), fc.constant(2 ** 52)),
      parts: fc.array(
        fc.oneof(
          fc.string({ unit: 'grapheme', maxLength: 12 }),
          fc.nat({ max: 6 }).map((k) => ({ own: k })),
          fc.constantFrom('\u00fe', '\ufffd', ':', '12:00:14', '2024:', '0000000000000'),
        ),
        { maxLength: 6 },
      ),
    }),
    { maxLength: 40 },
  )
  .map((raw) => {
    const sorted = [...raw].sort((a, b) => a.timestamp - b.timestamp);
    return sorted.map((e, i) => ({
      id: 1000 + i,
      timestamp: e.timestamp,
      message: e.parts.map((p) => (typeof p === 'string' ? p : (renderings(Math.max(0, e.timestamp))[p.own] ?? ''))).join(''),
    }));
  });

function columnsOf(events: ReadonlyArray<{ id: number; timestamp: number; message: string }>): EventColumns {
  const { text, offsets, ascii } = encodeMessages(events.map((e) => e.message));
  return {
    count: events.length,
    ids: Float64Array.from(events, (e) => e.id),
    timestamps: Float64Array.from(events, (e) => e.timestamp),
    ingestionTimes: Float64Array.from(events, (e) => e.timestamp + 7),
    offsets,
    text,
    ascii,
  };
}

function expectSame(got: EventColumns, want: EventColumns): void {
  expect(got.count).toBe(want.count);
  expect(Array.from(got.ids)).toEqual(Array.from(want.ids));
  expect(Array.from(got.timestamps)).toEqual(Array.from(want.timestamps));
  expect(Array.from(got.ingestionTimes)).toEqual(Array.from(want.ingestionTimes));
  expect(Array.from(got.offsets)).toEqual(Array.from(want.offsets, (o) => o - want.offsets[0]!));
  expect(got.text.equals(want.text.subarray(want.offsets[0], want.offsets[want.count]))).toBe(true);
}

describe.each(['folded', 'terminated'] as const)('folded chunks (%s: versions 2 and 3)', (layout) => {
  it('round-trip messages holding their own timestamps in every format (property)', () => {
    fc.assert(
      fc.property(eventsArb, (events) => {
        const columns = columnsOf(events);
        const decoded = decodeChunk(encodeChunk(columns, 3, layout).data);
        expectSame(decoded, columns);
        expect(Array.from({ length: decoded.count }, (_, i) => messageAt(decoded, i))).toEqual(events.map((e) => e.message));
      }),
      { numRuns: 500 },
    );
  });

  it('round-trip arbitrary bytes, including every byte folding escapes (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 30 }), fc.integer({ min: 0, max: 2 ** 45 }), (messages, t0) => {
        const text = Buffer.concat(messages);
        const offsets = new Uint32Array(messages.length + 1);
        messages.forEach((m, i) => (offsets[i + 1] = offsets[i]! + m.length));
        const n = messages.length;
        const columns: EventColumns = {
          count: n,
          ids: Float64Array.from({ length: n }, (_, i) => i),
          timestamps: Float64Array.from({ length: n }, (_, i) => t0 + i),
          ingestionTimes: new Float64Array(n),
          offsets,
          text,
          ascii: false,
        };
        expectSame(decodeChunk(encodeChunk(columns, 1, layout).data), columns);
      }),
      { numRuns: 300 },
    );
    const all = Buffer.from(Array.from({ length: 256 }, (_, b) => b));
    const columns: EventColumns = { count: 1, ids: Float64Array.of(1), timestamps: Float64Array.of(0), ingestionTimes: Float64Array.of(0), offsets: Uint32Array.of(0, 256), text: all, ascii: false };
    expectSame(decodeChunk(encodeChunk(columns, 1, layout).data), columns);
  });

  it('never let a search skip a chunk that holds the term (property)', () => {
    fc.assert(
      fc.property(eventsArb, fc.nat(), fc.nat(), fc.nat(), (events, pick, from, len) => {
        const withText = events.filter((e) => e.message.length > 0);
        if (withText.length === 0) return;
        const bytes = Buffer.from(withText[pick % withText.length]!.message, 'utf8');
        const start = from % bytes.length;
        const term = bytes.subarray(start, start + 1 + (len % (bytes.length - start)));
        const raw = decompress(encodeChunk(columnsOf(events), 1, layout).data);
        expect(chunkMayContain(raw, [term])).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('decode, for a search, every event that holds the probe term, restored exactly (property)', () => {
    fc.assert(
      fc.property(eventsArb, fc.nat(), fc.nat(), fc.nat(), fc.boolean(), (events, pick, from, len, folded) => {
        const withText = events.filter((e) => e.message.length > 0);
        if (withText.length === 0) return;
        const bytes = Buffer.from(withText[pick % withText.length]!.message, 'utf8');
        const start = from % bytes.length;
        const term = bytes.subarray(start, start + 1 + (len % (bytes.length - start)));
        const raw = decompress(encodeChunk(columnsOf(events), 1, folded ? layout : 'plain').data);
        const probe = chunkProbe(raw, [term]);
        if (!probe) return; // the search decodes the whole chunk instead
        const got = decodeChunkMatching(raw, probe);
        // Given where the probe first is (as a search knows from its first look), the same events.
        const firstAt = chunkText(raw).indexOf(probe);
        if (firstAt !== -1) expect(Array.from(decodeChunkMatching(raw, probe, firstAt).ids)).toEqual(Array.from(got.ids));
        const want = events.filter((e) => Buffer.from(e.message, 'utf8').includes(term));
        const gotIds = Array.from(got.ids);
        // Every holder is there, in id order, each exactly as stored; others may come along (checked by the caller).
        for (const e of want) expect(gotIds).toContain(e.id);
        expect(gotIds).toEqual([...gotIds].sort((a, b) => a - b));
        for (let j = 0; j < got.count; j++) {
          const e = events.find((x) => x.id === got.ids[j])!;
          expect(messageAt(got, j)).toBe(Buffer.from(e.message, 'utf8').toString('utf8'));
          expect(got.timestamps[j]).toBe(e.timestamp);
          expect(got.ingestionTimes[j]).toBe(e.timestamp + 7);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('decoded for reading, restore each message on its own, and all of them on demand (property)', () => {
    fc.assert(
      fc.property(eventsArb, fc.boolean(), (events, folded) => {
        const data = encodeChunk(columnsOf(events), 1, folded ? layout : 'plain').data;
        const lazy = decodeChunkLazily(data);
        expect(Array.from(lazy.ids)).toEqual(events.map((e) => e.id));
        // Backwards, so restoring one never relies on having restored the one before.
        for (let i = events.length - 1; i >= 0; i--) expect(messageAt(lazy, i)).toBe(Buffer.from(events[i]!.message, 'utf8').toString('utf8'));
        expectSame(lazy, decodeChunk(data));
        for (let i = 0; i < events.length; i++) expect(messageAt(lazy, i)).toBe(Buffer.from(events[i]!.message, 'utf8').toString('utf8'));
      }),
      { numRuns: 300 },
    );
  });

  it('look for the middle of a term that could run into a timestamp at its ends', () => {
    const id = Buffer.from('8fde9005577b6a95');
    expect(mayStraddleFold(id)).toBe(true);
    const core = foldSafeCore(id)!;
    expect(core.length).toBeGreaterThanOrEqual(8);
    expect(id.includes(Buffer.from(core))).toBe(true);
    expect(mayStraddleFold(core)).toBe(false);
    expect(foldSafeCore(Buffer.from('12:00:14'))).toBeUndefined();
    const events = Array.from({ length: 300 }, (_, i) => ({ id: i + 1, timestamp: 1_717_000_000_000 + i, message: `${new Date(1_717_000_000_000 + i).toISOString()} trace=${i === 123 ? '8fde9005577b6a95' : (i * 7919).toString(16).padStart(16, '0')} ok` }));
    const raw = decompress(encodeChunk(columnsOf(events), 3, layout).data);
    const got = decodeChunkMatching(raw, chunkProbe(raw, [id])!);
    expect(Array.from(got.ids)).toEqual([124]);
  });

  it('restore only the events that hold a rare term', () => {
    const events = Array.from({ length: 2000 }, (_, i) => ({
      id: i + 1,
      timestamp: 1_717_000_000_000 + i,
      message: `${new Date(1_717_000_000_000 + i).toISOString()} INFO request ${i}${i % 500 === 7 ? ' ChecksumMismatchError' : ''}`,
    }));
    const raw = decompress(encodeChunk(columnsOf(events), 3, layout).data);
    const term = Buffer.from('ChecksumMismatchError');
    expect(chunkProbe(raw, [term])).toBe(term);
    const got = decodeChunkMatching(raw, term);
    expect(Array.from(got.ids)).toEqual([8, 508, 1008, 1508]);
    expect(messageAt(got, 0)).toBe(events[7]!.message);
  });

  it('find a rare term in every group of lines it occurs in (lines grouped by first byte)', () => {
    const starts = ['{"level":"info"', '[worker] ', 'GET /x ', '  at Foo.bar ', 'INFO ', 'ERROR '];
    const events = Array.from({ length: 3000 }, (_, i) => ({
      id: i + 1,
      timestamp: 1_717_000_000_000 + i,
      message: `${starts[(i * 7) % starts.length]}${i}${i % 97 === 5 ? ' ChecksumMismatchError' : ''} tail`,
    }));
    const raw = decompress(encodeChunk(columnsOf(events), 3, layout).data);
    const term = Buffer.from('ChecksumMismatchError');
    const got = decodeChunkMatching(raw, term);
    const want = events.filter((e) => e.message.includes('ChecksumMismatchError'));
    expect(new Set(want.map((e) => e.message.charCodeAt(0))).size).toBe(starts.length);
    expect(Array.from(got.ids)).toEqual(want.map((e) => e.id));
    for (let j = 0; j < got.count; j++) expect(messageAt(got, j)).toBe(want[j]!.message);
  });

  it('searches folded text for terms that cannot straddle a timestamp, and cannot tell for the others', () => {
    const ts = Date.UTC(2024, 5, 10, 12, 0, 14, 123);
    const columns = columnsOf([{ id: 1, timestamp: ts, message: `{"ts":"${new Date(ts).toISOString()}","msg":"Killed process 4242 (java)"}` }]);
    const raw = decompress(encodeChunk(columns, 3, layout).data);
    expect(raw.includes('2024-06-10')).toBe(false); // folded away
    for (const term of ['Killed process 4242 (java)', 'ChecksumMismatchError', '"msg"']) expect(mayStraddleFold(Buffer.from(term))).toBe(false);
    for (const term of ['2024-06-10', '12:00', 'ts":"2', '4Z"', '1718020814123', 'Jun 10']) expect(mayStraddleFold(Buffer.from(term))).toBe(true);
    expect(chunkMayContain(raw, [Buffer.from('Killed process 4243 (java)')])).toBe(false);
    expect(chunkMayContain(raw, [Buffer.from('Killed process 4242 (java)')])).toBe(true);
    expect(chunkMayContain(raw, [Buffer.from('"ts":"2024-06-10T12:00:14.123Z"')])).toBe(true);
    // The longest term that folding cannot hide decides.
    expect(chunkMayContain(raw, [Buffer.from('2024-06-10'), Buffer.from('Killed process 4243 (')])).toBe(false);
    expect(chunkMayContain(raw, [Buffer.from('2024-06-10'), Buffer.from('Killed process 4243')])).toBe(true); // ends in digits: may straddle
  });

  it('is smaller than version 1 on log lines that echo their time', () => {
    const t0 = Date.UTC(2026, 0, 1);
    const events = Array.from({ length: 2000 }, (_, i) => {
      const ts = t0 + i * 157;
      const iso = new Date(ts).toISOString();
      return { id: i + 1, timestamp: ts, message: i % 2 ? `{"ts":"${iso}","level":"INFO","msg":"request ${i * 7919 % 1000} done"}` : `${iso} WARN worker-${i % 8} slow query` };
    });
    const columns = columnsOf(events);
    expect(encodeChunk(columns, 9, layout).data.length).toBeLessThan(0.8 * encodeChunk(columns, 9, 'plain').data.length);
  });
});

describe('version 1 chunks', () => {
  // Written by the version 1 encoder before version 2 existed (zstd 3).
  const V1 = 'KLUv/SBRiQIAAQADCgL0/////z/W1KmggGQA2g2A8qmggGQAAiUNADIwMjQtMDYtMTBUMTI6MDA6MTQuMTIzWiBJTkZPIHN0YXJ0ZWRow6lsbG8g5pel5pys';

  it('still decode, through decodeChunk and the reused-buffer inflater', () => {
    for (const decoded of [decodeChunk(Buffer.from(V1, 'base64')), new ChunkInflater().decode(Buffer.from(V1, 'base64'))]) {
      expect(Array.from({ length: decoded.count }, (_, i) => messageAt(decoded, i))).toEqual(['2024-06-10T12:00:14.123Z INFO started', 'héllo 日本', '']);
      expect(Array.from(decoded.ids)).toEqual([5, 6, 2 ** 40]);
      expect(Array.from(decoded.timestamps)).toEqual([1718020814123, 1718020814123, 1718020815000]);
      expect(Array.from(decoded.ingestionTimes)).toEqual([1718020816000, 1718020816000, 1718020816001]);
    }
    const raw = decompress(Buffer.from(V1, 'base64'));
    expect(chunkMayContain(raw, [Buffer.from('2024-06-10T12')])).toBe(true);
    expect(chunkMayContain(raw, [Buffer.from('2024-06-11T12')])).toBe(false);
  });

  it('the plain layout still writes version 1 (sealing on the ingest path)', () => {
    const { text, offsets, ascii } = encodeMessages(['2024-06-10T12:00:14.123Z INFO started', 'héllo 日本', '']);
    const columns: EventColumns = {
      count: 3,
      ids: Float64Array.from([5, 6, 2 ** 40]),
      timestamps: Float64Array.from([1718020814123, 1718020814123, 1718020815000]),
      ingestionTimes: Float64Array.from([1718020816000, 1718020816000, 1718020816001]),
      offsets,
      text,
      ascii,
    };
    const raw = decompress(encodeChunk(columns, 3).data);
    expect(raw[0]).toBe(1);
    const decoded = decodeChunk(encodeChunk(columns, 3).data);
    expect(Array.from({ length: 3 }, (_, i) => messageAt(decoded, i))).toEqual(['2024-06-10T12:00:14.123Z INFO started', 'héllo 日本', '']);
    expect(Array.from(decoded.ids)).toEqual([5, 6, 2 ** 40]);
  });
});

describe('chunks written before their header had a directory (where its columns end)', () => {
  // Version 2 by the encoder of 7 December 2026 (zstd 9): no directory, so readers walk the varints.
  const OLD_V2 =
    'KLUv/SCdZQQAJAgCAAUKAvT/////PwIQ1tSpoIBkANoNAACA8gIAAg8NAC0o/mgAe/5ow6lsbG8g5pel5pyseyJ0Ijoi/gAiLCJtc2ciOiJDaGVja3N1bU1pc21hdGNoRXJyb3IgaGVyZSJ9/gAgSU5GTyBzdGFydGVk/gAgRVJST1Igb24gcGFnZSA3AgDfVRr1VcY=';
  const messages = [
    '2024-06-10T12:00:14.123Z INFO started',
    'héllo 日本',
    '',
    '{"t":"2024-06-10T12:00:15.000Z","msg":"ChecksumMismatchError here"}',
    '2024-06-10T12:00:15.000Z ERROR ChecksumMismatchError on page 7',
  ];
  const { text, offsets, ascii } = encodeMessages(messages);
  const columns: EventColumns = {
    count: 5,
    ids: Float64Array.from([5, 6, 2 ** 40, 2 ** 40 + 1, 2 ** 40 + 9]),
    timestamps: Float64Array.from([1718020814123, 1718020814123, 1718020815000, 1718020815000, 1718020815000]),
    ingestionTimes: Float64Array.from([1718020816000, 1718020816000, 1718020816001, 1718020816001, 1718020816002]),
    offsets,
    text,
    ascii,
  };
  const probe = Buffer.from('ChecksumMismatchError');

  it.each([
    ['an old version 2 chunk', () => Buffer.from(OLD_V2, 'base64'), false],
    ['a version 2 chunk with a directory', () => encodeChunk(columns, 9, 'folded', false).data, true],
    ['a version 1 chunk with a directory', () => encodeChunk(columns, 3, 'plain', false).data, true],
  ])('%s decodes, gives its stored text and restores only the events holding a probe', (_name, data, directory) => {
    const raw = decompress(data());
    expect((raw[1]! & 2) !== 0).toBe(directory);
    const decoded = decodeChunk(data());
    expect(Array.from({ length: 5 }, (_, i) => messageAt(decoded, i))).toEqual(messages);
    expect(Array.from(decoded.ids)).toEqual(Array.from(columns.ids));
    expect(Array.from(decoded.ingestionTimes)).toEqual(Array.from(columns.ingestionTimes));
    const stored = chunkText(raw);
    expect(stored.indexOf(probe)).toBeGreaterThan(-1);
    expect(stored.indexOf('héllo 日本')).toBeGreaterThan(-1);
    const hit = decodeChunkMatching(raw, probe);
    expect(Array.from({ length: hit.count }, (_, i) => messageAt(hit, i))).toEqual([messages[3], messages[4]]);
    expect(Array.from(hit.ids)).toEqual([2 ** 40 + 1, 2 ** 40 + 9]);
    expect(Array.from(hit.timestamps)).toEqual([1718020815000, 1718020815000]);
    expect(Array.from(hit.ingestionTimes)).toEqual([1718020816001, 1718020816002]);
    expect(decodeChunkMatching(raw, Buffer.from('started')).count).toBe(1);
    expect(decodeChunkMatching(raw, Buffer.from('nowhere to be found')).count).toBe(0);
  });

  it('a corrupt directory is an error, not a wrong read', () => {
    const raw = Buffer.from(decompress(encodeChunk(columns, 3, 'plain', false).data));
    raw.writeUInt32LE(raw.length + 5, 3 + 12);
    expect(() => chunkText(raw)).toThrow(/chunk/);
  });
});

describe('idle compaction', () => {
  it('rewrites sealed chunks as version 3, and reads and searches return the same events', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logharbor-fold-'));
    const path = join(dir, 'test.db');
    const scope = { accountId: '000000000000', region: 'us-east-1' };
    const store = new SqliteLogStore({ path, synchronous: 'NORMAL', writerThread: false, scanThread: false, writer: { sealEvents: 50 } });
    try {
      await store.createLogGroup(scope, { name: 'g', creationTime: 1, logGroupClass: 'STANDARD', deletionProtectionEnabled: false });
      await store.createLogStream(scope, 'g', 's', 1);
      const t0 = Date.UTC(2026, 0, 1);
      const events = Array.from({ length: 120 }, (_, i) => {
        const ts = t0 + i * 1003;
        return { timestamp: ts, message: `${new Date(ts).toISOString()} INFO request ${i} took ${i % 17} ms` };
      });
      await store.appendEvents(scope, 'g', 's', events, t0 + 200_000);
      await store.sealAll();
      const before = await store.readStream(scope, 'g', 's', { direction: 'forward', limit: 1000 });
      expect(await store.compactAll()).toBeGreaterThan(0);
      const after = await store.readStream(scope, 'g', 's', { direction: 'forward', limit: 1000 });
      expect(after).toEqual(before);
      expect(after.map((e) => e.message)).toEqual(events.map((e) => e.message));
      const straddling = new Date(t0 + 7 * 1003).toISOString();
      const found: string[] = [];
      for await (const batch of store.scan(scope, 'g', { descending: false, requiredTerms: [straddling] })) for (const e of batch) if (e.message.includes(straddling)) found.push(e.message);
      expect(found).toEqual([events[7]!.message]);
    } finally {
      await store.close();
    }
    const db = new Database(path, { readonly: true });
    const versions = db.prepare<[], { data: Buffer }>('SELECT data FROM chunks').all().map((r) => decompress(r.data)[0]);
    db.close();
    rmSync(dir, { recursive: true, force: true });
    expect(versions.length).toBeGreaterThan(0);
    expect(new Set(versions)).toEqual(new Set([3]));
  });
});

describe('recompression while idle', () => {
  const scope = { accountId: '000000000000', region: 'us-east-1' };
  const t0 = Date.now() - 60_000;

  /** The zstd level of every chunk in the database at path. */
  function chunkLevels(path: string): number[] {
    const db = new Database(path, { readonly: true });
    try {
      return db.prepare<[], { level: number }>('SELECT level FROM chunks').all().map((r) => r.level);
    } finally {
      db.close();
    }
  }

  /** A store with writer and scan threads, as the server runs them, holding 10 sealed chunks at the fast level. */
  async function withSealedChunks(run: (store: SqliteLogStore, levels: () => number[]) => Promise<void>): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'logharbor-idle-'));
    const path = join(dir, 'test.db');
    const store = new SqliteLogStore({ path, synchronous: 'NORMAL', writer: { sealEvents: 200 } });
    const levels = () => chunkLevels(path);
    try {
      await store.createLogGroup(scope, { name: 'g', creationTime: 1, logGroupClass: 'STANDARD', deletionProtectionEnabled: false });
      await store.createLogStream(scope, 'g', 's', 1);
      const events = Array.from({ length: 2000 }, (_, i) => ({ timestamp: t0 + i, message: `${new Date(t0 + i).toISOString()} INFO request ${i}` }));
      await store.appendEvents(scope, 'g', 's', events, Date.now());
      await store.sealAll();
      await run(store, levels);
      const deadline = Date.now() + 10_000;
      while (levels().some((l) => l < DEFAULT_WRITER_OPTIONS.compactLevel) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(levels().every((l) => l === DEFAULT_WRITER_OPTIONS.compactLevel)).toBe(true);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('brings chunks compacted at an earlier, lower level to the current one (an upgraded database)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logharbor-idle-'));
    const path = join(dir, 'test.db');
    const levels = () => chunkLevels(path);
    const events = Array.from({ length: 2000 }, (_, i) => ({ timestamp: t0 + i, message: `${new Date(t0 + i).toISOString()} INFO request ${i}` }));
    try {
      const before = new SqliteLogStore({ path, synchronous: 'NORMAL', writer: { sealEvents: 200, compactLevel: DEFAULT_WRITER_OPTIONS.compactLevel - 1 } });
      await before.createLogGroup(scope, { name: 'g', creationTime: 1, logGroupClass: 'STANDARD', deletionProtectionEnabled: false });
      await before.createLogStream(scope, 'g', 's', 1);
      await before.appendEvents(scope, 'g', 's', events, Date.now());
      await before.sealAll();
      await before.compactAll();
      await before.close();
      expect(levels().every((l) => l === DEFAULT_WRITER_OPTIONS.compactLevel - 1)).toBe(true);
      const store = new SqliteLogStore({ path, synchronous: 'NORMAL' });
      try {
        const deadline = Date.now() + 10_000;
        while (levels().some((l) => l < DEFAULT_WRITER_OPTIONS.compactLevel) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        expect(levels().every((l) => l === DEFAULT_WRITER_OPTIONS.compactLevel)).toBe(true);
        expect((await store.readStream(scope, 'g', 's', { direction: 'forward', startTime: t0, limit: 10_000 })).map((e) => e.message)).toEqual(events.map((e) => e.message));
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs once searches are done (the count of searches in flight returns to zero)', async () => {
    await withSealedChunks(async (store) => {
      // A search in flight holds recompression off; the count goes back to zero when it ends.
      let found = 0;
      for await (const batch of store.scan(scope, 'g', { descending: false, requiredTerms: ['request 1999'] })) found += batch.filter((e) => e.message.endsWith('request 1999')).length;
      expect(found).toBe(1);
    });
  });

  it('waits while searches follow one another (as pages of one do), and runs once they pause', async () => {
    await withSealedChunks(async (store, levels) => {
      // A search every 50 ms for 2.5 s: between two, no request is in flight, but nothing is recompressed.
      const until = Date.now() + 2_500;
      while (Date.now() < until) {
        let found = 0;
        for await (const batch of store.scan(scope, 'g', { descending: false, requiredTerms: ['request 1999'] })) found += batch.filter((e) => e.message.endsWith('request 1999')).length;
        expect(found).toBe(1);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(levels().every((l) => l < DEFAULT_WRITER_OPTIONS.compactLevel)).toBe(true);
    });
  });

  it('waits while streams are being read, and runs once reads pause', async () => {
    await withSealedChunks(async (store, levels) => {
      // Reads every 50 ms for 2.5 s (the writer looks for idle work every second): nothing recompressed.
      const until = Date.now() + 2_500;
      while (Date.now() < until) {
        expect(await store.readStream(scope, 'g', 's', { direction: 'forward', startTime: t0 + 1000, limit: 10 })).toHaveLength(10);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(levels().every((l) => l < DEFAULT_WRITER_OPTIONS.compactLevel)).toBe(true);
    });
  });
});
