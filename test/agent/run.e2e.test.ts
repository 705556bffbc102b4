/** `logharbor run` as users run it (a child process of the real binary entry) against a real server. */
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { messages, readStream, runAgent as runWith, tempDir, waitFor } from './helpers.js';

let t: TestServer;
let logs: CloudWatchLogsClient;
let dir: string;

beforeAll(async () => {
  t = await startTestServer();
  logs = t.client();
  dir = tempDir('run');
});
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

const runAgent = (args: string[], options: { onSpawn?: (pid: number) => void } = {}) => runWith(args, { ...options, env: { XDG_STATE_HOME: join(dir, 'state') } });

describe('logharbor run', () => {
  it('passes output through unchanged, ships stdout as INFO and stderr as ERROR, and exits with the child\'s code', async () => {
    const script = join(dir, 'app.js');
    // Partial writes, a CRLF line, a line without a final newline, bytes that are not UTF-8.
    writeFileSync(
      script,
      `process.stdout.write('hello ');
       process.stdout.write('world\\n');
       process.stderr.write('something failed\\r\\n');
       process.stdout.write(Buffer.from([0x62, 0x79, 0x74, 0x65, 0x73, 0x3a, 0xff, 0x0a]));
       process.stdout.write('no newline at the end');
       process.exitCode = 7;`,
    );
    const result = await runAgent(['--endpoint', t.url, '--group', '/run/basic', '--stream', 'app-{command}', '--', process.execPath, script]);
    expect(result.code).toBe(7);
    expect(result.stdout).toEqual(Buffer.concat([Buffer.from('hello world\n'), Buffer.from([0x62, 0x79, 0x74, 0x65, 0x73, 0x3a, 0xff, 0x0a]), Buffer.from('no newline at the end')]));
    expect(result.stderr).toBe('something failed\r\n');
    const stream = `app-${process.execPath.split('/').pop()}`;
    const events = await readStream(logs, '/run/basic', stream);
    expect(events.map((e) => e.message).sort()).toEqual(['ERROR something failed', 'INFO bytes:\ufffd', 'INFO hello world', 'INFO no newline at the end'].sort());
    for (const e of events) expect(Math.abs(e.timestamp! - Date.now())).toBeLessThan(30_000);
  });

  it('records the level as a JSON field with --level-format json', async () => {
    const result = await runAgent(['--endpoint', t.url, '--group', '/run/json', '--stream', 's', '--level-format', 'json', '--', 'sh', '-c', 'echo plain; echo \'{"msg":"structured"}\'; echo \'{"level":"debug","msg":"own level"}\'; echo oops >&2']);
    expect(result.code).toBe(0);
    const got = (await messages(logs, '/run/json', 's')).map((m) => JSON.parse(m) as Record<string, string>);
    expect(got).toEqual(
      expect.arrayContaining([
        { level: 'INFO', message: 'plain' },
        { level: 'INFO', msg: 'structured' },
        { level: 'debug', msg: 'own level' },
        { level: 'ERROR', message: 'oops' },
      ]),
    );
    expect(got).toHaveLength(4);
  });

  it('forwards signals to the program and exits with 128 + signal when it dies of one', async () => {
    const script = join(dir, 'signals.js');
    writeFileSync(
      script,
      `process.on('SIGTERM', () => { console.log('got SIGTERM, cleaning up'); process.exit(42); });
       process.on('SIGUSR1', () => console.log('got SIGUSR1'));
       console.log('ready');
       setInterval(() => {}, 1000);`,
    );
    let pid = 0;
    const done = runAgent(['--endpoint', t.url, '--group', '/run/signals', '--stream', 's', '--', process.execPath, script], { onSpawn: (p) => (pid = p) });
    await waitFor('ready', () => messages(logs, '/run/signals', 's'), (m) => m.includes('INFO ready'), 20_000);
    process.kill(pid, 'SIGUSR1');
    await waitFor('SIGUSR1', () => messages(logs, '/run/signals', 's'), (m) => m.includes('INFO got SIGUSR1'));
    process.kill(pid, 'SIGTERM');
    const result = await done;
    expect(result.code).toBe(42);
    expect(await messages(logs, '/run/signals', 's')).toEqual(['INFO ready', 'INFO got SIGUSR1', 'INFO got SIGTERM, cleaning up']);

    const killed = await runAgent(['--endpoint', t.url, '--group', '/run/signals', '--stream', 'killed', '--', 'sh', '-c', 'kill -KILL $$']);
    expect(killed.code).toBe(128 + 9);
  });

  it('reports a program that cannot start with exit code 127', async () => {
    const result = await runAgent(['--endpoint', t.url, '--', 'definitely-not-a-command-xyz']);
    expect(result.code).toBe(127);
    expect(result.stderr).toContain("logharbor run: cannot start 'definitely-not-a-command-xyz': ENOENT");
  });

  it('exits after a bounded final flush when the server is unreachable, keeping the events in the spool for the next run', async () => {
    const spool = join(dir, 'spool-unreachable');
    const started = Date.now();
    const first = await runAgent(['--endpoint', 'http://127.0.0.1:9', '--group', '/run/later', '--stream', 's', '--spool-dir', spool, '--final-flush-timeout-ms', '1500', '--', 'sh', '-c', 'echo one; echo two']);
    expect(first.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(first.stderr).toContain('cannot reach CloudWatch Logs');
    const second = await runAgent(['--endpoint', t.url, '--group', '/run/later', '--stream', 's', '--spool-dir', spool, '--', 'sh', '-c', 'echo three']);
    expect(second.code).toBe(0);
    expect(await messages(logs, '/run/later', 's')).toEqual(['INFO one', 'INFO two', 'INFO three']);
  });
});
