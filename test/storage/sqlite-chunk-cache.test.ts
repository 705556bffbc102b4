import { describe, expect, it } from 'vitest';
import { ChunkCache } from '../../src/storage/sqlite/chunk-cache.js';
import type { EventColumns } from '../../src/storage/sqlite/codec.js';

function columns(textBytes: number, count = 10): EventColumns {
  return {
    count,
    ids: new Float64Array(count),
    timestamps: new Float64Array(count),
    ingestionTimes: new Float64Array(count),
    offsets: new Uint32Array(count + 1),
    text: Buffer.alloc(textBytes),
    ascii: true,
  };
}

describe('ChunkCache', () => {
  it('never holds more than its byte budget, evicting the least recently used', () => {
    const cache = new ChunkCache(100_000);
    for (let id = 0; id < 50; id++) {
      cache.set(id, columns(30_000));
      expect(cache.bytes).toBeLessThanOrEqual(100_000);
    }
    expect(cache.get(49)).toBeDefined();
    expect(cache.get(0)).toBeUndefined();
  });

  it('keeps a recently read entry over older ones', () => {
    const cache = new ChunkCache(100_000);
    cache.set(1, columns(30_000));
    cache.set(2, columns(30_000));
    cache.set(3, columns(30_000));
    cache.get(1);
    cache.set(4, columns(30_000));
    expect(cache.get(1)).toBeDefined();
    expect(cache.get(2)).toBeUndefined();
  });

  it('counts a replaced entry once and skips entries larger than the budget', () => {
    const cache = new ChunkCache(100_000);
    cache.set(1, columns(30_000));
    cache.set(1, columns(30_000));
    expect(cache.bytes).toBe(30_000 + 10 * 28);
    cache.set(2, columns(200_000));
    expect(cache.get(2)).toBeUndefined();
    expect(cache.bytes).toBe(30_000 + 10 * 28);
  });
});

describe('ChunkCache, what it lets go of', () => {
  it('reports evicted, replaced and too-large entries', () => {
    const cache = new ChunkCache(100_000);
    const dropped: EventColumns[] = [];
    const [a, b, c, d, big] = [columns(40_000), columns(40_000), columns(40_000), columns(40_000), columns(200_000)];
    cache.set(1, a, dropped);
    cache.set(2, b, dropped);
    expect(dropped).toEqual([]);
    cache.set(3, c, dropped);
    expect(dropped).toEqual([a]);
    cache.set(3, d, dropped);
    expect(dropped).toEqual([a, c]);
    cache.set(4, big, dropped);
    expect(dropped).toEqual([a, c, big]);
  });
});

describe('GetLogEvents reads through a small chunk cache', () => {
  // Every page decodes a chunk into memory an earlier page's chunk was evicted from: the pages
  // must still be exactly the stored events, in both directions, from random times.
  it('returns exactly the stored events page after page', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { SqliteLogStore } = await import('../../src/storage/sqlite/sqlite-store.js');
    const dir = mkdtempSync(join(tmpdir(), 'logharbor-cache-reuse-'));
    // ~150 KB per decoded chunk: the cache holds one, so a page across two chunks evicts the first.
    const store = new SqliteLogStore({ path: join(dir, 'test.db'), synchronous: 'NORMAL', chunkCacheBytes: 150_000, writer: { sealEvents: 2_000 } });
    const scope = { accountId: '123456789012', region: 'us-east-1' };
    try {
      await store.createLogGroup(scope, { name: 'g', creationTime: 0, logGroupClass: 'STANDARD', deletionProtectionEnabled: false });
      await store.createLogStream(scope, 'g', 's', 0);
      const T0 = Date.UTC(2025, 0, 1);
      const all: Array<{ timestamp: number; message: string }> = [];
      // Batches in pairs over the same time range (odd ones 5 ms later): a page merges two chunks
      // at once, both read while the other is decoded.
      for (let b = 0; b < 12; b++) {
        const batch = Array.from({ length: 2_000 }, (_, k) => {
          const i = Math.floor(b / 2) * 2_000 + k;
          const timestamp = T0 + i * 10 + (b % 2) * 5;
          // Equal-sized chunks, so that one's memory fits the next.
          return { timestamp, message: `${new Date(timestamp).toISOString()} ${['INFO ', 'WARN ', '{"x":'][i % 3]} event ${String(i).padStart(6, '0')}.${b % 2} ${'x'.repeat(i % 50)}` };
        });
        all.push(...batch);
        await store.appendEvents(scope, 'g', 's', batch, T0);
      }
      all.sort((x, y) => x.timestamp - y.timestamp);
      await store.sealAll();
      let seed = 7;
      const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
      for (let n = 0; n < 60; n++) {
        const at = Math.floor(next() * all.length);
        const forward = n % 2 === 0;
        const page = await store.readStream(scope, 'g', 's', forward ? { direction: 'forward', startTime: all[at]!.timestamp, limit: 300 } : { direction: 'backward', endTime: all[at]!.timestamp + 1, limit: 300 });
        const want = forward ? all.slice(at, at + 300) : all.slice(Math.max(0, at - 299), at + 1).reverse();
        expect(page.map((e) => e.message)).toEqual(want.map((e) => e.message));
      }
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
