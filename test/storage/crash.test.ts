/**
 * kill -9 of the server while both kinds of chunked writes are in flight loses no acknowledged
 * event, over 20 cycles: large batches committed straight into compressed chunks, small batches
 * group-committed into the head, and heads being sealed. (test/e2e/crash.test.ts covers the plain
 * PutLogEvents loop; this one aims at the embedded store's write paths.)
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startChildServer, waitForExit, type ChildServer } from '../helpers/child-server.js';

const CYCLES = 20;
const dataDir = mkdtempSync(join(tmpdir(), 'logharbor-chunk-crash-'));
let current: ChildServer | undefined;
afterAll(() => {
  current?.process.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

function client(url: string): CloudWatchLogsClient {
  return new CloudWatchLogsClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
}

async function readStream(logs: CloudWatchLogsClient, stream: string): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  for (;;) {
    const page = await logs.send(new GetLogEventsCommand({ logGroupName: 'crash', logStreamName: stream, startFromHead: true, nextToken: token }));
    out.push(...page.events!.map((e) => e.message!));
    if (page.nextForwardToken === token) return out;
    token = page.nextForwardToken;
  }
}

/** Messages of ~110 bytes: 5,000 of them make a batch the writer turns into a chunk on commit. */
const message = (stream: string, n: number) => `${stream} event ${n} ${'x'.repeat(80)} ${(n * 2654435761) % 1000003}`;

describe('kill -9 during chunked writes', () => {
  it(`loses no acknowledged event over ${CYCLES} cycles`, async () => {
    const port = await freePort();
    const acknowledged = new Map<string, string[]>();
    let logs: CloudWatchLogsClient | undefined;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      current = await startChildServer(['--data-dir', dataDir, '--sqlite-synchronous', 'FULL'], port);
      logs = client(current.url);
      if (cycle === 0) await logs.send(new CreateLogGroupCommand({ logGroupName: 'crash' }));
      // What the previous cycle acknowledged survived its kill.
      for (const [stream, messages] of acknowledged) {
        if (!stream.endsWith(`-${cycle - 1}`)) continue;
        let stored: string[];
        try {
          stored = await readStream(logs, stream);
        } catch (err) {
          throw new Error(`reading ${stream} failed; server stderr: ${current.stderr()}`, { cause: err });
        }
        const present = new Set(stored);
        expect(messages.filter((m) => !present.has(m)), `cycle ${cycle - 1}, ${stream}`).toEqual([]);
      }
      const writer = async (stream: string, batchSize: number) => {
        await logs!.send(new CreateLogStreamCommand({ logGroupName: 'crash', logStreamName: stream }));
        const acked: string[] = [];
        acknowledged.set(stream, acked);
        let n = 0;
        for (;;) {
          const batch = Array.from({ length: batchSize }, () => message(stream, n++));
          try {
            await logs!.send(new PutLogEventsCommand({ logGroupName: 'crash', logStreamName: stream, logEvents: batch.map((m) => ({ timestamp: Date.now(), message: m })) }));
            acked.push(...batch);
          } catch {
            return; // killed: an unacknowledged batch may or may not be stored
          }
        }
      };
      const writers = [writer(`big-${cycle}`, 5_000), writer(`small-${cycle}`, 50), writer(`tiny-${cycle}`, 3)];
      // Kill at a random moment, once a large batch has been acknowledged (the machine may be slow).
      const killAfter = Date.now() + 250 + Math.random() * 350;
      const giveUp = Date.now() + 5_000;
      while (Date.now() < giveUp && (Date.now() < killAfter || (acknowledged.get(`big-${cycle}`)?.length ?? 0) === 0)) {
        await new Promise((r) => setTimeout(r, 10));
      }
      current.process.kill('SIGKILL');
      await Promise.all(writers);
      await waitForExit(current.process);
      logs.destroy();
    }
    current = await startChildServer(['--data-dir', dataDir], port);
    logs = client(current.url);
    let total = 0;
    for (const [stream, messages] of acknowledged) {
      const stored = await readStream(logs, stream);
      const present = new Set(stored);
      expect(messages.filter((m) => !present.has(m)), stream).toEqual([]);
      // Nothing duplicated by a seal or a direct chunk racing the kill.
      expect(new Set(stored).size, stream).toBe(stored.length);
      total += messages.length;
    }
    expect(total).toBeGreaterThan(0);
    expect([...acknowledged].filter(([s, m]) => s.startsWith('big-') && m.length > 0).length).toBeGreaterThan(0);
    logs.destroy();
    current.process.kill('SIGTERM');
    await waitForExit(current.process);
  }, 240_000);
});
