/** The file source against a real Logharbor server: tailing, rotation of both kinds, restarts. */
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { appendFileSync, renameSync, rmSync, truncateSync, writeFileSync, copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '../../src/agent/agent.js';
import { parseAgentConfig } from '../../src/agent/config-file.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { messages, readStream, sleep, tempDir, waitFor } from './helpers.js';

let t: TestServer;
let logs: CloudWatchLogsClient;
const dirs: string[] = [];
const agents: RunningAgent[] = [];

beforeAll(async () => {
  t = await startTestServer();
  logs = t.client();
});
afterEach(async () => {
  for (const a of agents.splice(0)) await a.stop();
});
afterAll(async () => {
  await t.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function setup(name: string, yaml: (dir: string) => string): { dir: string; start: () => Promise<RunningAgent> } {
  const dir = tempDir(name);
  dirs.push(dir);
  const start = async () => {
    const config = parseAgentConfig(`endpoint: ${t.url}\nstate_dir: ${join(dir, 'state')}\npoll_interval_ms: 50\nflush_interval_ms: 100\ncheckpoint_interval_ms: 100\nreport_interval_ms: 60000\n${yaml(dir)}`, join(dir, 'agent.yaml'), {});
    const agent = await startAgent(config, {}, () => {});
    agents.push(agent);
    return agent;
  };
  return { dir, start };
}

const lines = (prefix: string, from: number, to: number) => Array.from({ length: to - from }, (_, i) => `${prefix} ${from + i}`);
const write = (path: string, items: string[]) => appendFileSync(path, items.map((l) => `${l}\n`).join(''));

describe('file source', () => {
  it('tails a glob, names streams from templates, and picks up files created later', async () => {
    const { dir, start } = setup('glob', (d) => `files:\n  - path: ${d}/logs/*.log\n    group: /files/glob\n    stream: '{filename}'\n    retention_in_days: 7\n`);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'logs'));
    write(join(dir, 'logs', 'a.log'), lines('a', 0, 3));
    write(join(dir, 'logs', 'skip.txt'), ['not matched']);
    await start();
    write(join(dir, 'logs', 'b.log'), lines('b', 0, 2));
    await waitFor('a.log', () => messages(logs, '/files/glob', 'a.log'), (m) => m.length === 3);
    await waitFor('b.log', () => messages(logs, '/files/glob', 'b.log'), (m) => m.length === 2);
    expect(await messages(logs, '/files/glob', 'a.log')).toEqual(lines('a', 0, 3));
    const { DescribeLogGroupsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
    const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/files/glob' }));
    expect(groups.logGroups?.[0]?.retentionInDays).toBe(7);
  });

  it('follows rename rotation: drains the old file, then reads the new one from its start', async () => {
    const { dir, start } = setup('rename', (d) => `files:\n  - path: ${d}/app.log\n    group: /files/rename\n    stream: app\n    rotate_wait_ms: 300\n`);
    const path = join(dir, 'app.log');
    write(path, lines('line', 0, 100));
    await start();
    await waitFor('first lines', () => messages(logs, '/files/rename', 'app'), (m) => m.length === 100);
    // logrotate's default: rename, the app keeps writing to its open file, then reopens the path.
    write(path, lines('line', 100, 150));
    renameSync(path, `${path}.1`);
    write(`${path}.1`, lines('line', 150, 160)); // written through the old descriptor after the rename
    write(path, lines('line', 160, 200));
    const got = await waitFor('all lines', () => messages(logs, '/files/rename', 'app'), (m) => m.length >= 200);
    expect(got).toEqual(lines('line', 0, 200));
  });

  it('follows copytruncate and plain truncation', async () => {
    const { dir, start } = setup('copytruncate', (d) => `files:\n  - path: ${d}/app.log\n    group: /files/copytruncate\n    stream: app\n`);
    const path = join(dir, 'app.log');
    write(path, lines('before', 0, 50));
    await start();
    await waitFor('before', () => messages(logs, '/files/copytruncate', 'app'), (m) => m.length === 50);
    // logrotate copytruncate: copy aside, truncate in place; the app keeps appending (O_APPEND).
    copyFileSync(path, `${path}.1`);
    truncateSync(path, 0);
    await sleep(150);
    write(path, lines('after', 0, 30));
    await waitFor('after', () => messages(logs, '/files/copytruncate', 'app'), (m) => m.length === 80);
    // Truncated and refilled past the old offset before the agent looks: the changed start tells.
    truncateSync(path, 0);
    write(path, lines('refilled-with-longer-lines', 0, 40));
    const got = await waitFor('refilled', () => messages(logs, '/files/copytruncate', 'app'), (m) => m.length === 120);
    expect(got).toEqual([...lines('before', 0, 50), ...lines('after', 0, 30), ...lines('refilled-with-longer-lines', 0, 40)]);
  });

  it('resumes from the checkpoint after a restart: nothing lost, nothing repeated, even if rotated meanwhile', async () => {
    const { dir, start } = setup('restart', (d) => `files:\n  - path: ${d}/app.log\n    group: /files/restart\n    stream: app\n    rotate_wait_ms: 200\n`);
    const path = join(dir, 'app.log');
    write(path, lines('l', 0, 20));
    const agent = await start();
    await waitFor('first', () => messages(logs, '/files/restart', 'app'), (m) => m.length === 20);
    write(path, lines('l', 20, 25));
    writeFileSync(path, `${readFileSync(path, 'utf8')}partial`); // a line without its newline yet
    await sleep(300);
    await agent.stop();
    agents.splice(agents.indexOf(agent), 1);
    const checkpoint = JSON.parse(readFileSync(join(dir, 'state', 'checkpoint.json'), 'utf8')) as { files: Record<string, { offset: number }> };
    expect(Object.values(checkpoint.files)[0]!.offset).toBe(readFileSync(path).length - 'partial'.length);
    // While the agent is away: the line is completed, more lines come, and the file is rotated.
    appendFileSync(path, ' now complete\n');
    write(path, lines('l', 25, 30));
    renameSync(path, `${path}.1`);
    write(path, lines('m', 0, 5));
    await start(); // a new agent, same state_dir
    const got = await waitFor('after restart', () => messages(logs, '/files/restart', 'app'), (m) => m.length >= 36);
    await sleep(300);
    expect(await messages(logs, '/files/restart', 'app')).toEqual([...lines('l', 0, 25), 'partial now complete', ...lines('l', 25, 30), ...lines('m', 0, 5)]);
    expect(got.length).toBe(36);
  });

  it('joins multi-line records by a start pattern and takes timestamps from a format', async () => {
    const { dir, start } = setup('multiline', (d) =>
      [
        'files:',
        `  - path: ${d}/java.log`,
        '    group: /files/multiline',
        '    stream: java',
        '    timestamp:',
        "      format: '%Y-%m-%d %H:%M:%S,%f'",
        '      timezone: UTC',
        '    multiline:',
        "      start_pattern: '{timestamp_format}'",
        '      timeout_ms: 300',
        '',
      ].join('\n'),
    );
    const now = new Date();
    const stamp = (offsetMs: number) => new Date(now.getTime() - offsetMs).toISOString().replace('T', ' ').replace('Z', '').replace('.', ',');
    const path = join(dir, 'java.log');
    write(path, [
      `${stamp(5000)} INFO starting`,
      `${stamp(4000)} ERROR request failed`,
      'java.lang.IllegalStateException: boom',
      '\tat com.example.Foo.bar(Foo.java:42)',
      '\tat com.example.Main.main(Main.java:7)',
      `${stamp(3000)} INFO recovered`,
    ]);
    await start();
    const events = await waitFor('records', () => readStream(logs, '/files/multiline', 'java'), (e) => e.length === 3);
    expect(events.map((e) => e.message)).toEqual([
      `${stamp(5000)} INFO starting`,
      `${stamp(4000)} ERROR request failed\njava.lang.IllegalStateException: boom\n\tat com.example.Foo.bar(Foo.java:42)\n\tat com.example.Main.main(Main.java:7)`,
      `${stamp(3000)} INFO recovered`,
    ]);
    expect(events.map((e) => e.timestamp)).toEqual([now.getTime() - 5000, now.getTime() - 4000, now.getTime() - 3000]);
  });

  it('reads JSON lines with the timestamp from a field; events out of order are sorted; too old ones are counted as drops', async () => {
    const { dir, start } = setup('json', (d) => `files:\n  - path: ${d}/app.json\n    group: /files/json\n    stream: app\n    json: true\n    timestamp:\n      key: time\n`);
    const base = Date.now() - 60_000;
    const path = join(dir, 'app.json');
    write(path, [
      JSON.stringify({ time: new Date(base + 2000).toISOString(), msg: 'second' }),
      JSON.stringify({ time: new Date(base + 1000).toISOString(), msg: 'first' }),
      JSON.stringify({ time: base + 3000, msg: 'epoch ms' }),
      JSON.stringify({ time: (base + 4000) / 1000, msg: 'epoch s' }),
      JSON.stringify({ time: new Date(Date.now() - 20 * 86_400_000).toISOString(), msg: 'too old' }),
    ]);
    const agent = await start();
    const events = await waitFor('json', () => readStream(logs, '/files/json', 'app'), (e) => e.length === 4);
    expect(events.map((e) => [e.timestamp, JSON.parse(e.message!).msg])).toEqual([
      [base + 1000, 'first'],
      [base + 2000, 'second'],
      [base + 3000, 'epoch ms'],
      [base + 4000, 'epoch s'],
    ]);
    await waitFor('drop count', () => agent.runtime.pipeline.stats().droppedByReason, (d) => d['rejected_too_old'] === 1);
  });

  it('starts at the end of existing files with start_position: end', async () => {
    const { dir, start } = setup('end', (d) => `files:\n  - path: ${d}/app.log\n    group: /files/end\n    stream: app\n    start_position: end\n`);
    const path = join(dir, 'app.log');
    write(path, lines('old', 0, 10));
    await start();
    await sleep(200);
    write(path, lines('new', 0, 3));
    await waitFor('new', () => messages(logs, '/files/end', 'app'), (m) => m.length === 3);
    expect(await messages(logs, '/files/end', 'app')).toEqual(lines('new', 0, 3));
  });
});
