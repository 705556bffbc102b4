import { describe, expect, it } from 'vitest';
import { appendedEvents, type AppendedEvents, type LogStore } from '../../src/core/ports.js';
import { TailHub, type FollowOptions } from '../../src/tail/hub.js';
import { groupKey } from '../../src/tail/selection.js';
import { decodeMessages, encodeEvent, encodeException } from '../../src/tail/event-stream.js';
import { sampleInOrder } from '../../src/tail/live-tail-session.js';

const scope = { accountId: '000000000000', region: 'us-east-1' };

/** Just the part of a store the hub uses: onAppend, called synchronously as the SQLite store does. */
function fakeStore() {
  const listeners = new Set<(b: AppendedEvents) => void>();
  let nextId = 1;
  return {
    store: { onAppend: (l: (b: AppendedEvents) => void) => (listeners.add(l), () => listeners.delete(l)) } as unknown as LogStore,
    append(group: string, messages: string[], stream = 's'): AppendedEvents {
      const batch = appendedEvents(scope, group, stream, messages.map((message) => ({ id: nextId++, streamName: stream, timestamp: 1, ingestionTime: 2, message })));
      for (const l of listeners) l(batch);
      return batch;
    },
    listenerCount: () => listeners.size,
  };
}

const tick = () => new Promise((r) => setImmediate(r));

function collector(overrides: Partial<FollowOptions> & Pick<FollowOptions, 'groupKeys'>) {
  const got: { messages: string[]; dropped: number; cutOff?: number } = { messages: [], dropped: 0 };
  const options: FollowOptions = {
    maxQueuedEvents: 1000,
    maxQueuedChars: 1_000_000,
    overflow: 'drop-oldest',
    deliver: (batches, dropped) => {
      got.dropped += dropped;
      for (const b of batches) got.messages.push(...b.events.map((e) => e.message));
    },
    cutOff: (queued) => (got.cutOff = queued),
    ...overrides,
  };
  return { got, options };
}

describe('TailHub', () => {
  it('delivers a group\'s batches to its followers only, after the writer returns', async () => {
    const f = fakeStore();
    const hub = new TailHub(f.store);
    const a = collector({ groupKeys: [groupKey(scope, 'a')] });
    const ab = collector({ groupKeys: [groupKey(scope, 'a'), groupKey(scope, 'b')] });
    hub.follow(a.options);
    hub.follow(ab.options);
    f.append('a', ['a1']);
    f.append('b', ['b1']);
    f.append('c', ['c1']);
    expect(a.got.messages).toEqual([]); // nothing runs on the writer's path
    await tick();
    expect(a.got.messages).toEqual(['a1']);
    expect(ab.got.messages).toEqual(['a1', 'b1']);
    hub.close();
    expect(f.listenerCount()).toBe(0);
  });

  it('drops the oldest batches of a follower that falls behind and counts them', async () => {
    const f = fakeStore();
    const hub = new TailHub(f.store);
    const c = collector({ groupKeys: [groupKey(scope, 'a')], maxQueuedEvents: 5 });
    const sub = hub.follow(c.options);
    sub.pause();
    for (let i = 0; i < 5; i++) f.append('a', [`${i}.1`, `${i}.2`]);
    sub.resume();
    await tick();
    expect(c.got.messages).toEqual(['3.1', '3.2', '4.1', '4.2']);
    expect(c.got.dropped).toBe(6);
  });

  it('cuts off a follower whose policy says so, and stops delivering to it', async () => {
    const f = fakeStore();
    const hub = new TailHub(f.store);
    const c = collector({ groupKeys: [groupKey(scope, 'a')], maxQueuedEvents: 3, overflow: 'cut-off' });
    const sub = hub.follow(c.options);
    sub.pause();
    f.append('a', ['1', '2']);
    f.append('a', ['3', '4']);
    await tick();
    expect(c.got.cutOff).toBe(4);
    expect(hub.followerCount).toBe(0);
    f.append('a', ['5']);
    sub.resume();
    await tick();
    expect(c.got.messages).toEqual([]);
  });

  it('bounds a follower by message size as well as by count', async () => {
    const f = fakeStore();
    const hub = new TailHub(f.store);
    const c = collector({ groupKeys: [groupKey(scope, 'a')], maxQueuedChars: 10_000, overflow: 'cut-off' });
    hub.follow(c.options).pause();
    f.append('a', ['x'.repeat(6000)]);
    f.append('a', ['x'.repeat(6000)]);
    await tick();
    expect(c.got.cutOff).toBe(2);
  });

  it('a follower that throws is dropped; writers and other followers never see it', async () => {
    const f = fakeStore();
    const errors: unknown[] = [];
    const hub = new TailHub(f.store, { onError: (e) => errors.push(e) });
    hub.follow({ ...collector({ groupKeys: [groupKey(scope, 'a')] }).options, deliver: () => { throw new Error('boom'); } });
    const ok = collector({ groupKeys: [groupKey(scope, 'a')] });
    hub.follow(ok.options);
    expect(() => f.append('a', ['1'])).not.toThrow();
    await tick();
    expect(ok.got.messages).toEqual(['1']);
    expect(errors).toHaveLength(1);
    expect(hub.followerCount).toBe(1);
  });

  it('never builds the events of a batch that no follower of its group wants', () => {
    const listeners = new Set<(b: AppendedEvents) => void>();
    const hub = new TailHub({ onAppend: (l: (b: AppendedEvents) => void) => (listeners.add(l), () => listeners.delete(l)) } as unknown as LogStore, {
      recentMaxEvents: 5,
    });
    hub.follow({ ...collector({ groupKeys: [groupKey(scope, 'other')] }).options });
    let built = 0;
    for (let i = 0; i < 10; i++) {
      const batch: AppendedEvents = {
        scope,
        groupName: 'g',
        streamName: 's',
        count: 2,
        firstId: 2 * i + 1,
        lastId: 2 * i + 2,
        lastIngestionTime: 5,
        messageBytes: 10,
        get events() {
          built++;
          return [];
        },
      };
      for (const l of listeners) l(batch);
    }
    expect(built).toBe(0);
    expect(hub.position).toEqual({ id: 20, ingestionTime: 5 });
    expect(hub.firstId).toBe(1);
    hub.close();
  });

  it('keeps batches only of groups followed now or lately', async () => {
    const f = fakeStore();
    const hub = new TailHub(f.store, { rememberAfterFollowMs: 50 });
    const a = [groupKey(scope, 'a')];
    const b = [groupKey(scope, 'b')];
    f.append('a', ['a1']); // id 1, before anyone followed a
    const follower = hub.follow(collector({ groupKeys: a }).options);
    f.append('a', ['a2']); // id 2
    f.append('b', ['b3']); // id 3: b never followed
    const held = () => (hub as unknown as { recent: Array<{ batch: AppendedEvents } | undefined> }).recent.filter((e) => e !== undefined).map((e) => e!.batch.groupName);
    expect(held()).toEqual(['a']);
    expect(hub.recentAfter(1, a)?.flatMap((x) => x.events.map((e) => e.message))).toEqual(['a2']);
    expect(hub.recentAfter(0, a)).toBeUndefined(); // id 1 came before a was remembered: the store answers
    expect(hub.recentAfter(2, b)).toBeUndefined();
    follower.close();
    f.append('a', ['a4']); // within the grace period after the last follower left: still kept
    expect(hub.recentAfter(1, a)?.flatMap((x) => x.events.map((e) => e.message))).toEqual(['a2', 'a4']);
    await new Promise((r) => setTimeout(r, 80));
    f.append('a', ['a5']); // grace period over: forgotten
    expect(hub.recentAfter(1, a)).toBeUndefined();
    expect(held()).toEqual(['a', 'a']);
    hub.close();
  });

  it('answers resumption from its recent window only when the window reaches back far enough', () => {
    const f = fakeStore();
    const hub = new TailHub(f.store, { recentMaxEvents: 4 });
    const keys = [groupKey(scope, 'a')];
    hub.follow(collector({ groupKeys: keys }).options).close(); // followed lately: remembered
    expect(hub.recentAfter(0, keys)).toBeUndefined(); // nothing seen yet: the store must answer
    f.append('a', ['1', '2']); // ids 1, 2
    f.append('b', ['3']); // id 3
    f.append('a', ['4']); // id 4
    expect(hub.position).toEqual({ id: 4, ingestionTime: 2 });
    const messages = (after: number) => hub.recentAfter(after, keys)?.flatMap((b) => b.events.map((e) => e.message));
    expect(messages(0)).toEqual(['1', '2', '4']);
    expect(messages(1)).toEqual(['2', '4']);
    expect(messages(4)).toEqual([]);
    f.append('a', ['5', '6']); // evicts the batch holding ids 1 and 2
    expect(messages(1)).toBeUndefined();
    expect(messages(2)).toEqual(['4', '5', '6']);
  });
});

describe('event-stream framing', () => {
  it('round-trips events and exceptions with AWS headers', () => {
    const bytes = Buffer.concat([encodeEvent('sessionStart', { sessionId: 's' }), encodeException('SessionTimeoutException', 'bye')]);
    const { messages, rest } = decodeMessages(bytes.subarray(0, bytes.length - 3));
    expect(messages).toEqual([
      { headers: { ':message-type': 'event', ':event-type': 'sessionStart', ':content-type': 'application/json' }, payload: { sessionId: 's' } },
    ]);
    expect(rest.length).toBeGreaterThan(0);
    const all = decodeMessages(bytes).messages;
    expect(all[1]).toEqual({
      headers: { ':message-type': 'exception', ':exception-type': 'SessionTimeoutException', ':content-type': 'application/json' },
      payload: { message: 'bye' },
    });
  });
});

describe('sampleInOrder', () => {
  // mulberry32: a small PRNG good enough that successive draws are not correlated.
  const seeded = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  it.each([
    [10, 3],
    [1000, 500],
    [5, 5],
    [5, 9],
    [7, 0],
  ])('picks min(k, n) of %i items for k=%i, in order, without repeats', (n, k) => {
    const items = Array.from({ length: n }, (_, i) => i);
    const out = sampleInOrder(items, k, seeded(n * 31 + k));
    expect(out).toHaveLength(Math.min(n, k));
    expect(out).toEqual([...new Set(out)].sort((a, b) => a - b));
  });

  it('is uniform enough: each item is picked about k/n of the time', () => {
    const counts = new Array<number>(10).fill(0);
    const random = seeded(7);
    for (let i = 0; i < 20_000; i++) for (const x of sampleInOrder([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 3, random)) counts[x]!++;
    for (const c of counts) expect(Math.abs(c - 6000)).toBeLessThan(400);
  });

  it('keeps no evicted batch reachable from the recent window', () => {
    const f = fakeStore();
    const hub = new TailHub(f.store, { recentMaxEvents: 10 });
    hub.follow(collector({ groupKeys: [groupKey(scope, 'a')] }).options);
    const batches = Array.from({ length: 500 }, (_, i) => f.append('a', [`m${i}`]));
    // The window holds the newest batches only; every older one is unreachable through the hub.
    const reachable = (hub as unknown as { recent: unknown[] }).recent.filter((entry) => entry !== undefined);
    expect(reachable.length).toBeLessThanOrEqual(11);
    const held = new Set(reachable.map((entry) => (entry as { batch: AppendedEvents }).batch));
    expect(batches.slice(0, 480).some((b) => held.has(b))).toBe(false);
    hub.close();
  });
});
