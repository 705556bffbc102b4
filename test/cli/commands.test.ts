/* eslint-disable no-control-regex -- ANSI colour codes start with ESC */
/** Every command in-process against a real server: output on a terminal and piped, exit codes. */
import { CreateLogGroupCommand, CreateLogStreamCommand, GetLogEventsCommand, PutLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { cliEnv, lines, plain, run } from './helpers.js';

let t: TestServer;
let logs: CloudWatchLogsClient;
let env: Record<string, string | undefined>;
/** Event times: a minute apart, starting half an hour ago (the server keeps 14 days). */
const BASE = Math.floor((Date.now() - 30 * 60_000) / 60_000) * 60_000;
const at = (minute: number) => BASE + minute * 60_000;
const iso = (t: number) => new Date(t).toISOString();

async function putEvents(group: string, stream: string, events: [number, string][]): Promise<void> {
  await logs.send(new CreateLogGroupCommand({ logGroupName: group })).catch(() => undefined);
  await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream })).catch(() => undefined);
  await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: events.map(([timestamp, message]) => ({ timestamp, message })) }));
}

beforeAll(async () => {
  t = await startTestServer();
  logs = t.client();
  env = cliEnv(t.url);
  await putEvents('/prod/api', 'web-1', [
    [at(0), 'api start'],
    [at(2), '{"level":"error","msg":"boom","req":{"path":"/x"}}'],
    [at(4), 'api ERROR again'],
  ]);
  await putEvents('/prod/api', 'web-2', [[at(3), 'web-2 hello']]);
  await putEvents('/prod/worker', 'w-1', [
    [at(1), 'worker one'],
    [at(5), 'worker two'],
  ]);
  await putEvents('/dev/other', 's', [[at(1), 'other']]);
});
afterAll(() => t.close());

describe('groups', () => {
  it('lists groups with stored size, retention and last event time', async () => {
    const r = await run(['groups', '/prod/', '--utc'], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const [header, api, worker, ...rest] = lines(r.stdout);
    expect(header).toMatch(/^NAME\s+STORED\s+RETENTION\s+LAST EVENT$/);
    expect(api).toMatch(new RegExp(`^/prod/api\\s+\\d+ B\\s+never expire\\s+${iso(at(4)).replace(/\./g, '\\.')}$`));
    expect(worker).toContain(iso(at(5)));
    expect(rest).toEqual([]);
  });

  it('matches patterns, prints names or JSON lines', async () => {
    const names = await run(['groups', '*er*', '--names'], { env });
    expect(lines(names.stdout)).toEqual(['/dev/other', '/prod/worker']);
    const json = await run(['groups', '/prod/api', '--json', '--utc'], { env });
    const [g] = lines(json.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(g).toMatchObject({ logGroupName: '/prod/api', retentionInDays: null, lastEventTime: iso(at(4)), arn: expect.stringMatching(/log-group:\/prod\/api$/) });
    expect(g!['storedBytes']).toBeGreaterThan(0);
  });

  it('dims the header on a terminal only', async () => {
    const tty = await run(['groups', '/prod/'], { env, isTTY: true });
    expect(tty.stdout.startsWith('\u001b[2mNAME')).toBe(true);
    const piped = await run(['groups', '/prod/'], { env });
    expect(piped.stdout).not.toContain('\u001b[');
    expect(plain(tty.stdout)).toBe(piped.stdout);
  });

  it('creates and deletes groups; says so when one exists or is missing', async () => {
    expect((await run(['groups', 'create', '/tmp/a', '/tmp/b', '--retention', '7'], { env })).code).toBe(0);
    expect(lines((await run(['groups', '/tmp/', '--names'], { env })).stdout)).toEqual(['/tmp/a', '/tmp/b']);
    expect((await run(['retention', '/tmp/b'], { env })).stdout).toBe('7 days\n');
    const dup = await run(['groups', 'create', '/tmp/a'], { env });
    expect(dup).toMatchObject({ code: 1, stderr: `logharbor groups: log group '/tmp/a' already exists at ${t.url}\n` });
    expect((await run(['groups', 'delete', '/tmp/a', '/tmp/b'], { env })).code).toBe(0);
    const gone = await run(['groups', 'delete', '/tmp/a'], { env });
    expect(gone).toMatchObject({ code: 3, stderr: `logharbor groups: log group '/tmp/a' does not exist at ${t.url}\n` });
    expect((await run(['groups', 'create'], { env })).code).toBe(2);
  });
});

describe('streams', () => {
  it('lists by name, or by last event newest first (also within a prefix)', async () => {
    const byName = await run(['streams', '/prod/api', '--names'], { env });
    expect(lines(byName.stdout)).toEqual(['web-1', 'web-2']);
    const byLast = await run(['streams', '/prod/api', '--order', 'last-event', '--names'], { env });
    expect(lines(byLast.stdout)).toEqual(['web-1', 'web-2']);
    const withPrefix = await run(['streams', '/prod/api', 'web', '--order', 'last-event', '--limit', '1', '--names'], { env });
    expect(lines(withPrefix.stdout)).toEqual(['web-1']);
    const table = await run(['streams', '/prod/api', 'web-2', '--utc'], { env });
    expect(lines(table.stdout)[1]).toMatch(new RegExp(`^web-2\\s+\\S+\\s+${iso(at(3)).replace(/\./g, '\\.')}\\s+${iso(at(3)).replace(/\./g, '\\.')}$`));
  });

  it('reports a missing group with exit 3 and a bad --order with exit 2', async () => {
    expect(await run(['streams', '/nope'], { env })).toMatchObject({ code: 3, stderr: `logharbor streams: log group '/nope' does not exist at ${t.url}\n` });
    expect((await run(['streams', '/prod/api', '--order', 'size'], { env })).code).toBe(2);
  });
});

describe('get', () => {
  it('interleaves several groups in time order', async () => {
    const r = await run(['get', '/prod/api', '/prod/worker'], { env });
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual([
      '/prod/api web-1 api start',
      '/prod/worker w-1 worker one',
      '/prod/api web-1 {"level":"error","msg":"boom","req":{"path":"/x"}}',
      '/prod/api web-2 web-2 hello',
      '/prod/api web-1 api ERROR again',
      '/prod/worker w-1 worker two',
    ]);
  });

  it('expands wildcards and stream prefixes', async () => {
    const r = await run(['get', '/prod/*:web-2', '--no-group'], { env });
    expect(lines(r.stdout)).toEqual(['web-2 web-2 hello']);
    const all = await run(['get', '/*/o*', '--no-stream'], { env });
    expect(lines(all.stdout)).toEqual(['/dev/other other']);
  });

  it('restricts to --start and --end (absolute and relative) and stops at --limit', async () => {
    const r = await run(['get', '/prod/api', '/prod/worker', '--start', iso(at(1)), '--end', iso(at(4)), '--no-group', '--no-stream'], { env });
    // endTime is inclusive, as AWS documents: 'Events with a timestamp later than this time are not returned.'
    expect(lines(r.stdout)).toEqual(['worker one', '{"level":"error","msg":"boom","req":{"path":"/x"}}', 'web-2 hello', 'api ERROR again']);
    const relative = await run(['get', '/prod/worker', '--start', '30mins ago', '--no-group', '--no-stream'], { env, now: () => at(4) + 30 * 60_000 });
    expect(lines(relative.stdout)).toEqual(['worker two']);
    const limited = await run(['get', '/prod/api', '/prod/worker', '--limit', '2', '--no-group', '--no-stream'], { env });
    expect(lines(limited.stdout)).toEqual(['api start', 'worker one']);
  });

  it('applies --filter on the server', async () => {
    const r = await run(['get', '/prod/*', '--filter', 'ERROR', '--no-group', '--no-stream'], { env });
    expect(lines(r.stdout)).toEqual(['api ERROR again']);
  });

  it('shows timestamps and ingestion times, in UTC or local time', async () => {
    const utc = await run(['get', '/prod/worker', '--timestamp', '--ingestion-time', '--utc', '--limit', '1'], { env });
    const [ts, ingested, group] = lines(utc.stdout)[0]!.split(' ');
    expect(ts).toBe(iso(at(1)));
    expect(ingested).toMatch(/Z$/);
    expect(group).toBe('/prod/worker');
    const local = await run(['get', '/prod/worker', '--timestamp', '--limit', '1'], { env });
    const localTs = lines(local.stdout)[0]!.split(' ')[0]!;
    expect(localTs).toMatch(/[+-]\d{2}:\d{2}$/);
    expect(new Date(localTs).getTime()).toBe(at(1));
  });

  it('prints JSON lines, expands and queries JSON messages', async () => {
    const json = await run(['get', '/prod/api:web-2', '--json', '--utc'], { env });
    expect(JSON.parse(json.stdout)).toMatchObject({ logGroupName: '/prod/api', logStreamName: 'web-2', timestamp: iso(at(3)), message: 'web-2 hello', eventId: expect.any(String) });
    const query = await run(['get', '/prod/api:web-1', '--query', 'req.path', '--no-group', '--no-stream'], { env });
    expect(lines(query.stdout)).toEqual(['api start', '/x', 'api ERROR again']);
    const expand = await run(['get', '/prod/api:web-1', '--filter', '{ $.level = "error" }', '--expand', '--no-group', '--no-stream'], { env });
    expect(expand.stdout).toBe('{\n  "level": "error",\n  "msg": "boom",\n  "req": {\n    "path": "/x"\n  }\n}\n');
  });

  it('colours each stream on a terminal and nothing when piped', async () => {
    const tty = await run(['get', '/prod/api'], { env, isTTY: true });
    const piped = await run(['get', '/prod/api'], { env });
    expect(piped.stdout).not.toContain('\u001b[');
    expect(plain(tty.stdout)).toBe(piped.stdout);
    const colourOf = (line: string) => /^\u001b\[(\d+)m/.exec(line)?.[1];
    const ttyLines = lines(tty.stdout);
    expect(colourOf(ttyLines[0]!)).toBeDefined();
    expect(colourOf(ttyLines[0]!)).toBe(colourOf(ttyLines[1]!)); // web-1, web-1
    expect(colourOf(ttyLines[0]!)).not.toBe(colourOf(ttyLines[2]!)); // web-1, web-2
    expect((await run(['get', '/prod/api'], { env: { ...env, FORCE_COLOR: '1' } })).stdout).toBe(tty.stdout);
    expect((await run(['get', '/prod/api', '--no-color'], { env, isTTY: true })).stdout).toBe(piped.stdout);
  });

  it('names the missing group and the endpoint (exit 3); bad input is a usage error (exit 2)', async () => {
    expect(await run(['get', '/prod/api', '/nope'], { env })).toMatchObject({ code: 3, stdout: '', stderr: `logharbor get: log group '/nope' does not exist at ${t.url}\n` });
    expect(await run(['get', '/none/*'], { env })).toMatchObject({ code: 3, stderr: `logharbor get: no log group matches '/none/*' at ${t.url}\n` });
    const badTime = await run(['get', '/prod/api', '--start', 'yesterdy'], { env });
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toMatch(/^logharbor get: --start: 'yesterdy' is not a time/);
    expect((await run(['get', '/prod/api', '--bogus'], { env })).stderr).toBe("logharbor get: unknown option --bogus (see 'logharbor get --help')\n");
    expect((await run(['get', '/prod/api', '--limit', '0'], { env })).code).toBe(2);
    expect((await run(['get', '/prod/api', '--query', 'a[[['], { env })).code).toBe(2);
    expect((await run(['get'], { env })).code).toBe(2);
    const badPattern = await run(['get', '/prod/api', '--filter', '{ $.x = '], { env });
    expect(badPattern.code).toBe(2);
    expect(badPattern.stderr).toMatch(/^logharbor get: InvalidParameterException: /);
  });
});

describe('put', () => {
  it('sends stdin lines as events, creating the group and stream', async () => {
    const before = Date.now();
    const r = await run(['put', '/new/group', 'stream-1'], { env, stdin: 'one\n\ntwo\r\nthree' });
    expect(r).toMatchObject({ code: 0, stderr: 'logharbor put: sent 3 events to /new/group stream-1\n' });
    const { events } = await logs.send(new GetLogEventsCommand({ logGroupName: '/new/group', logStreamName: 'stream-1', startFromHead: true }));
    expect(events!.map((e) => e.message)).toEqual(['one', 'two', 'three']);
    expect(events![0]!.timestamp).toBeGreaterThanOrEqual(before);
    // The stream exists now: a second put appends.
    expect((await run(['put', '/new/group', 'stream-1', '-q'], { env, stdin: 'four\n' })).stderr).toBe('');
    expect(lines((await run(['get', '/new/group', '--no-group', '--no-stream'], { env })).stdout)).toEqual(['one', 'two', 'three', 'four']);
  });

  it('batches large input within PutLogEvents limits', async () => {
    const input = Array.from({ length: 12_000 }, (_, i) => `line ${i} ${'x'.repeat(100)}`).join('\n');
    const r = await run(['put', '/new/bulk', 's'], { env, stdin: input });
    expect(r.stderr).toBe('logharbor put: sent 12000 events to /new/bulk s\n');
    const got = await run(['get', '/new/bulk', '--no-group', '--no-stream'], { env });
    expect(lines(got.stdout)).toEqual(input.split('\n'));
  });

  it('fails with exit 3 under --no-create, and exit 2 without a stream', async () => {
    const r = await run(['put', '/absent', 's', '--no-create'], { env, stdin: 'x\n' });
    expect(r).toMatchObject({ code: 3, stderr: `logharbor put: log group '/absent' or stream 's' does not exist at ${t.url}\n` });
    expect((await run(['put', '/absent'], { env })).code).toBe(2);
  });
});

describe('retention', () => {
  it('sets, shows and removes retention', async () => {
    await run(['groups', 'create', '/ret'], { env });
    expect((await run(['retention', '/ret', '30'], { env })).code).toBe(0);
    expect((await run(['retention', '/ret'], { env })).stdout).toBe('30 days\n');
    expect((await run(['retention', '/ret', 'never'], { env })).code).toBe(0);
    expect((await run(['retention', '/ret'], { env })).stdout).toBe('never expire\n');
  });

  it('rejects values AWS rejects (exit 2) and missing groups (exit 3)', async () => {
    const bad = await run(['retention', '/ret', '2'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^logharbor retention: InvalidParameterException: .*retentionInDays/);
    expect((await run(['retention', '/ret', 'soon'], { env })).code).toBe(2);
    expect(await run(['retention', '/nope', '7'], { env })).toMatchObject({ code: 3, stderr: `logharbor retention: log group '/nope' does not exist at ${t.url}\n` });
    expect((await run(['retention', '/nope'], { env })).code).toBe(3);
  });
});

describe('help', () => {
  it('has usage and examples for every command', async () => {
    const main = await run(['--help'], { env });
    for (const name of ['groups', 'streams', 'get', 'tail', 'put', 'retention', 'completion']) {
      expect(main.stdout).toContain(`  ${name}`);
      const help = await run([name, '--help'], { env });
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: logharbor ${name}`));
      expect(help.stdout.split('\nExamples:\n')[1]).toContain(`logharbor ${name}`);
      expect((await run(['help', name], { env })).stdout).toBe(help.stdout);
    }
    expect(await run(['grups'], { env })).toMatchObject({ code: 2, stderr: "logharbor: unknown command 'grups'. Did you mean 'groups'? Run 'logharbor --help'.\n" });
  });
});
