/** The Docker source against a local server speaking the Engine API, shipping to a real Logharbor. */
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { hostname } from 'node:os';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '../../src/agent/agent.js';
import { parseAgentConfig } from '../../src/agent/config-file.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { API_VERSION, FakeDockerEngine } from './fake-docker.js';
import { messages, readStream, sleep, tempDir, waitFor } from './helpers.js';

let t: TestServer;
let logs: CloudWatchLogsClient;
let dir: string;
let engine: FakeDockerEngine;

beforeAll(async () => {
  t = await startTestServer();
  logs = t.client();
  dir = tempDir('docker');
  engine = new FakeDockerEngine(join(dir, 'docker.sock'));
  await engine.start();
});
afterAll(async () => {
  await engine.close();
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(stateDir: string): Promise<RunningAgent> {
  const yaml = [
    `endpoint: ${t.url}`,
    `state_dir: ${join(dir, stateDir)}`,
    'flush_interval_ms: 100',
    'checkpoint_interval_ms: 100',
    'docker:',
    `  socket: ${engine.socketPath}`,
    "  group: '/docker/{hostname}/{container.label.com.docker.compose.project}'",
    "  stream: '{container.name}/{container.short_id}'",
    '  level_format: prefix',
  ].join('\n');
  return startAgent(parseAgentConfig(yaml, join(dir, 'agent.yaml'), {}), {}, () => {});
}

describe('Docker source', () => {
  it('ships running and newly started containers, stdout and stderr demultiplexed, named by templates and overrides', async () => {
    const web = engine.run({ name: 'web', image: 'nginx:1.27', labels: { 'com.docker.compose.project': 'shop' } });
    engine.write(web, 1, 'GET / 200\nGET /favicon.ico 404\n');
    engine.write(web, 2, 'warn: slow upstream\n');
    const ignored = engine.run({ name: 'noisy', env: ['LOGSPOUT=ignore'] });
    engine.write(ignored, 1, 'never shipped\n');

    const agent = await start('state-1');
    try {
      const group = `/docker/${hostname()}/shop`;
      const webStream = `web/${web.id.slice(0, 12)}`;
      await waitFor('web', () => messages(logs, group, webStream), (m) => m.length === 3);
      // A container started after the agent: followed through the event stream; the
      // logspout-cloudwatch environment overrides name its group and stream.
      const worker = engine.run({ name: 'worker', env: ['LOGSPOUT_GROUP=/jobs/{container.image}', 'LOGSPOUT_STREAM={container.name}-{container.env.SHARD}', 'SHARD=7'], image: 'jobs' });
      engine.write(worker, 1, 'job 1 done\n');
      engine.write(worker, 2, 'job 2 failed\n');
      engine.write(web, 1, 'GET /cart 200\n');
      // A label override wins over the environment; a TTY container's stream is not multiplexed.
      const tty = engine.run({ name: 'shell', tty: true, labels: { 'logharbor.group': '/tty', 'logharbor.stream': 'console' }, env: ['LOGSPOUT_GROUP=/not-this'] });
      engine.write(tty, 1, 'prompt$ ls\n');
      await waitFor('worker', () => messages(logs, '/jobs/jobs', 'worker-7'), (m) => m.length === 2);
      await waitFor('tty', () => messages(logs, '/tty', 'console'), (m) => m.length === 1);
      await waitFor('web again', () => messages(logs, group, webStream), (m) => m.length === 4);

      const webEvents = await readStream(logs, group, webStream);
      expect(webEvents.map((e) => e.message)).toEqual(['INFO GET / 200', 'INFO GET /favicon.ico 404', 'ERROR warn: slow upstream', 'INFO GET /cart 200']);
      // Event times are the engine's timestamps (milliseconds of the RFC 3339 nanosecond stamps).
      const engineTimes = web.logs.flatMap((entry) => entry.text.split('\n').filter(Boolean).map(() => Number(entry.nanosSinceEpoch / 1_000_000n)));
      expect(webEvents.map((e) => e.timestamp)).toEqual(engineTimes);
      expect(await messages(logs, '/jobs/jobs', 'worker-7')).toEqual(['INFO job 1 done', 'ERROR job 2 failed']);
      expect(await messages(logs, '/tty', 'console')).toEqual(['INFO prompt$ ls']);
      const { DescribeLogStreamsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
      const all = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group }));
      expect(all.logStreams?.map((s) => s.logStreamName)).toEqual([webStream]); // `noisy` was ignored
      expect(engine.requests).toContain(`GET /v${API_VERSION}/events`);
    } finally {
      await agent.stop();
    }

    // A restart continues after the last shipped line of each container, repeating nothing.
    engine.write(web, 1, 'GET /checkout 200\n');
    engine.stop(ignored);
    const again = await start('state-1');
    try {
      await waitFor('after restart', () => messages(logs, `/docker/${hostname()}/shop`, `web/${web.id.slice(0, 12)}`), (m) => m.length === 5);
      await sleep(300);
      expect(await messages(logs, `/docker/${hostname()}/shop`, `web/${web.id.slice(0, 12)}`)).toEqual([
        'INFO GET / 200',
        'INFO GET /favicon.ico 404',
        'ERROR warn: slow upstream',
        'INFO GET /cart 200',
        'INFO GET /checkout 200',
      ]);
      expect(await messages(logs, '/jobs/jobs', 'worker-7')).toHaveLength(2);
    } finally {
      await again.stop();
    }
  });

  it('keeps trying when the engine is not there yet and attaches once it is', async () => {
    const late = new FakeDockerEngine(join(dir, 'late.sock'));
    const yaml = [`endpoint: ${t.url}`, `state_dir: ${join(dir, 'state-late')}`, 'flush_interval_ms: 100', 'docker:', `  socket: ${late.socketPath}`, "  group: /late", "  stream: '{container.name}'"].join('\n');
    const lines: string[] = [];
    const agent = await startAgent(parseAgentConfig(yaml, join(dir, 'agent.yaml'), {}), {}, (l) => lines.push(l));
    try {
      await sleep(300);
      expect(lines.some((l) => l.includes('Docker API at'))).toBe(true);
      await late.start();
      const c = late.run({ name: 'early-bird' });
      late.write(c, 1, 'hello\n');
      await waitFor('late engine', () => messages(logs, '/late', 'early-bird'), (m) => m.length === 1, 20_000);
    } finally {
      await agent.stop();
      await late.close();
    }
  });
});
