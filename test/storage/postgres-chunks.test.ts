/**
 * Events are stored in chunks whose time ranges overlap (late events, many streams, batches
 * cut into chunks of 250 events, 32 KiB or a day): reads must still come out in exact (timestamp, id)
 * order. Random appends are checked against a model that simply sorts every event.
 */
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPosition, Scope, StoredLogEvent } from '../../src/core/types.js';
import { openPostgresStore, type PostgresLogStore } from '../../src/storage/postgres/postgres-store.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';

const A: Scope = { accountId: '000000000000', region: 'us-east-1' };
const HOUR = 3_600_000;
const T0 = 1_000 * 24 * HOUR;

let server: PostgresServer;
let store: PostgresLogStore;

beforeAll(async () => {
  server = await startPostgres();
  store = await openPostgresStore({ url: server.url(), schema: `c_${randomBytes(4).toString('hex')}`, poolSize: 4, scanBatchSize: 700 });
});

afterAll(async () => {
  await store?.close();
  await server?.stop();
});

const byPosition = (a: EventPosition, b: EventPosition) => a.timestamp - b.timestamp || a.id - b.id;

async function collect(iterable: AsyncIterable<StoredLogEvent[]>): Promise<StoredLogEvent[]> {
  const all: StoredLogEvent[] = [];
  for await (const batch of iterable) all.push(...batch);
  return all;
}

/** Pages through a stream like GetLogEvents does, from the head or the tail. */
async function pageAll(group: string, stream: string, direction: 'forward' | 'backward', limit: number): Promise<StoredLogEvent[]> {
  const out: StoredLogEvent[] = [];
  let from: EventPosition | undefined;
  for (;;) {
    const page = await store.readStream(A, group, stream, { direction, limit, ...(from ? { from } : {}) });
    if (page.length === 0) return out;
    out.push(...page);
    from = page[page.length - 1]!;
  }
}

describe('PostgreSQL chunks read in (timestamp, id) order', () => {
  it('matches a sorted model for random overlapping appends', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            stream: fc.constantFrom('a', 'b', 'c'),
            // whole hours, so that appends collide on the same milliseconds (ties broken by id)
            start: fc.integer({ min: 0, max: 72 }).map((h) => h * HOUR),
            count: fc.integer({ min: 1, max: 2_500 }),
            // 0: every event at one instant; otherwise the step between events (may cross a day)
            step: fc.constantFrom(0, 1, 7, 60_000, 3 * HOUR),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        fc.integer({ min: 1, max: 1_500 }),
        async (appends, limit) => {
          const group = `g${run++}`;
          await store.createLogGroup(A, { name: group, creationTime: 1, logGroupClass: 'STANDARD', deletionProtectionEnabled: false });
          for (const s of ['a', 'b', 'c']) await store.createLogStream(A, group, s, 1);
          const model: StoredLogEvent[] = [];
          for (const [k, append] of appends.entries()) {
            const events = Array.from({ length: append.count }, (_, i) => ({
              timestamp: T0 + append.start + Math.floor((i * append.step) / 3),
              message: `${k}-${i}${'x'.repeat(i % 200)}`,
            }));
            const { firstId } = await store.appendEvents(A, group, append.stream, events, 1);
            events.forEach((e, i) => model.push({ id: firstId + i, streamName: append.stream, timestamp: e.timestamp, ingestionTime: 1, message: e.message }));
          }
          model.sort(byPosition);
          const all = await collect(store.scan(A, group, { descending: false }));
          expect(all).toEqual(model);
          expect(await collect(store.scan(A, group, { descending: true }))).toEqual([...model].reverse());
          const mid = model[Math.floor(model.length / 2)]!;
          expect(await collect(store.scan(A, group, { descending: false, from: mid }))).toEqual(model.filter((e) => byPosition(e, mid) > 0));
          const lo = T0 + 24 * HOUR;
          const hi = T0 + 48 * HOUR;
          expect(await collect(store.scan(A, group, { descending: true, startTime: lo, endTime: hi, streamNames: ['a', 'c'] }))).toEqual(
            model.filter((e) => e.timestamp >= lo && e.timestamp <= hi && e.streamName !== 'b').reverse(),
          );
          for (const s of ['a', 'b']) {
            const ofStream = model.filter((e) => e.streamName === s);
            expect(await pageAll(group, s, 'forward', limit)).toEqual(ofStream);
            expect(await pageAll(group, s, 'backward', limit)).toEqual([...ofStream].reverse());
            const ranged = await store.readStream(A, group, s, { direction: 'forward', limit, startTime: lo, endTime: hi });
            expect(ranged).toEqual(ofStream.filter((e) => e.timestamp >= lo && e.timestamp < hi).slice(0, limit));
          }
        },
      ),
      { numRuns: 15 },
    );
  }, 120_000);
});
