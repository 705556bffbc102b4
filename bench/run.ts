/**
 * `npm run bench`: the figures we track, measured end to end. Generates realistic logs from a seed,
 * starts `logharbor server` as a separate process, drives it over HTTP with the AWS SDK and prints
 * a table and a JSON summary.
 *
 *   npm run bench -- [--events N] [--seed S] [--store sqlite|postgres] [--json-only]
 *
 * --events sizes the searched corpus (default 1,000,000: about two minutes here); throughput phases
 * use pre-generated batches of bounded size so that generating text never competes with the server.
 * The machine is shared: figures vary from run to run.
 */
import { FilterLogEventsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RARE_WORD, RARE_WORD_EVERY } from './lib/generate.js';
import { BatchSource, createGroup, drive, driveRaw, jsonParseRate, makeClient, MAX_BATCH_EVENTS, prepare, type IngestResult } from './lib/ingest.js';
import { startServerProcess, threadCpuMs, type ServerProcess } from './lib/server-process.js';
import { formatNumber, median, percentile, round } from './lib/stats.js';
import { SqliteLogStore } from '../src/storage/sqlite/sqlite-store.js';
import { DEFAULT_WRITER_OPTIONS } from '../src/storage/sqlite/defaults.js';

interface Flags {
  events: number;
  seed: number;
  store: 'sqlite' | 'postgres';
  jsonOnly: boolean;
  /** keep the server's data directory (its path is printed) to look into it afterwards */
  keep: boolean;
}

function parseArgs(argv: readonly string[]): Flags {
  const flags: Flags = { events: 1_000_000, seed: 42, store: 'sqlite', jsonOnly: false, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [key, inline] = arg.includes('=') ? (arg.split('=', 2) as [string, string]) : [arg, undefined];
    const value = () => inline ?? argv[++i] ?? '';
    if (key === '--events') flags.events = Math.max(10_000, Number(value().replace(/_/g, '')));
    else if (key === '--seed') flags.seed = Number(value());
    else if (key === '--store') flags.store = value() === 'postgres' ? 'postgres' : 'sqlite';
    else if (key === '--json-only') flags.jsonOnly = true;
    else if (key === '--keep') flags.keep = true;
    else if (key === '--help') {
      process.stdout.write('npm run bench -- [--events N] [--seed S] [--store sqlite|postgres] [--json-only] [--keep]\n');
      process.exit(0);
    }
  }
  return flags;
}

type Row = [section: string, figure: string, value: string, target: string];
const rows: Row[] = [];
const summary: Record<string, unknown> = {};
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

function record(section: string, figure: string, value: number, unit: string, target = '', key?: string): void {
  rows.push([section, figure, `${formatNumber(value)} ${unit}`.trim(), target]);
  if (key) summary[key] = round(value, 2);
}

function ingestRows(name: string, key: string, r: IngestResult, target: string): void {
  record(name, 'events/s', r.eventsPerSec, '', target, `${key}.eventsPerSec`);
  record(name, 'message MB/s', r.mbPerSec, 'MB/s', '', `${key}.mbPerSec`);
  record(name, 'request p50 / p99', percentile(r.latenciesMs, 50), `ms / ${formatNumber(percentile(r.latenciesMs, 99))} ms`, '', `${key}.p50Ms`);
  summary[`${key}.p99Ms`] = round(percentile(r.latenciesMs, 99), 2);
  summary[`${key}.events`] = r.events;
  summary[`${key}.avgMessageBytes`] = round(r.messageBytes / Math.max(1, r.events), 1);
}

const STREAMS = ['web-1', 'web-2', 'worker-1', 'worker-2'];
const HOUR = 3_600_000;

/**
 * Each search family runs this many times and the median is the figure: the first run of the
 * first family is also the scan threads' first search, whose code V8 is still compiling (on the
 * 10M corpus ~2x the time of later runs, with the second run still ~1.3x); it is printed too.
 */
const SEARCH_RUNS = 5;

async function drainFilter(url: string, group: string, pattern: string, maxPages = 10_000): Promise<{ ms: number; matches: number; pages: number }> {
  const client = makeClient(url);
  const t = performance.now();
  let matches = 0;
  let pages = 0;
  let nextToken: string | undefined;
  try {
    do {
      const page = await client.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern: pattern, ...(nextToken ? { nextToken } : {}) }));
      matches += page.events?.length ?? 0;
      pages++;
      nextToken = page.nextToken;
    } while (nextToken && pages < maxPages);
  } finally {
    client.destroy();
  }
  return { ms: performance.now() - t, matches, pages };
}

async function firstPage(url: string, group: string, pattern: string): Promise<{ ms: number; matches: number }> {
  const client = makeClient(url);
  const t = performance.now();
  try {
    const page = await client.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern: pattern }));
    return { ms: performance.now() - t, matches: page.events?.length ?? 0 };
  } finally {
    client.destroy();
  }
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) total += statSync(join(dir, name)).size;
  return total;
}

async function optional(name: string, file: string, exportName: string): Promise<void> {
  const path = join(import.meta.dirname, file);
  try {
    statSync(path);
  } catch {
    rows.push([name, 'skipped', `${file} not present`, '']);
    summary[name] = 'skipped: not present';
    return;
  }
  try {
    const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    const fn = mod[exportName];
    if (typeof fn !== 'function') throw new Error(`${file} does not export ${exportName}()`);
    log(`running ${file} ${exportName}()`);
    const result: unknown = await (fn as () => Promise<unknown>)();
    summary[name] = result;
    for (const line of flatten(result).slice(0, 30)) rows.push([name, line[0], line[1], '']);
  } catch (err) {
    rows.push([name, 'failed', String(err instanceof Error ? err.message : err).slice(0, 80), '']);
    summary[name] = `failed: ${String(err)}`;
  }
}

function flatten(value: unknown, prefix = ''): Array<[string, string]> {
  // A list of {family, pattern, matchesPerSec} rows (the filter-pattern bench) reads best as one line each.
  if (Array.isArray(value) && value.every((v) => typeof v === 'object' && v !== null && 'pattern' in v && 'matchesPerSec' in v)) {
    return (value as Array<{ family?: string; pattern: string; matchesPerSec: number }>).map((v) => [
      `${v.family ?? ''} ${v.pattern || '(empty)'}`.trim().slice(0, 60),
      `${formatNumber(v.matchesPerSec)} events/s`,
    ]);
  }
  if (value === null || typeof value !== 'object') return [[prefix || 'result', typeof value === 'number' ? formatNumber(value) : String(value)]];
  const out: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out.push(...flatten(v, prefix ? `${prefix}.${k}` : k));
  return out;
}

async function benchSqlite(flags: Flags): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'logharbor-bench-'));
  let server: ServerProcess | undefined;
  try {
    server = await startServerProcess(dataDir);
    const url = server.url;
    const proc = server;
    // Each phase's peak server RSS goes into the summary: the figure to look at when the peak is over target.
    const phaseRss = (phase: string) => {
      summary[`server.rssMB.${phase}`] = round(proc.phasePeakRss() / 1048576, 1);
    };
    const admin = makeClient(url);
    const now = Date.now();
    const corpusEvents = flags.events;
    // The corpus spans the last 12 hours, each stream's events a few milliseconds apart.
    const corpus = new BatchSource({
      streams: STREAMS,
      events: corpusEvents,
      maxBatchEvents: MAX_BATCH_EVENTS,
      profile: 'mixed',
      seed: flags.seed,
      startTime: now - 12 * HOUR,
      stepMs: (11 * HOUR) / (corpusEvents / STREAMS.length),
    });
    await createGroup(admin, '/bench/app', STREAMS);

    // 1. Ingest, 10,000-event (or 1 MiB) batches, mixed ~120-140 byte messages: pre-generated part of the corpus.
    const timedEvents = Math.min(corpusEvents, 1_000_000);
    log(`generating ${formatNumber(timedEvents)} mixed events`);
    const timed = corpus.take(timedEvents);
    const parseRate = jsonParseRate('/bench/app', timed);
    const prepared = prepare(url, '/bench/app', timed);
    timed.length = 0;
    log('ingest: 10k-event batches, 4 streams, 4 clients');
    const big = await driveRaw(url, prepared);
    prepared.length = 0;
    phaseRss('ingestMixed');
    ingestRows('ingest 10k batches (mixed)', 'ingestMixed', big, '>= 250,000 events/s');
    record('ingest 10k batches (mixed)', 'one core JSON.parse of same bodies', parseRate, 'events/s', '', 'jsonParseEventsPerSec');
    record('ingest 10k batches (mixed)', 'ingest / JSON.parse ratio', big.eventsPerSec / parseRate, '', 'push towards 1', 'ingestToParseRatio');

    // The same through @aws-sdk/client-cloudwatch-logs itself: bound by the SDK's serializer on these cores.
    const viaSdkEvents = Math.min(200_000, Math.max(20_000, Math.floor(corpusEvents / 10)));
    const viaSdk = await drive(url, '/bench/app', corpus.take(viaSdkEvents));
    record('ingest 10k batches via AWS SDK client', 'events/s (client-bound)', viaSdk.eventsPerSec, '', '', 'ingestMixedViaSdk.eventsPerSec');
    phaseRss('ingestViaSdk');

    // 2. The rest of the corpus: generated and sent in slices (generation included: not a throughput figure).
    let loaded = big.events + viaSdk.events;
    while (loaded < corpusEvents) {
      const slice = Math.min(1_000_000, corpusEvents - loaded);
      log(`loading corpus ${formatNumber(loaded)} / ${formatNumber(corpusEvents)}`);
      const r = await driveRaw(url, prepare(url, '/bench/app', corpus.take(slice)));
      loaded += r.events;
    }
    summary['corpus.events'] = loaded;
    phaseRss('corpusLoad');

    // 3. Long messages (~340 bytes): MB/s.
    const longEvents = Math.min(400_000, Math.max(40_000, Math.floor(corpusEvents / 4)));
    const longSource = new BatchSource({ streams: STREAMS, events: longEvents, maxBatchEvents: MAX_BATCH_EVENTS, profile: 'long', seed: flags.seed + 1, startTime: now - 2 * HOUR, stepMs: 1 });
    await createGroup(admin, '/bench/long', STREAMS);
    log(`generating ${formatNumber(longEvents)} long events`);
    const longBatches = prepare(url, '/bench/long', longSource.take(longEvents));
    log('ingest: long messages');
    const long = await driveRaw(url, longBatches);
    longBatches.length = 0;
    phaseRss('ingestLong');
    ingestRows('ingest 10k batches (long)', 'ingestLong', long, '>= 60 MB/s');

    // 4. 100-event batches.
    const smallEvents = Math.min(300_000, Math.max(40_000, Math.floor(corpusEvents / 4)));
    const smallSource = new BatchSource({ streams: STREAMS, events: smallEvents, maxBatchEvents: 100, profile: 'mixed', seed: flags.seed + 2, startTime: now - 2 * HOUR, stepMs: 1 });
    await createGroup(admin, '/bench/small', STREAMS);
    const smallBatches = prepare(url, '/bench/small', smallSource.take(smallEvents));
    log('ingest: 100-event batches');
    const small = await driveRaw(url, smallBatches);
    phaseRss('ingestSmall');
    ingestRows('ingest 100-event batches', 'ingestSmall', small, '>= 100,000 events/s');

    // 5. Searches over the corpus. Give the writer a moment to seal what the last batches left in heads.
    await new Promise((r) => setTimeout(r, 2_000));
    const traceGen = corpus.generator('worker-1');
    const traceId = traceGen.traceIds[Math.floor(traceGen.traceIds.length / 2)]!;
    const families: Array<{ name: string; key: string; pattern: string; target: string; drain: boolean }> = [
      { name: `rare word (1 in ${RARE_WORD_EVERY})`, key: 'rareWord', pattern: RARE_WORD, target: '<= 200 ms', drain: true },
      { name: 'rare trace id (a few events)', key: 'rareTraceId', pattern: `"${traceId}"`, target: '<= 200 ms', drain: true },
      // Every 4-gram of this phrase is common, so no chunk can be skipped: a full scan that matches few events.
      { name: 'full scan, no chunk skippable', key: 'fullScan', pattern: '"Killed process 4242 (java)"', target: '>= 10M events/s', drain: true },
      { name: 'common term, first page', key: 'commonFirstPage', pattern: 'ERROR', target: '', drain: false },
    ];
    // How much of the corpus idle compaction has rewritten by now: searches read both kinds of chunk.
    const state = await chunkState(join(dataDir, 'logharbor.db'));
    record('FilterLogEvents: corpus at search time', 'chunks compacted / sealed / events in heads', state.compacted, `/ ${formatNumber(state.sealed)} / ${formatNumber(state.headEvents)}`, '', 'filter.compactedChunks');
    summary['filter.sealedChunks'] = state.sealed;
    for (const f of families) {
      const cpuBefore = threadCpuMs(server.pid);
      const benchCpuBefore = process.cpuUsage();
      const times: number[] = [];
      let matches = 0;
      let pages = 0;
      for (let i = 0; i < SEARCH_RUNS; i++) {
        if (f.drain) {
          const r = await drainFilter(url, '/bench/app', f.pattern);
          times.push(r.ms);
          matches = r.matches;
          pages = r.pages;
        } else {
          const r = await firstPage(url, '/bench/app', f.pattern);
          times.push(r.ms);
          matches = r.matches;
          pages = 1;
        }
      }
      const ms = median(times);
      summary[`filter.${f.key}.runsMs`] = times.map((t) => round(t, 1)).join(' ');
      // Where the server's CPU went per search: its busiest threads (main, writer, scan threads, V8's), 10 ms ticks.
      const cpuAfter = threadCpuMs(server.pid);
      const perThread = [...cpuAfter].map(([tid, ms]) => ({ tid, ms: (ms - (cpuBefore.get(tid) ?? 0)) / times.length })).filter((t) => t.ms > 0);
      summary[`filter.${f.key}.serverCpuMsPerSearch`] = round(perThread.reduce((n, t) => n + t.ms, 0), 1);
      const benchCpu = process.cpuUsage(benchCpuBefore);
      summary[`filter.${f.key}.benchCpuMsPerSearch`] = round((benchCpu.user + benchCpu.system) / 1000 / times.length, 1);
      summary[`filter.${f.key}.threadCpuMsPerSearch`] = perThread.sort((a, b) => b.ms - a.ms).slice(0, 8).map((t) => `${t.tid === server!.pid ? 'main' : t.tid}:${round(t.ms, 0)}`).join(' ');
      record(`FilterLogEvents: ${f.name}`, `${f.drain ? 'all pages' : 'first page'} (${matches} matches, ${pages} pages), median of ${SEARCH_RUNS}`, ms, 'ms', f.key === 'fullScan' ? '' : f.target, `filter.${f.key}.ms`);
      if (f === families[0]) record(`FilterLogEvents: ${f.name}`, "the first run (the scan threads' first search)", times[0]!, 'ms', '', `filter.${f.key}.firstRunMs`);
      summary[`filter.${f.key}.matches`] = matches;
      if (f.key === 'fullScan') record(`FilterLogEvents: ${f.name}`, 'events scanned/s', loaded / (ms / 1000), 'events/s', f.target, 'filter.fullScan.eventsPerSec');
    }

    phaseRss('filterLogEvents');

    // 6. GetLogEvents on one stream: the newest page, and pages at random times (startFromHead), 100 events each.
    const readTimes: number[] = [];
    const reader = makeClient(url);
    let rnd = flags.seed;
    const next = () => ((rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0) / 4294967296);
    for (let i = 0; i < 300; i++) {
      const stream = STREAMS[i % STREAMS.length]!;
      const t = performance.now();
      if (i % 3 === 0) {
        await reader.send(new GetLogEventsCommand({ logGroupName: '/bench/app', logStreamName: stream, limit: 100 }));
      } else {
        const startTime = Math.floor(now - 12 * HOUR + next() * 11 * HOUR);
        await reader.send(new GetLogEventsCommand({ logGroupName: '/bench/app', logStreamName: stream, startTime, startFromHead: true, limit: 100 }));
      }
      readTimes.push(performance.now() - t);
    }
    const full: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      await reader.send(new GetLogEventsCommand({ logGroupName: '/bench/app', logStreamName: STREAMS[i % 4]!, startTime: Math.floor(now - 12 * HOUR + next() * 11 * HOUR), startFromHead: true }));
      full.push(performance.now() - t);
    }
    reader.destroy();
    phaseRss('getLogEvents');
    record('GetLogEvents (100 events)', 'p50', percentile(readTimes, 50), 'ms', '<= 5 ms', 'getLogEvents.p50Ms');
    record('GetLogEvents (100 events)', 'p99', percentile(readTimes, 99), 'ms', '<= 25 ms', 'getLogEvents.p99Ms');
    record('GetLogEvents (full 1 MB page)', 'p50', percentile(full, 50), 'ms', '', 'getLogEvents.fullPageP50Ms');

    // 7. Ingest latency while full scans run.
    log('ingest while searching');
    const busySource = new BatchSource({ streams: STREAMS, events: 80_000, maxBatchEvents: 100, profile: 'mixed', seed: flags.seed + 3, startTime: now - HOUR, stepMs: 1 });
    await createGroup(admin, '/bench/busy', STREAMS);
    const busyBatches = prepare(url, '/bench/busy', busySource.take(80_000));
    let searching = true;
    let scans = 0;
    const searcher = (async () => {
      while (searching) {
        await drainFilter(url, '/bench/app', '"Killed process 4242 (java)"');
        scans++;
      }
    })();
    const busy = await driveRaw(url, busyBatches, performance.now() + 15_000);
    searching = false;
    await searcher;
    phaseRss('ingestDuringScans');
    record('ingest during full scans', `request p99 (${scans} scans ran)`, percentile(busy.latenciesMs, 99), 'ms', '< 100 ms', 'ingestDuringScan.p99Ms');
    summary['ingestDuringScan.eventsPerSec'] = round(busy.eventsPerSec);
    admin.destroy();

    // 8. Other engineers' benches.
    await optional('filter patterns', 'filter-patterns.ts', 'benchFilterPatterns');
    await optional('live tail', 'live-tail.ts', 'benchLiveTail');
    await optional('agent', 'agent.ts', 'benchAgent');

    phaseRss('otherBenches');
    const peak = server.peakRss();
    await server.stop();
    server = undefined;
    record('server', 'peak RSS', peak / 1048576, 'MB', '<= 256 MB', 'server.peakRssMB');

    // 9. Disk: as the server left it, then after sealing and recompressing everything (what an idle server does).
    const storedEvents = loaded + long.events + small.events + busy.events;
    const asLeft = dirBytes(dataDir);
    const store = new SqliteLogStore({ path: join(dataDir, 'logharbor.db'), writerThread: false });
    await store.sealAll();
    await store.compactAll();
    await store.close();
    const checkpoint = new (await import('better-sqlite3')).default(join(dataDir, 'logharbor.db'));
    checkpoint.pragma('wal_checkpoint(TRUNCATE)');
    checkpoint.pragma('incremental_vacuum');
    checkpoint.close();
    const settled = dirBytes(dataDir);
    record('disk', 'bytes/event as the server left it', asLeft / storedEvents, 'B', '', 'disk.bytesPerEventAsLeft');
    record('disk', 'bytes/event after idle compaction', settled / storedEvents, 'B', '<= 20 B', 'disk.bytesPerEvent');
    const parts = await storedParts(join(dataDir, 'logharbor.db'));
    record('disk', 'of which chunk data / filters / the rest', parts.data / storedEvents, `B / ${formatNumber(parts.filters / storedEvents)} B / ${formatNumber((settled - parts.data - parts.filters) / storedEvents)} B`, '', 'disk.chunkDataBytesPerEvent');
    summary['disk.filterBytesPerEvent'] = round(parts.filters / storedEvents, 2);
    const corpusOnly = await corpusBytesPerEvent(join(dataDir, 'logharbor.db'));
    record('disk', 'mixed corpus: chunk bytes/event (data + filter)', corpusOnly, 'B', '', 'disk.corpusChunkBytesPerEvent');
  } finally {
    if (server) await server.stop();
    if (flags.keep) process.stderr.write(`bench: data kept in ${dataDir}\n`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Bytes of all chunks' data and filters (the rest of the file is SQLite's pages, indexes and metadata). */
async function storedParts(path: string): Promise<{ data: number; filters: number }> {
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(path, { readonly: true });
  try {
    const data = db.prepare<[], { n: number }>('SELECT COALESCE(SUM(LENGTH(data)), 0) AS n FROM chunks').get()!.n;
    const filters = db.prepare<[], { n: number }>('SELECT COALESCE(SUM(LENGTH(filter)), 0) AS n FROM chunk_filters').get()!.n;
    return { data, filters };
  } finally {
    db.close();
  }
}

/** Bytes of the mixed corpus's chunks and filters per event: the compression figure without other groups' data. */
/** Chunks idle compaction has rewritten (level 10+) and not yet (sealed), and events still in head batches. */
async function chunkState(path: string): Promise<{ compacted: number; sealed: number; headEvents: number }> {
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const chunks = db.prepare<[number, number], { compacted: number | null; sealed: number | null }>('SELECT SUM(level >= ?) AS compacted, SUM(level < ?) AS sealed FROM chunks').get(DEFAULT_WRITER_OPTIONS.compactLevel, DEFAULT_WRITER_OPTIONS.compactLevel)!;
    const heads = db.prepare<[], { n: number | null }>('SELECT SUM(event_count) AS n FROM head_batches').get()!;
    return { compacted: chunks.compacted ?? 0, sealed: chunks.sealed ?? 0, headEvents: heads.n ?? 0 };
  } finally {
    db.close();
  }
}

async function corpusBytesPerEvent(path: string): Promise<number> {
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(path, { readonly: true });
  try {
    const row = db
      .prepare<[], { bytes: number; events: number }>(
        `SELECT SUM(LENGTH(c.data) + LENGTH(f.filter)) AS bytes, SUM(c.event_count) AS events
         FROM chunks c JOIN chunk_filters f ON f.chunk_id = c.id
         WHERE c.group_id = (SELECT id FROM log_groups WHERE name = '/bench/app')`,
      )
      .get();
    return row && row.events > 0 ? row.bytes / row.events : 0;
  } finally {
    db.close();
  }
}

function printTable(): void {
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => (r[c] ?? "").length), 6));
  const line = (r: readonly string[]) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ');
  process.stdout.write(`${line(['section', 'figure', 'value', 'target'])}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
}

async function main(): Promise<void> {
  const flags = parseArgs(process.argv.slice(2));
  summary['events'] = flags.events;
  summary['seed'] = flags.seed;
  summary['store'] = flags.store;
  const started = performance.now();
  if (flags.store === 'postgres') {
    await optional('postgres', 'postgres.ts', 'benchPostgres');
  } else {
    await benchSqlite(flags);
  }
  summary['benchSeconds'] = round((performance.now() - started) / 1000);
  if (!flags.jsonOnly) printTable();
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
