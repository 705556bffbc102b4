/**
 * kill -9 of the server during a stream of acknowledged writes loses nothing: every event whose
 * PutLogEvents returned 200 is there after a restart.
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

const CYCLES = 3;
const dataDir = mkdtempSync(join(tmpdir(), 'logharbor-crash-'));
let current: ChildServer | undefined;
afterAll(() => {
  current?.process.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

function client(url: string) {
  return new CloudWatchLogsClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
}

async function readAll(logs: CloudWatchLogsClient): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  for (;;) {
    const page = await logs.send(new GetLogEventsCommand({ logGroupName: 'crash', logStreamName: 's', startFromHead: true, nextToken: token }));
    out.push(...page.events!.map((e) => e.message!));
    if (page.nextForwardToken === token) return out;
    token = page.nextForwardToken;
  }
}

describe('kill -9', () => {
  it(`loses no acknowledged event over ${CYCLES} crash cycles`, async () => {
    const port = await freePort();
    const acknowledged: string[] = [];
    let seq = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      current = await startChildServer(['--data-dir', dataDir, '--sqlite-synchronous', 'FULL'], port);
      const logs = client(current.url);
      if (cycle === 0) {
        await logs.send(new CreateLogGroupCommand({ logGroupName: 'crash' }));
        await logs.send(new CreateLogStreamCommand({ logGroupName: 'crash', logStreamName: 's' }));
      }
      // Every event acknowledged so far survived the previous kill.
      const present = new Set(await readAll(logs));
      expect(acknowledged.filter((m) => !present.has(m))).toEqual([]);
      const ackedBefore = acknowledged.length;
      const writers = Array.from({ length: 3 }, async () => {
        for (;;) {
          const batch = Array.from({ length: 50 }, () => `event ${seq++}`);
          try {
            await logs.send(new PutLogEventsCommand({ logGroupName: 'crash', logStreamName: 's', logEvents: batch.map((message) => ({ timestamp: Date.now(), message })) }));
            acknowledged.push(...batch);
          } catch {
            return; // the server is gone: unacknowledged batches may or may not be stored
          }
        }
      });
      // Kill at a random moment once this cycle's writes are being acknowledged.
      for (let i = 0; i < 400 && acknowledged.length === ackedBefore; i++) await new Promise((r) => setTimeout(r, 25));
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 400));
      current.process.kill('SIGKILL');
      await Promise.all(writers);
      await waitForExit(current.process);
      logs.destroy();
    }
    current = await startChildServer(['--data-dir', dataDir], port);
    const logs = client(current.url);
    const stored = await readAll(logs);
    const storedSet = new Set(stored);
    const lost = acknowledged.filter((m) => !storedSet.has(m));
    expect(lost).toEqual([]);
    expect(acknowledged.length).toBeGreaterThan(CYCLES * 50);
    logs.destroy();
    current.process.kill('SIGTERM');
    await waitForExit(current.process);
  }, 120_000);
});
