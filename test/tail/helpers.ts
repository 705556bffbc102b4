import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  StartLiveTailCommand,
  type StartLiveTailCommandInput,
  type StartLiveTailResponseStream,
} from '@aws-sdk/client-cloudwatch-logs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { operations } from '../../src/api/operations/index.js';
import { ApiServer } from '../../src/api/server.js';
import { systemClock } from '../../src/core/ports.js';
import { SqliteLogStore } from '../../src/storage/sqlite/sqlite-store.js';
import { createLiveTail, type LiveTail, type LiveTailConfig } from '../../src/tail/index.js';
import { quietLogger } from '../helpers/server.js';

export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';

/** The SDK as a user runs it against Logharbor: host prefix off, endpoint = our server. */
export function tailClient(url: string): CloudWatchLogsClient {
  return new CloudWatchLogsClient({
    endpoint: url,
    region: REGION,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    disableHostPrefix: true,
    maxAttempts: 1,
  });
}

export interface TailHarness {
  readonly url: string;
  readonly store: SqliteLogStore;
  readonly liveTail: LiveTail;
  close(): Promise<void>;
}

/** A real API server with live tail tuned by the test (short timeouts, small buffers). */
export async function startTailHarness(tuning: Omit<LiveTailConfig, 'resolveScope'> = {}): Promise<TailHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'logharbor-tail-'));
  const store = new SqliteLogStore({ path: join(dir, 'logs.db'), synchronous: 'NORMAL' });
  const liveTail = createLiveTail(store, {
    resolveScope: (_req, url) => ({ accountId: ACCOUNT, region: url.searchParams.get('region') ?? REGION }),
    ...tuning,
  });
  const api = new ApiServer({
    deps: { store, clock: systemClock },
    operations,
    streamingOperations: liveTail.streamingOperations,
    routes: liveTail.routes,
    resolveAccount: () => ACCOUNT,
    defaultRegion: REGION,
    logger: quietLogger,
  });
  const address = await api.listen(0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${address.port}`,
    store,
    liveTail,
    async close() {
      liveTail.close();
      await api.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function createGroup(client: CloudWatchLogsClient, group: string, streams: readonly string[]): Promise<void> {
  await client.send(new CreateLogGroupCommand({ logGroupName: group }));
  for (const stream of streams) await client.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
}

export async function put(client: CloudWatchLogsClient, group: string, stream: string, messages: readonly string[], timestamp = Date.now()): Promise<void> {
  await client.send(
    new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: messages.map((message) => ({ timestamp, message })) }),
  );
}

export function arnOf(group: string): string {
  return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${group}`;
}

export async function waitUntil(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface TailReader {
  readonly events: StartLiveTailResponseStream[];
  /** the error the stream ended with, if any */
  error: unknown;
  ended: boolean;
  stop(): Promise<void>;
  messages(): string[];
}

/** Starts StartLiveTail through the SDK and reads its stream in the background. */
export async function startTail(client: CloudWatchLogsClient, input: StartLiveTailCommandInput): Promise<TailReader> {
  const abort = new AbortController();
  const output = await client.send(new StartLiveTailCommand(input), { abortSignal: abort.signal });
  const reader: TailReader = {
    events: [],
    error: undefined,
    ended: false,
    async stop() {
      abort.abort();
      await done;
    },
    messages() {
      return reader.events.flatMap((e) => e.sessionUpdate?.sessionResults?.map((r) => r.message ?? '') ?? []);
    },
  };
  const done = (async () => {
    try {
      for await (const event of output.responseStream!) reader.events.push(event);
    } catch (err) {
      if (!abort.signal.aborted) reader.error = err;
    } finally {
      reader.ended = true;
    }
  })();
  return reader;
}
