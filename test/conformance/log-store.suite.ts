/**
 * One suite, every backend: each storage test file calls runLogStoreSuite with a factory for its store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppendedEvents, LogStore } from '../../src/core/ports.js';
import type { Scope, StoredLogEvent } from '../../src/core/types.js';

export interface StoreHarness {
  readonly store: LogStore;
  /** Closes the store and removes its data. */
  cleanup(): Promise<void>;
}

const A: Scope = { accountId: '000000000000', region: 'us-east-1' };
const B: Scope = { accountId: '111111111111', region: 'us-east-1' };
const A2: Scope = { accountId: '000000000000', region: 'eu-west-1' };
const DAY = 86_400_000;

const newGroup = (name: string, creationTime = 1000) => ({ name, creationTime, logGroupClass: 'STANDARD' as const, deletionProtectionEnabled: false });

async function collect(iterable: AsyncIterable<StoredLogEvent[]>): Promise<StoredLogEvent[]> {
  const all: StoredLogEvent[] = [];
  for await (const batch of iterable) all.push(...batch);
  return all;
}

export function runLogStoreSuite(backend: string, makeStore: () => Promise<StoreHarness>): void {
  describe(`LogStore conformance: ${backend}`, () => {
    let h: StoreHarness;
    let store: LogStore;
    beforeEach(async () => {
      h = await makeStore();
      store = h.store;
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it('creates, gets, lists and deletes log groups per scope', async () => {
      await store.createLogGroup(A, newGroup('b'));
      await store.createLogGroup(A, newGroup('a'));
      await store.createLogGroup(A, newGroup('B'));
      await store.createLogGroup(B, newGroup('a'));
      await expect(store.createLogGroup(A, newGroup('a'))).rejects.toMatchObject({ type: 'ResourceAlreadyExistsException' });
      expect((await store.listLogGroups(A, { limit: 10 })).map((g) => g.name)).toEqual(['B', 'a', 'b']);
      expect((await store.listLogGroups(A, { limit: 2 })).map((g) => g.name)).toEqual(['B', 'a']);
      expect((await store.listLogGroups(A, { limit: 10, afterName: 'B' })).map((g) => g.name)).toEqual(['a', 'b']);
      expect((await store.listLogGroups(A, { limit: 10, namePrefix: 'b' })).map((g) => g.name)).toEqual(['b']);
      expect((await store.listLogGroups(A, { limit: 10, names: ['b', 'zz', 'B'] })).map((g) => g.name)).toEqual(['B', 'b']);
      expect((await store.listLogGroups(A2, { limit: 10 })).map((g) => g.name)).toEqual([]);
      const group = await store.getLogGroup(A, 'a');
      expect(group).toMatchObject({ name: 'a', creationTime: 1000, logGroupClass: 'STANDARD', storedBytes: 0 });
      expect(group).not.toHaveProperty('retentionInDays');
      await store.deleteLogGroup(A, 'a');
      expect(await store.getLogGroup(A, 'a')).toBeUndefined();
      expect(await store.getLogGroup(B, 'a')).toBeDefined();
      await expect(store.deleteLogGroup(A, 'a')).rejects.toMatchObject({ type: 'ResourceNotFoundException' });
    });

    it('matches name prefixes exactly, including LIKE wildcards and case', async () => {
      for (const name of ['a_b', 'axb', 'A_b', 'a%c']) await store.createLogGroup(A, newGroup(name));
      expect((await store.listLogGroups(A, { limit: 10, namePrefix: 'a_' })).map((g) => g.name)).toEqual(['a_b']);
      expect((await store.listLogGroups(A, { limit: 10, nameContains: '_b' })).map((g) => g.name)).toEqual(['A_b', 'a_b']);
    });

    it('updates retention and kms key', async () => {
      await store.createLogGroup(A, newGroup('g'));
      await store.updateLogGroup(A, 'g', { retentionInDays: 7, kmsKeyId: 'k' });
      expect(await store.getLogGroup(A, 'g')).toMatchObject({ retentionInDays: 7, kmsKeyId: 'k' });
      await store.updateLogGroup(A, 'g', { retentionInDays: null });
      expect(await store.getLogGroup(A, 'g')).not.toHaveProperty('retentionInDays');
    });

    it('creates, lists (by name and last event time) and deletes streams', async () => {
      await store.createLogGroup(A, newGroup('g'));
      for (const name of ['s2', 's1', 's3']) await store.createLogStream(A, 'g', name, 5);
      await expect(store.createLogStream(A, 'g', 's1', 5)).rejects.toMatchObject({ type: 'ResourceAlreadyExistsException' });
      await expect(store.createLogStream(A, 'nope', 's1', 5)).rejects.toMatchObject({ type: 'ResourceNotFoundException' });
      await store.appendEvents(A, 'g', 's3', [{ timestamp: 100, message: 'x' }], 150);
      await store.appendEvents(A, 'g', 's1', [{ timestamp: 200, message: 'yy' }], 250);
      const byName = await store.listLogStreams(A, 'g', { orderBy: 'LogStreamName', descending: false, limit: 10 });
      expect(byName.map((s) => s.name)).toEqual(['s1', 's2', 's3']);
      const byNameDesc = await store.listLogStreams(A, 'g', { orderBy: 'LogStreamName', descending: true, limit: 2 });
      expect(byNameDesc.map((s) => s.name)).toEqual(['s3', 's2']);
      const after = await store.listLogStreams(A, 'g', { orderBy: 'LogStreamName', descending: false, limit: 10, after: { lastEventTime: 0, name: 's1' } });
      expect(after.map((s) => s.name)).toEqual(['s2', 's3']);
      const byTime = await store.listLogStreams(A, 'g', { orderBy: 'LastEventTime', descending: true, limit: 10 });
      expect(byTime.map((s) => s.name)).toEqual(['s1', 's3', 's2']);
      const byTimeAfter = await store.listLogStreams(A, 'g', {
        orderBy: 'LastEventTime',
        descending: true,
        limit: 10,
        after: { lastEventTime: 100, name: 's3' },
      });
      expect(byTimeAfter.map((s) => s.name)).toEqual(['s2']);
      const prefixed = await store.listLogStreams(A, 'g', { orderBy: 'LogStreamName', descending: false, limit: 10, namePrefix: 's1' });
      expect(prefixed.map((s) => s.name)).toEqual(['s1']);
      expect(await store.getLogStream(A, 'g', 's1')).toMatchObject({
        name: 's1',
        creationTime: 5,
        firstEventTimestamp: 200,
        lastEventTimestamp: 200,
        lastIngestionTime: 250,
        storedBytes: 2,
      });
      expect((await store.getLogGroup(A, 'g'))!.storedBytes).toBe(3);
      await store.deleteLogStream(A, 'g', 's1');
      expect(await store.getLogStream(A, 'g', 's1')).toBeUndefined();
      await expect(store.deleteLogStream(A, 'g', 's1')).rejects.toMatchObject({ type: 'ResourceNotFoundException' });
      expect(await collect(store.scan(A, 'g', { descending: false }))).toHaveLength(1);
    });

    it('appends durably and reads a stream forward and backward from positions and in time ranges', async () => {
      await store.createLogGroup(A, newGroup('g'));
      await store.createLogStream(A, 'g', 's', 1);
      const events = Array.from({ length: 50 }, (_, i) => ({ timestamp: 1000 + Math.floor(i / 2), message: `m${i}` }));
      const { firstId } = await store.appendEvents(A, 'g', 's', events, 5000);
      const all = await store.readStream(A, 'g', 's', { direction: 'forward', limit: 100 });
      expect(all.map((e) => e.message)).toEqual(events.map((e) => e.message));
      expect(all[0]!.id).toBe(firstId);
      expect(all.every((e, i) => i === 0 || e.id > all[i - 1]!.id)).toBe(true);
      expect(all[0]).toMatchObject({ streamName: 's', timestamp: 1000, ingestionTime: 5000 });
      const next = await store.readStream(A, 'g', 's', { direction: 'forward', limit: 3, from: all[9]! });
      expect(next.map((e) => e.message)).toEqual(['m10', 'm11', 'm12']);
      const back = await store.readStream(A, 'g', 's', { direction: 'backward', limit: 3, from: all[9]! });
      expect(back.map((e) => e.message)).toEqual(['m8', 'm7', 'm6']);
      const latest = await store.readStream(A, 'g', 's', { direction: 'backward', limit: 2 });
      expect(latest.map((e) => e.message)).toEqual(['m49', 'm48']);
      const ranged = await store.readStream(A, 'g', 's', { direction: 'forward', limit: 100, startTime: 1002, endTime: 1004 });
      expect(ranged.map((e) => e.message)).toEqual(['m4', 'm5', 'm6', 'm7']);
      await expect(store.appendEvents(A, 'g', 'missing', events, 1)).rejects.toMatchObject({ type: 'ResourceNotFoundException' });
      await expect(store.readStream(A, 'g', 'missing', { direction: 'forward', limit: 1 })).rejects.toMatchObject({ type: 'ResourceNotFoundException' });
    });

    it('keeps events of the same timestamp in ingestion order across appends', async () => {
      await store.createLogGroup(A, newGroup('g'));
      await store.createLogStream(A, 'g', 's', 1);
      await store.appendEvents(A, 'g', 's', [{ timestamp: 10, message: 'late-1' }], 1);
      await store.appendEvents(A, 'g', 's', [{ timestamp: 5, message: 'early' }, { timestamp: 10, message: 'late-2' }], 2);
      const all = await store.readStream(A, 'g', 's', { direction: 'forward', limit: 10 });
      expect(all.map((e) => e.message)).toEqual(['early', 'late-1', 'late-2']);
    });

    it('scans a group interleaved in time order, with stream filters, bounds, direction and resume', async () => {
      await store.createLogGroup(A, newGroup('g'));
      for (const s of ['web-1', 'web-2', 'db']) await store.createLogStream(A, 'g', s, 1);
      await store.appendEvents(A, 'g', 'web-1', [1, 4, 7].map((t) => ({ timestamp: t, message: `w1-${t}` })), 1);
      await store.appendEvents(A, 'g', 'web-2', [2, 5, 8].map((t) => ({ timestamp: t, message: `w2-${t}` })), 1);
      await store.appendEvents(A, 'g', 'db', [3, 6, 9].map((t) => ({ timestamp: t, message: `db-${t}` })), 1);
      const all = await collect(store.scan(A, 'g', { descending: false }));
      expect(all.map((e) => e.timestamp)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(all[2]!.streamName).toBe('db');
      const desc = await collect(store.scan(A, 'g', { descending: true, startTime: 3, endTime: 7 }));
      expect(desc.map((e) => e.timestamp)).toEqual([7, 6, 5, 4, 3]);
      const web = await collect(store.scan(A, 'g', { descending: false, streamNamePrefix: 'web-' }));
      expect(web.map((e) => e.message)).toEqual(['w1-1', 'w2-2', 'w1-4', 'w2-5', 'w1-7', 'w2-8']);
      const named = await collect(store.scan(A, 'g', { descending: false, streamNames: ['db', 'none'] }));
      expect(named.map((e) => e.timestamp)).toEqual([3, 6, 9]);
      const none = await collect(store.scan(A, 'g', { descending: false, streamNames: ['none'] }));
      expect(none).toEqual([]);
      const resumed = await collect(store.scan(A, 'g', { descending: false, from: all[4]! }));
      expect(resumed.map((e) => e.timestamp)).toEqual([6, 7, 8, 9]);
      const hinted = await collect(store.scan(A, 'g', { descending: false, requiredTerms: ['db'] }));
      expect(hinted.filter((e) => e.message.includes('db')).map((e) => e.timestamp)).toEqual([3, 6, 9]);
    });

    it('scans large groups in several batches without losing or repeating events', async () => {
      await store.createLogGroup(A, newGroup('big'));
      await store.createLogStream(A, 'big', 's1', 1);
      await store.createLogStream(A, 'big', 's2', 1);
      const n = 12_000;
      const events = Array.from({ length: n }, (_, i) => ({ timestamp: 1_000_000 + i, message: `event ${i}` }));
      await store.appendEvents(A, 'big', 's1', events.slice(0, n / 2), 1);
      await store.appendEvents(A, 'big', 's2', events.slice(n / 2), 1);
      const all = await collect(store.scan(A, 'big', { descending: false }));
      expect(all).toHaveLength(n);
      expect(new Set(all.map((e) => e.id)).size).toBe(n);
      expect(all.every((e, i) => i === 0 || e.timestamp > all[i - 1]!.timestamp)).toBe(true);
      const controller = new AbortController();
      let batches = 0;
      for await (const _batch of store.scan(A, 'big', { descending: false }, controller.signal)) {
        batches++;
        controller.abort();
      }
      expect(batches).toBe(1);
    });

    it('hides a deleted group\'s events, even when a group of the same name is created again', async () => {
      await store.createLogGroup(A, newGroup('g'));
      await store.createLogStream(A, 'g', 's', 1);
      await store.appendEvents(A, 'g', 's', [{ timestamp: 1, message: 'old' }], 1);
      await store.deleteLogGroup(A, 'g');
      await store.createLogGroup(A, newGroup('g'));
      await store.createLogStream(A, 'g', 's', 1);
      expect(await collect(store.scan(A, 'g', { descending: false }))).toEqual([]);
      expect(await store.readStream(A, 'g', 's', { direction: 'forward', limit: 10 })).toEqual([]);
      expect((await store.getLogStream(A, 'g', 's'))!.storedBytes).toBe(0);
      // Appends go to the new group's stream, not the deleted one's.
      await store.appendEvents(A, 'g', 's', [{ timestamp: 2, message: 'new' }], 2);
      expect((await store.readStream(A, 'g', 's', { direction: 'forward', limit: 10 })).map((e) => e.message)).toEqual(['new']);
      await store.deleteLogStream(A, 'g', 's');
      await expect(store.appendEvents(A, 'g', 's', [{ timestamp: 3, message: 'gone' }], 3)).rejects.toMatchObject({ type: 'ResourceNotFoundException' });
      await store.createLogStream(A, 'g', 's', 3);
      await store.appendEvents(A, 'g', 's', [{ timestamp: 4, message: 'again' }], 4);
      expect((await store.readStream(A, 'g', 's', { direction: 'forward', limit: 10 })).map((e) => e.message)).toEqual(['again']);
      await store.deleteLogGroup(A, 'g');
      await expect(store.appendEvents(A, 'g', 's', [{ timestamp: 5, message: 'gone' }], 5)).rejects.toMatchObject({ type: 'ResourceNotFoundException' });
    });

    it('enforces retention', async () => {
      const now = 100 * DAY;
      await store.createLogGroup(A, newGroup('keep'));
      await store.createLogGroup(A, newGroup('short'));
      for (const g of ['keep', 'short']) {
        await store.createLogStream(A, g, 's', 1);
        await store.appendEvents(A, g, 's', [{ timestamp: now - 3 * DAY, message: 'old' }, { timestamp: now - 1000, message: 'new' }], now);
      }
      await store.updateLogGroup(A, 'short', { retentionInDays: 1 });
      expect(await store.enforceRetention(now)).toBe(1);
      expect((await collect(store.scan(A, 'short', { descending: false }))).map((e) => e.message)).toEqual(['new']);
      expect((await collect(store.scan(A, 'keep', { descending: false }))).map((e) => e.message)).toEqual(['old', 'new']);
    });

    it('stores generic resources per scope and kind', async () => {
      await store.putResource(A, 'metric-filter', 'g\nf1', { pattern: 'x' });
      await store.putResource(A, 'metric-filter', 'g\nf2', { pattern: 'y' });
      await store.putResource(A, 'metric-filter', 'G\nf1', { pattern: 'z' });
      await store.putResource(B, 'metric-filter', 'g\nf1', { pattern: 'b' });
      await store.putResource(A, 'metric-filter', 'g\nf1', { pattern: 'x2' });
      expect(await store.getResource(A, 'metric-filter', 'g\nf1')).toEqual({ pattern: 'x2' });
      expect(await store.getResource(A, 'tags', 'g\nf1')).toBeUndefined();
      expect((await store.listResources(A, 'metric-filter', 'g\n')).map((r) => r.key)).toEqual(['g\nf1', 'g\nf2']);
      expect((await store.listResources(A, 'metric-filter')).map((r) => r.key)).toEqual(['G\nf1', 'g\nf1', 'g\nf2']);
      expect(await store.deleteResource(A, 'metric-filter', 'g\nf2')).toBe(true);
      expect(await store.deleteResource(A, 'metric-filter', 'g\nf2')).toBe(false);
      await store.deleteResources(A, 'metric-filter', 'g\n');
      expect((await store.listResources(A, 'metric-filter')).map((r) => r.key)).toEqual(['G\nf1']);
      expect(await store.getResource(B, 'metric-filter', 'g\nf1')).toEqual({ pattern: 'b' });
    });

    it('tells listeners about committed events', async () => {
      await store.createLogGroup(A, newGroup('g'));
      await store.createLogStream(A, 'g', 's', 1);
      const seen: AppendedEvents[] = [];
      const off = store.onAppend((batch) => seen.push(batch));
      await store.appendEvents(A, 'g', 's', [{ timestamp: 1, message: 'a' }, { timestamp: 2, message: 'b' }], 3);
      for (let i = 0; i < 50 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      off();
      await store.appendEvents(A, 'g', 's', [{ timestamp: 3, message: 'c' }], 4);
      await new Promise((r) => setTimeout(r, 100));
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ scope: A, groupName: 'g', streamName: 's' });
      expect(seen[0]!.events.map((e) => e.message)).toEqual(['a', 'b']);
      expect(seen[0]!.events[0]!.id).toBeLessThan(seen[0]!.events[1]!.id);
    });

    it("summarises each batch exactly as its events add up, multi-byte messages included", async () => {
      await store.createLogGroup(A, newGroup('g'));
      await store.createLogStream(A, 'g', 's', 1);
      const seen: AppendedEvents[] = [];
      const off = store.onAppend((batch) => seen.push(batch));
      const messages = ['plain', 'été ☃', '🎉 party', 'x'.repeat(300)];
      await store.appendEvents(A, 'g', 's', messages.map((message, i) => ({ timestamp: 10 + i, message })), 7);
      for (let i = 0; i < 50 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      off();
      const batch = seen[0]!;
      expect(batch.count).toBe(4);
      expect(batch.messageBytes).toBe(messages.reduce((n, m) => n + Buffer.byteLength(m), 0));
      expect(batch.events.map((e) => e.message)).toEqual(messages);
      expect(batch.events.map((e) => e.timestamp)).toEqual([10, 11, 12, 13]);
      expect(batch.firstId).toBe(batch.events[0]!.id);
      expect(batch.lastId).toBe(batch.events[3]!.id);
      expect(batch.lastIngestionTime).toBe(7);
      expect(batch.events.every((e) => e.ingestionTime === 7 && e.streamName === 's')).toBe(true);
    });
  });
}
