/**
 * Searches in the scan thread: the store applies the filter pattern there (and to head batches on
 * the calling thread), says so on every batch, and reports how far it searched so that a caller
 * can stop at any batch and resume without losing or repeating a match.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFilterPattern, requiredTerms } from '../../src/core/filter-pattern/index.js';
import type { ScanBatch, ScanQuery } from '../../src/core/ports.js';
import type { EventPosition, StoredLogEvent } from '../../src/core/types.js';
import { SqliteLogStore } from '../../src/storage/sqlite/sqlite-store.js';

const scope = { accountId: '123456789012', region: 'us-east-1' };
const T0 = Date.UTC(2025, 0, 1);
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];

function message(stream: number, i: number): string {
  const level = i % 7 === 0 ? 'ERROR' : 'INFO';
  if (i % 5 === 0) return JSON.stringify({ level, word: WORDS[i % WORDS.length], request: i, stream, code: i % 13 });
  return `${level} ${WORDS[(i * 3 + stream) % WORDS.length]} request ${i} stream ${stream} {"code": ${i % 13}}`;
}

// With the default, a filter request goes on to search the chunks it admits (here all of them, in
// one request); with 1 byte it stops at the first that matches and the rest are searched one
// request each, so the merge waits for them and reports how far it got (scannedThrough).
describe.each([
  ['chunks searched with their filters', undefined],
  ['chunks searched one request each', 1],
])('scan thread (%s)', (_name, scanFoundBytes) => {
  let dir: string;
  let store: SqliteLogStore;
  let all: StoredLogEvent[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'logharbor-scan-thread-'));
    store = new SqliteLogStore({ path: join(dir, 'test.db'), synchronous: 'NORMAL', writer: { sealEvents: 2_000 }, scanBatchSize: 100, ...(scanFoundBytes !== undefined ? { scanFoundBytes } : {}) });
    await store.createLogGroup(scope, { name: 'g', creationTime: T0, logGroupClass: 'STANDARD', deletionProtectionEnabled: false });
    for (const s of [0, 1]) await store.createLogStream(scope, 'g', `s${s}`, T0);
    // Large batches become chunks at once; the small ones stay in head batches.
    for (let b = 0; b < 6; b++) {
      for (const s of [0, 1]) {
        const size = b % 3 === 2 ? 50 : 1_500;
        const events = Array.from({ length: size }, (_, k) => ({ timestamp: T0 + b * 10_000 + k * 3 + s, message: message(s, b * 2_000 + k) }));
        await store.appendEvents(scope, 'g', `s${s}`, events, T0 + 1);
      }
    }
    all = [];
    for await (const batch of store.scan(scope, 'g', { descending: false })) all.push(...batch);
  });

  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function collect(query: ScanQuery): Promise<{ events: StoredLogEvent[]; batches: ScanBatch[] }> {
    const events: StoredLogEvent[] = [];
    const batches: ScanBatch[] = [];
    for await (const batch of store.scan(scope, 'g', query)) {
      batches.push(batch);
      events.push(...batch);
    }
    return { events, batches };
  }

  const ids = (events: readonly StoredLogEvent[]) => events.map((e) => e.id);

  describe('searches', () => {
    it('holds every event, sealed and head, in order', () => {
      expect(all.length).toBe(2 * (4 * 1_500 + 2 * 50));
      for (let i = 1; i < all.length; i++) {
        const [a, b] = [all[i - 1]!, all[i]!];
        expect(a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.id < b.id)).toBe(true);
      }
    });

    for (const source of ['ERROR', 'bravo request', '"stream 1"', '{ $.code = 5 }', '%charlie|echo%', '?delta ?alpha']) {
      for (const descending of [false, true]) {
        it(`applies ${source} ${descending ? 'descending' : 'ascending'} exactly as the caller would`, async () => {
          const pattern = compileFilterPattern(source, { context: 'filter-log-events' });
          const expected = all.filter((e) => pattern.matches(e.message));
          if (descending) expected.reverse();
          const { events, batches } = await collect({ descending, requiredTerms: requiredTerms(pattern), filterPattern: source });
          expect(batches.every((b) => b.filterApplied === true)).toBe(true);
          expect(ids(events)).toEqual(ids(expected));
          expect(expected.length).toBeGreaterThan(0);
        });
      }
    }

    it('leaves matching to the caller without a filterPattern', async () => {
      const { events, batches } = await collect({ descending: false, requiredTerms: ['ERROR'] });
      expect(batches.some((b) => b.filterApplied === true)).toBe(false);
      expect(events.length).toBeGreaterThanOrEqual(all.filter((e) => e.message.includes('ERROR')).length);
    });

    for (const descending of [false, true]) {
      it(`resumes after any batch's scannedThrough without losing or repeating a match (${descending ? 'descending' : 'ascending'})`, async () => {
        const source = '"request 1"';
        const pattern = compileFilterPattern(source, { context: 'filter-log-events' });
        const expected = all.filter((e) => pattern.matches(e.message));
        if (descending) expected.reverse();
        const query: ScanQuery = { descending, requiredTerms: requiredTerms(pattern), filterPattern: source };
        const { batches } = await collect(query);
        const stops = batches.map((b) => b.scannedThrough).filter((p): p is EventPosition => p !== undefined);
        if (scanFoundBytes !== undefined) expect(stops.length).toBeGreaterThan(0);
        for (const from of stops) {
          const before: StoredLogEvent[] = [];
          for (const batch of batches) {
            before.push(...batch);
            if (batch.scannedThrough === from) break;
          }
          const { events: after } = await collect({ ...query, from });
          expect(ids([...before, ...after])).toEqual(ids(expected));
        }
      });
    }

    it.runIf(process.platform === 'linux')('runs its threads at a lower CPU priority than the rest of the process (Linux)', async () => {
      const { readdirSync, readFileSync } = await import('node:fs');
      // Searched above, so the threads are running; a thread's nice value is field 19 of its stat.
      const niceOf = (task: string) => Number(readFileSync(`/proc/self/task/${task}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);
      const mine = niceOf(String(process.pid));
      const lowered = readdirSync('/proc/self/task').filter((t) => {
        try {
          return niceOf(t) === Math.min(19, mine + 10);
        } catch {
          return false; // the thread ended meanwhile
        }
      });
      expect(mine).toBeLessThan(19);
      expect(lowered.length).toBeGreaterThanOrEqual(Math.min(2, (await import('node:os')).availableParallelism()));
    });

    it('stops its thread work when the caller stops early', async () => {
      let seen = 0;
      for await (const batch of store.scan(scope, 'g', { descending: false })) {
        seen += batch.length;
        break;
      }
      expect(seen).toBeGreaterThan(0);
      // The store still answers afterwards (the abandoned requests were cancelled, not left hanging).
      const { events } = await collect({ descending: false, requiredTerms: ['ERROR'], filterPattern: 'ERROR' });
      expect(events.length).toBe(all.filter((e) => e.message.includes('ERROR')).length);
    });
  });

  describe('scan thread, many chunks', () => {
    // Filters are tested in blocks of 128 chunks, and at most 16 searches run ahead: 330 chunks here.
    let manyDir: string;
    let many: SqliteLogStore;
    let events: StoredLogEvent[];
    const rare = (i: number) => i % 997 === 3;

    beforeAll(async () => {
      manyDir = mkdtempSync(join(tmpdir(), 'logharbor-scan-many-'));
      many = new SqliteLogStore({ path: join(manyDir, 'test.db'), synchronous: 'NORMAL', writer: { sealEvents: 40 } });
      await many.createLogGroup(scope, { name: 'g', creationTime: T0, logGroupClass: 'STANDARD', deletionProtectionEnabled: false });
      for (const s of [0, 1, 2]) await many.createLogStream(scope, 'g', `s${s}`, T0);
      for (let b = 0; b < 110; b++) {
        for (const s of [0, 1, 2]) {
          const batch = Array.from({ length: 40 }, (_, k) => {
            const i = (b * 3 + s) * 40 + k;
            return { timestamp: T0 + b * 1_000 + k * 7 + s, message: `INFO ${WORDS[i % WORDS.length]} request ${i}${rare(i) ? ' ChecksumMismatchError' : ''}` };
          });
          await many.appendEvents(scope, 'g', `s${s}`, batch, T0 + 1);
        }
      }
      await many.sealAll();
      events = [];
      for await (const batch of many.scan(scope, 'g', { descending: false })) events.push(...batch);
    });

    afterAll(async () => {
      await many.close();
      rmSync(manyDir, { recursive: true, force: true });
    });

    async function search(source: string, descending: boolean, from?: EventPosition): Promise<StoredLogEvent[]> {
      const pattern = compileFilterPattern(source, { context: 'filter-log-events' });
      const out: StoredLogEvent[] = [];
      for await (const batch of many.scan(scope, 'g', { descending, requiredTerms: requiredTerms(pattern), filterPattern: source, ...(from ? { from } : {}) })) out.push(...batch);
      return out;
    }

    it('holds 330 chunks', () => {
      expect(events.length).toBe(110 * 3 * 40);
    });

    for (const source of ['ChecksumMismatchError', '"request 1"', 'ZZqqXXyyWWvv', 'INFO']) {
      for (const descending of [false, true]) {
        it(`finds exactly what ${source} matches across filter blocks (${descending ? 'descending' : 'ascending'})`, async () => {
          const pattern = compileFilterPattern(source, { context: 'filter-log-events' });
          const expected = events.filter((e) => pattern.matches(e.message));
          if (descending) expected.reverse();
          expect(ids(await search(source, descending))).toEqual(ids(expected));
        });
      }
    }

    it('resumes from the middle of the chunks', async () => {
      const all = await search('ChecksumMismatchError', false);
      expect(all.length).toBe(events.filter((e) => e.message.includes('ChecksumMismatchError')).length);
      expect(all.length).toBeGreaterThan(10);
      const half = Math.floor(all.length / 2);
      const rest = await search('ChecksumMismatchError', false, { timestamp: all[half]!.timestamp, id: all[half]!.id });
      expect(ids(rest)).toEqual(ids(all.slice(half + 1)));
    });

    it('stops early and still answers the next search', async () => {
      for await (const batch of many.scan(scope, 'g', { descending: false, requiredTerms: ['INFO'], filterPattern: 'INFO' })) {
        expect(batch.length).toBeGreaterThan(0);
        break;
      }
      expect((await search('ChecksumMismatchError', true)).length).toBeGreaterThan(10);
    });
  });
});
