import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer, type StartOptions } from '../../src/app/server.js';
import { loadServerConfig, type ServerConfig } from '../../src/config/config.js';

export interface TestServer {
  readonly server: RunningServer;
  readonly url: string;
  readonly dataDir: string;
  client(region?: string): CloudWatchLogsClient;
  close(): Promise<void>;
}

export const quietLogger = { info: () => {}, error: () => {} };

/** Starts a real server on port 0 with a fresh data directory. */
export async function startTestServer(overrides: Partial<ServerConfig> = {}, options: StartOptions = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'logharbor-test-'));
  const config = { ...loadServerConfig({ port: '0', 'data-dir': dataDir, 'sqlite-synchronous': 'NORMAL' }, {}), ...overrides };
  const server = await startServer(config, { logger: quietLogger, ...options });
  const clients: CloudWatchLogsClient[] = [];
  return {
    server,
    url: server.url,
    dataDir,
    client(region = 'us-east-1') {
      const client = new CloudWatchLogsClient({
        endpoint: server.url,
        region,
        credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
        maxAttempts: 1,
      });
      clients.push(client);
      return client;
    },
    async close() {
      for (const c of clients) c.destroy();
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs fn and returns the error it throws (fails if it does not throw). */
export async function errorOf(fn: () => Promise<unknown>): Promise<{ name: string; message: string; $metadata?: { httpStatusCode?: number } }> {
  try {
    await fn();
  } catch (err) {
    return err as { name: string; message: string };
  }
  throw new Error('expected an error');
}
