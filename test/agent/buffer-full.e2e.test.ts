/**
 * A full buffer: the server stalls (a proxy holds every connection), so the memory buffer and the
 * spool fill up. The wrapped program never notices (its write latency stays flat); past both
 * bounds events are dropped, counted, and reported on stderr and, once the server answers again,
 * as an event in the agent's own stream.
 */
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { messages, runAgent, tempDir } from './helpers.js';

let t: TestServer;
let logs: CloudWatchLogsClient;
let dir: string;
let proxy: Server;
const held: { client: Socket; data: Buffer[] }[] = [];
let stalled = true;

beforeAll(async () => {
  t = await startTestServer();
  logs = t.client();
  dir = tempDir('full');
  const upstream = new URL(t.url);
  const pipeUp = (client: Socket, data: Buffer[]) => {
    const up = connect(Number(upstream.port), upstream.hostname);
    for (const d of data) up.write(d);
    client.pipe(up).pipe(client);
    client.on('error', () => up.destroy());
    up.on('error', () => client.destroy());
  };
  proxy = createServer((client) => {
    if (!stalled) return pipeUp(client, []);
    const entry = { client, data: [] as Buffer[] };
    held.push(entry);
    client.on('data', (d: Buffer) => entry.data.push(d));
    client.on('error', () => {});
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  // Let connections through once the program has finished writing.
  (globalThis as { release?: () => void }).release = () => {
    stalled = false;
    for (const { client, data } of held.splice(0)) {
      client.removeAllListeners('data');
      pipeUp(client, data);
    }
  };
});
afterAll(async () => {
  proxy.close();
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

it('drops past the memory buffer and the spool, counts and reports every drop, and never slows the program', { timeout: 60_000 }, async () => {
  const total = 20_000;
  const script = join(dir, 'writer.js');
  const stats = join(dir, 'latency.json');
  // Writes `total` lines at ~10,000 lines/s, timing every write to the pipe.
  writeFileSync(
    script,
    `const fs = require('fs');
     const lat = [];
     let i = 0;
     const line = (n) => 'event ' + String(n).padStart(6, '0') + ' ' + 'y'.repeat(50) + '\\n';
     function burst() {
       for (let k = 0; k < 100 && i < ${total}; k++, i++) {
         const t0 = process.hrtime.bigint();
         fs.writeSync(1, line(i));
         lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
       }
       if (i < ${total}) setTimeout(burst, 10);
       else fs.writeFileSync(${JSON.stringify(stats)}, JSON.stringify(lat));
     }
     burst();`,
  );
  const address = proxy.address() as { port: number };
  const releaseTimer = setTimeout(() => (globalThis as { release?: () => void }).release?.(), 4000);
  const result = await runAgent(
    [
      '--endpoint', `http://127.0.0.1:${address.port}`,
      '--group', '/full',
      '--stream', 'app',
      '--max-buffer-bytes', '65536',
      '--spool-dir', join(dir, 'spool'),
      '--max-spool-bytes', '65536',
      '--report-interval-ms', '500',
      '--request-timeout-ms', '30000',
      '--final-flush-timeout-ms', '15000',
      '--', process.execPath, script,
    ],
    { env: { XDG_STATE_HOME: join(dir, 'state') } },
  );
  clearTimeout(releaseTimer);
  expect(result.code).toBe(0);

  // The program's writes never waited for the agent: latency stays flat from the first to the last write.
  const latency = JSON.parse(readFileSync(stats, 'utf8')) as number[];
  expect(latency).toHaveLength(total);
  const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)]!;
  const early = p99(latency.slice(0, 1000)); // the buffer has room
  const late = p99(latency.slice(-5000)); // the buffer and the spool are full
  expect(late).toBeLessThan(5);
  expect(Math.max(...latency)).toBeLessThan(250);
  expect(late).toBeLessThan(Math.max(early * 5, 1));

  // Drops were counted and reported on stderr...
  const reported = [...result.stderr.matchAll(/dropped (\d+) events (?:in the last|since the last report|at exit)/g)].map((m) => Number(m[1]));
  expect(reported.length).toBeGreaterThan(0);
  const dropped = reported.reduce((a, b) => a + b, 0);
  expect(dropped).toBeGreaterThan(total / 2);
  expect(result.stderr).toMatch(/buffer_full=\d+/);

  // ...every event is either delivered or counted, delivered ones in order...
  const shipped = await messages(logs, '/full', 'app');
  expect(shipped.length + dropped).toBe(total);
  const numbers = shipped.map((m) => Number(/event (\d+)/.exec(m)![1]));
  expect(numbers).toEqual([...numbers].sort((a, b) => a - b));

  // ...and as events in the agent's own stream.
  const reports = (await messages(logs, '/full', 'app/logharbor-agent')).map((m) => JSON.parse(m) as { type: string; dropped: number; byReason: Record<string, number> });
  expect(reports.length).toBeGreaterThan(0);
  expect(reports.every((r) => r.type === 'logharbor.agent.dropped')).toBe(true);
  expect(reports.reduce((a, r) => a + r.dropped, 0)).toBe(dropped);
});
