/** The real binary as a child process: piped output, colour, stdin, signals and exit codes. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { lines } from './helpers.js';

let t: TestServer;
let home: string;

interface Child {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A clean environment: no AWS settings of the machine, no instance metadata lookups. */
function baseEnv(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env['PATH'] ?? '', HOME: home, AWS_EC2_METADATA_DISABLED: 'true', TZ: 'UTC', ...extra };
}

const devEnv = (extra: Record<string, string> = {}) =>
  baseEnv({ LOGHARBOR_ENDPOINT: t.url, AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'secret', ...extra });

function cli(args: string[], env: Record<string, string>, options: { stdin?: string; onStdout?: (text: string, kill: (s: NodeJS.Signals) => void) => void } = {}): Promise<Child> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/app/main.ts', ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      options.onStdout?.(stdout, (s) => child.kill(s));
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

beforeAll(async () => {
  t = await startTestServer();
  home = mkdtempSync(join(tmpdir(), 'logharbor-cli-home-'));
});
afterAll(async () => {
  await t.close();
  rmSync(home, { recursive: true, force: true });
});

describe('logharbor as a process', () => {
  it('puts stdin lines, then prints them piped without colour, or coloured when forced', async () => {
    const put = await cli(['put', '/proc/app', 'host-1'], devEnv(), { stdin: 'first\nsecond\n' });
    expect(put).toMatchObject({ code: 0, stdout: '', stderr: 'logharbor put: sent 2 events to /proc/app host-1\n' });
    const piped = await cli(['get', '/proc/app'], devEnv());
    expect(piped).toMatchObject({ code: 0, stdout: '/proc/app host-1 first\n/proc/app host-1 second\n', stderr: '' });
    const forced = await cli(['get', '/proc/app'], devEnv({ FORCE_COLOR: '1' }));
    expect(forced.stdout).toMatch(/^\u001b\[\d+m\/proc\/app\u001b\[0m \u001b\[\d+mhost-1\u001b\[0m first\n/); // eslint-disable-line no-control-regex
  });

  it('exits 3 for an unknown group, naming it and the endpoint', async () => {
    const r = await cli(['get', '/proc/nope'], devEnv());
    expect(r).toMatchObject({ code: 3, stdout: '', stderr: `logharbor get: log group '/proc/nope' does not exist at ${t.url}\n` });
  });

  it('exits 4 without credentials, saying how to set them', async () => {
    const r = await cli(['groups'], baseEnv({ LOGHARBOR_ENDPOINT: t.url }));
    expect(r.code).toBe(4);
    expect(lines(r.stderr)).toHaveLength(2);
    expect(r.stderr).toMatch(/^logharbor groups: no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pass --profile NAME/);
  });

  it('exits 5 when the endpoint is unreachable, naming the URL and why', async () => {
    const r = await cli(['groups', '--endpoint', 'http://127.0.0.1:1'], devEnv());
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/^logharbor groups: cannot reach http:\/\/127\.0\.0\.1:1: connection refused \(ECONNREFUSED\)\.\n/);
    expect(lines(r.stderr)).toHaveLength(2);
  });

  it('exits 2 on usage errors', async () => {
    const r = await cli(['get', '/proc/app', '--since', '1h'], devEnv());
    expect(r).toMatchObject({ code: 2, stderr: "logharbor get: unknown option --since (see 'logharbor get --help')\n" });
  });

  it('follows until SIGINT, then exits 130', async () => {
    let interrupted = false;
    const r = await cli(['tail', '/proc/app', '--follow', '--no-group'], devEnv(), {
      onStdout: (text, kill) => {
        if (!interrupted && text.includes('host-1 second\n')) {
          interrupted = true;
          kill('SIGINT');
        }
      },
    });
    expect(r).toMatchObject({ code: 130, signal: null, stdout: 'host-1 first\nhost-1 second\n', stderr: '' });
  });
});
