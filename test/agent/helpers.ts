import { GetLogEventsCommand, type CloudWatchLogsClient, type OutputLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Every event of a stream, oldest first (GetLogEvents from the head until the token repeats). */
export async function readStream(client: CloudWatchLogsClient, group: string, stream: string): Promise<OutputLogEvent[]> {
  const events: OutputLogEvent[] = [];
  let token: string | undefined;
  for (;;) {
    let page;
    try {
      page = await client.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true, ...(token ? { nextToken: token } : {}) }));
    } catch (err) {
      if ((err as { name?: string }).name === 'ResourceNotFoundException') return [];
      throw err;
    }
    events.push(...(page.events ?? []));
    if (!page.nextForwardToken || page.nextForwardToken === token) return events;
    token = page.nextForwardToken;
  }
}

export async function messages(client: CloudWatchLogsClient, group: string, stream: string): Promise<string[]> {
  return (await readStream(client, group, stream)).map((e) => e.message ?? '');
}

/** Polls until check() holds (returns its last value), or fails after timeoutMs. */
export async function waitFor<T>(what: string, probe: () => Promise<T> | T, check: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!check(value)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 100));
    value = await probe();
  }
  return value;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `logharbor-agent-${prefix}-`));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Result {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs `logharbor run ARGS` through the binary's entry, as a child process. */
export function runAgent(args: string[], options: { onSpawn?: (pid: number) => void; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/app/main.ts', 'run', ...args], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('spawn', () => options.onSpawn?.(child.pid!));
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err }));
  });
}

