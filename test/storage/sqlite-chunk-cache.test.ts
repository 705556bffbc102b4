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
