/** Pure parts of the agent, table-driven. */
import { createServer } from 'node:http';
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BlockPool, type EventBlock } from '../../src/agent/block.js';
import { Demultiplexer } from '../../src/agent/docker-api.js';
import { readInstanceId } from '../../src/agent/host.js';
import { withLevel } from '../../src/agent/level.js';
import { LineSplitter } from '../../src/agent/lines.js';
import { MAX_BATCH_BYTES, MAX_BATCH_SPAN_MS } from '../../src/agent/limits.js';
import { groupByTarget, nextCall } from '../../src/agent/plan.js';
import { isRetryable, Shipper } from '../../src/agent/shipper.js';
import { Spool } from '../../src/agent/spool.js';
import { parseTemplate, sanitizeGroupName, sanitizeStreamName } from '../../src/agent/template.js';
import { compileTimestamp } from '../../src/agent/timestamp.js';
import { tempDir } from './helpers.js';

function blocksOf(events: [target: number, time: number, message: string][]): EventBlock[] {
  const pool = new BlockPool();
  const blocks: EventBlock[] = [];
  for (const [target, time, message] of events) {
    let block = blocks[blocks.length - 1];
    if (!block || block.full) blocks.push((block = pool.take()));
    block.push(target, time, message, Buffer.byteLength(message));
  }
  return blocks;
}

function allCalls(events: [number, number, string][], maxEventBytes = 1_048_550, targetBytes = MAX_BATCH_BYTES) {
  const blocks = blocksOf(events);
  return groupByTarget(blocks).map((plan) => {
    const calls = [];
    let resume = 0;
    for (let call = nextCall(plan, blocks, maxEventBytes, resume, targetBytes); call; call = nextCall(plan, blocks, maxEventBytes, resume, targetBytes)) {
      calls.push(call.logEvents);
      plan.sent = call.sentAfter;
      resume = call.resumeByte;
    }
    return { target: plan.target, calls };
  });
}

describe('batch planning', () => {
  it('groups per stream and sorts chronologically, stably', () => {
    expect(allCalls([[0, 3, 'a'], [1, 1, 'x'], [0, 1, 'b'], [0, 1, 'c'], [0, 2, 'd']])).toEqual([
      { target: 0, calls: [[{ timestamp: 1, message: 'b' }, { timestamp: 1, message: 'c' }, { timestamp: 2, message: 'd' }, { timestamp: 3, message: 'a' }]] },
      { target: 1, calls: [[{ timestamp: 1, message: 'x' }]] },
    ]);
  });
  it('cuts at 10,000 events', () => {
    const [plan] = allCalls(Array.from({ length: 25_000 }, (_, i) => [0, i, `m${i}`] as [number, number, string]));
    expect(plan!.calls.map((c) => c.length)).toEqual([10_000, 10_000, 5_000]);
  });
  it('cuts at 1,048,576 bytes counting 26 per event', () => {
    const message = 'x'.repeat(1000); // 1026 bytes per event: 1022 fit
    const [plan] = allCalls(Array.from({ length: 2000 }, (_, i) => [0, i, message] as [number, number, string]));
    expect(plan!.calls.map((c) => c.length)).toEqual([1022, 978]);
    expect(1022 * 1026).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    expect(1023 * 1026).toBeGreaterThan(MAX_BATCH_BYTES);
  });
  it('cuts at the request target size, but sends a larger single event alone', () => {
    const small = 'x'.repeat(74); // 100 bytes per event
    const big = 'y'.repeat(500_000);
    const [plan] = allCalls([[0, 1, small], [0, 2, small], [0, 3, small], [0, 4, big], [0, 5, small]], 1_048_550, 250);
    expect(plan!.calls.map((c) => c.map((e) => e.message.length))).toEqual([[74, 74], [74], [500_000], [74]]);
  });
  it('fills a call to the target with the first piece of a split event; the next call starts with a whole piece', () => {
    const [plan] = allCalls([[0, 1, 'a'], [0, 2, 'b'.repeat(100)]], 60, 60);
    expect(plan!.calls.map((c) => c.map((e) => e.message.length))).toEqual([[1, 7], [60], [33]]);
  });
  it('cuts where the span would exceed 24 hours', () => {
    const [plan] = allCalls([[0, 0, 'a'], [0, MAX_BATCH_SPAN_MS, 'b'], [0, MAX_BATCH_SPAN_MS + 1, 'c']]);
    expect(plan!.calls.map((c) => c.map((e) => e.message))).toEqual([['a', 'b'], ['c']]);
  });
  it('splits an oversized event on UTF-8 boundaries, keeping its timestamp', () => {
    const [plan] = allCalls([[0, 5, 'ab€cd€']], 4); // € is 3 bytes
    expect(plan!.calls).toEqual([[{ timestamp: 5, message: 'ab' }, { timestamp: 5, message: '€c' }, { timestamp: 5, message: 'd€' }]]);
  });
});

describe('level', () => {
  it.each([
    ['prefix', 'hello', 'INFO', 'INFO hello'],
    ['none', 'hello', 'ERROR', 'hello'],
    ['json', 'hello', 'ERROR', '{"level":"ERROR","message":"hello"}'],
    ['json', '{"a":1}', 'INFO', '{"level":"INFO","a":1}'],
    ['json', '{}', 'INFO', '{"level":"INFO"}'],
    ['json', '{"level":"warn"}', 'INFO', '{"level":"warn"}'],
    ['json', '{broken', 'INFO', '{"level":"INFO","message":"{broken"}'],
    ['json', '[1,2]', 'INFO', '{"level":"INFO","message":"[1,2]"}'],
  ] as const)('%s %s (%s) -> %s', (format, line, level, expected) => {
    expect(withLevel(line, level, format)).toBe(expected);
  });
});

describe('templates', () => {
  const vars: Record<string, string> = { hostname: 'web-1', date: '2026-01-02', 'container.label.com.example.team': 'pay', 'env.STAGE': 'prod' };
  it.each([
    ['/app/{hostname}', '/app/web-1'],
    ['{container.label.com.example.team}-{date}', 'pay-2026-01-02'],
    ['/x/${STAGE}/{env.STAGE}', '/x/prod/prod'],
    ['literal', 'literal'],
  ])('%s -> %s', (source, expected) => {
    expect(parseTemplate(source, ['hostname', 'date', 'container.label.']).render((v) => vars[v])).toBe(expected);
  });
  it('rejects unknown variables', () => {
    expect(() => parseTemplate('{nope}', ['hostname'])).toThrow(/unknown variable \{nope\}/);
  });
  it.each([
    ['/a b:c', '/a_b_c', '/a b_c'],
    ['x*y', 'x_y', 'x_y'],
    ['', '_', '_'],
  ])('sanitizes %j', (name, group, stream) => {
    expect(sanitizeGroupName(name)).toBe(group);
    expect(sanitizeStreamName(name)).toBe(stream);
  });
});

describe('timestamps', () => {
  const now = () => Date.UTC(2026, 5, 15, 12, 0, 0);
  it.each([
    ['%Y-%m-%d %H:%M:%S', 'UTC', '2026-03-04 05:06:07 boot', Date.UTC(2026, 2, 4, 5, 6, 7)],
    ['%Y-%m-%dT%H:%M:%S.%f%z', 'UTC', 'at 2026-03-04T05:06:07.123456+02:00 x', Date.UTC(2026, 2, 4, 3, 6, 7, 123)],
    ['%d/%b/%Y:%H:%M:%S %z', 'UTC', '127.0.0.1 - - [10/Oct/2025:13:55:36 -0700] "GET /"', Date.UTC(2025, 9, 10, 20, 55, 36)],
    ['%b %e %H:%M:%S', 'UTC', 'Jun  3 09:08:07 host sshd[1]:', Date.UTC(2026, 5, 3, 9, 8, 7)],
    ['%b %e %H:%M:%S', 'UTC', 'Dec 31 23:00:00 host x', Date.UTC(2025, 11, 31, 23, 0, 0)],
    ['%I:%M:%S %p %m/%d/%Y', 'UTC', '01:02:03 PM 07/08/2026', Date.UTC(2026, 6, 8, 13, 2, 3)],
    ['iso8601', 'UTC', '2026-03-04T05:06:07Z', Date.UTC(2026, 2, 4, 5, 6, 7)],
    ['iso8601', 'UTC', '2026-03-04 05:06:07,5 x', Date.UTC(2026, 2, 4, 5, 6, 7, 500)],
    ['epoch_ms', 'UTC', 'ts=1767225600123 x', 1767225600123],
    ['epoch_s', 'UTC', 'ts=1767225600.5 x', 1767225600500],
  ] as const)('%s %j', (format, zone, text, expected) => {
    expect(compileTimestamp(format, zone, now).parse(text)).toBe(expected);
  });
  it('uses local time when no offset is given', () => {
    expect(compileTimestamp('%Y-%m-%d %H:%M:%S', 'local').parse('2026-03-04 05:06:07')).toBe(new Date(2026, 2, 4, 5, 6, 7).getTime());
  });
  it('returns undefined without a match and rejects unknown directives', () => {
    expect(compileTimestamp('%Y-%m-%d %H:%M:%S', 'UTC').parse('no time here')).toBeUndefined();
    expect(() => compileTimestamp('%Q', 'UTC')).toThrow(/unsupported directive %Q/);
  });
});

describe('line splitting', () => {
  it('splits across chunks, strips CR, cuts long lines, counts bytes', () => {
    const s = new LineSplitter(8);
    const got: string[] = [];
    for (const chunk of ['ab', 'c\r\nd€', 'e\n0123456789abc', '\nlast']) s.push(Buffer.from(chunk), (l) => got.push(l));
    s.end((l) => got.push(l));
    expect(got).toEqual(['abc', 'd€e', '01234567', '89abc', 'last']);
    expect(s.consumed).toBe(Buffer.byteLength('abc\r\nd€e\n0123456789abc\nlast'));
  });
});

describe('Docker stream framing', () => {
  it('demultiplexes frames split anywhere', () => {
    const frame = (type: number, text: string) => {
      const payload = Buffer.from(text);
      const header = Buffer.alloc(8);
      header[0] = type;
      header.writeUInt32BE(payload.length, 4);
      return Buffer.concat([header, payload]);
    };
    const all = Buffer.concat([frame(1, 'out one\n'), frame(2, 'err\n'), frame(1, 'out two\n')]);
    for (let cut = 1; cut < all.length; cut += 3) {
      const got: string[] = [];
      const demux = new Demultiplexer((stream, payload) => got.push(`${stream}:${payload.toString()}`));
      demux.push(all.subarray(0, cut));
      demux.push(all.subarray(cut));
      expect(got).toEqual(['1:out one\n', '2:err\n', '1:out two\n']);
    }
  });
});

describe('retries', () => {
  it.each([
    [{ name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }, true],
    [{ name: 'ServiceUnavailableException', $metadata: { httpStatusCode: 503 } }, true],
    [{ name: 'InternalServerError', $metadata: { httpStatusCode: 500 } }, true],
    [{ name: 'Error', code: 'ECONNREFUSED' }, true],
    [{ name: 'TimeoutError' }, true],
    [{ name: 'InvalidParameterException', $metadata: { httpStatusCode: 400 } }, false],
    [{ name: 'AbortError' }, false],
  ])('%j -> %s', (err, retryable) => {
    expect(isRetryable(err)).toBe(retryable);
  });
  it('backs off exponentially with jitter, capped', () => {
    const at = (random: number) => new Shipper({ client: { send: async () => ({}) } as never, backoff: { baseMs: 100, maxMs: 1000 }, retentionFor: () => undefined, log: () => {}, random: () => random });
    expect([0, 1, 2, 3, 10].map((n) => at(0).backoffMs(n))).toEqual([50, 100, 200, 400, 500]);
    expect([0, 1, 2, 3, 10].map((n) => at(0.999999).backoffMs(n)).map(Math.round)).toEqual([100, 200, 400, 800, 1000]);
  });
});

describe('spool', () => {
  it('keeps order across segments, survives a restart, and puts shutdown leftovers in front', () => {
    const dir = tempDir('spool');
    try {
      const names = [{ group: 'g', stream: 's' }];
      const targets = { targetName: (id: number) => names[id]!, target: () => 0 };
      const spool = new Spool({ dir, maxBytes: 10_000, segmentBytes: 100 }, targets);
      const segments: number[] = [];
      for (let i = 0; i < 20; i++) {
        const seg = spool.append(segments[segments.length - 1], i, 0, i, `event ${i}`, 7);
        if (seg !== segments[segments.length - 1]) segments.push(seg!);
      }
      spool.flush();
      expect(segments.length).toBeGreaterThan(1);
      spool.writeBetween([{ target: 0, time: -1, message: 'older, from memory' }], undefined, segments[0]);
      const again = new Spool({ dir, maxBytes: 10_000 }, targets);
      const pool = new BlockPool();
      const read = again.existing().flatMap((seg) => again.read(seg, pool).flatMap((b) => b.messages.slice(0, b.length)));
      expect(read).toEqual(['older, from memory', ...Array.from({ length: 20 }, (_, i) => `event ${i}`)]);
      // Full: refuses instead of growing.
      const small = new Spool({ dir: `${dir}/small`, maxBytes: 100 }, targets);
      expect(small.append(undefined, 0, 0, 0, 'x'.repeat(60), 60)).toBeDefined();
      expect(small.append(undefined, 1, 0, 0, 'x'.repeat(60), 60)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('instance id (IMDSv2)', () => {
  it('reads the id with a session token, and gives up fast when IMDS does not answer', async () => {
    const seen: string[] = [];
    const imds = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers['x-aws-ec2-metadata-token'] ?? req.headers['x-aws-ec2-metadata-token-ttl-seconds'] ?? ''}`);
      if (req.method === 'PUT' && req.url === '/latest/api/token') return void res.end('TOKEN');
      if (req.url === '/latest/meta-data/instance-id' && req.headers['x-aws-ec2-metadata-token'] === 'TOKEN') return void res.end('i-0123456789abcdef0');
      res.statusCode = 401;
      res.end();
    });
    const hang = createServer(() => {}); // accepts, never answers
    await new Promise<void>((r) => imds.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    try {
      const port = (s: typeof imds) => (s.address() as { port: number }).port;
      expect(await readInstanceId({ endpoint: `http://127.0.0.1:${port(imds)}` })).toBe('i-0123456789abcdef0');
      expect(seen).toEqual(['PUT /latest/api/token 60', 'GET /latest/meta-data/instance-id TOKEN']);
      const started = Date.now();
      expect(await readInstanceId({ endpoint: `http://127.0.0.1:${port(hang)}`, timeoutMs: 200 })).toBeUndefined();
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      imds.closeAllConnections();
      hang.closeAllConnections();
      imds.close();
      hang.close();
    }
  });
});
