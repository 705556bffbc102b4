/**
 * The server goes away for 10 s mid-stream and comes back on the same port and data: every line a
 * wrapped program wrote arrives, in order (through the memory buffer and the disk spool).
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { messages, runAgent, sleep, tempDir, waitFor } from './helpers.js';

const root = join(import.meta.dirname, '..', '..');
const dir = tempDir('outage');
let server: ChildProcess | undefined;

afterAll(() => {
  server?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function startServer(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/app/main.ts', 'server', '--port', String(port), '--data-dir', join(dir, 'data')], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      if (err.includes('listening')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
  return child;
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

it('loses nothing when the server is stopped for 10 s and restarted: every line arrives, in order', { timeout: 90_000 }, async () => {
  const port = await freePort();
  server = await startServer(port);
  const endpoint = `http://127.0.0.1:${port}`;
  const total = 3000;
  const script = join(dir, 'writer.js');
  // ~200 lines/s for ~15 s, half of them on stderr.
  writeFileSync(script, `let i = 0; const t = setInterval(() => { const line = 'line ' + String(i).padStart(5, '0') + ' ' + 'x'.repeat(40) + '\\n'; (i % 2 ? process.stderr : process.stdout).write(line); if (++i === ${total}) clearInterval(t); }, 5);`);
  const run = runAgent([
    '--endpoint', endpoint,
    '--group', '/outage',
    '--stream', 'writer',
    '--flush-interval-ms', '200',
    '--backoff-max-ms', '1000',
    // A small memory buffer: most of the outage goes through the disk spool.
    '--max-buffer-bytes', '32768',
    '--spool-dir', join(dir, 'spool'),
    '--final-flush-timeout-ms', '20000',
    '--', process.execPath, script,
  ], { env: { XDG_STATE_HOME: join(dir, 'state') } });
  const client = new CloudWatchLogsClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
  try {
    await waitFor('first lines', () => messages(client, '/outage', 'writer'), (m) => m.length > 100, 20_000);
    await stopServer(server);
    const stoppedAt = Date.now();
    await sleep(10_000);
    server = await startServer(port);
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(10_000);
    const result = await run;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('cannot reach CloudWatch Logs');
    expect(result.stderr).toMatch(/reachable again after \d+\.\ds/);
    const got = await messages(client, '/outage', 'writer');
    const line = (i: number) => `line ${String(i).padStart(5, '0')} ${'x'.repeat(40)}`;
    expect(got.length).toBe(total);
    // stdout and stderr are two pipes: the order between them is not observable, the order within each is.
    expect(got.filter((m) => m.startsWith('INFO ')).map((m) => m.slice(5))).toEqual(Array.from({ length: total / 2 }, (_, i) => line(2 * i)));
    expect(got.filter((m) => m.startsWith('ERROR ')).map((m) => m.slice(6))).toEqual(Array.from({ length: total / 2 }, (_, i) => line(2 * i + 1)));
  } finally {
    client.destroy();
  }
});
