/* eslint-disable no-control-regex -- ANSI colour codes start with ESC */
/** Running the CLI in-process against a test server, with captured output. */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runCli } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: Record<string, string | undefined>;
  readonly stdin?: string;
  readonly isTTY?: boolean;
  readonly signal?: AbortSignal;
  readonly now?: () => number;
  /** Called with each stdout chunk as it is written (for following). */
  readonly onStdout?: (chunk: string) => void;
}

/** An environment that reaches `endpoint` with dev keys and never reads the user's ~/.aws. */
export function cliEnv(endpoint: string, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const nowhere = join(tmpdir(), 'logharbor-cli-test-no-such-dir');
  return {
    LOGHARBOR_ENDPOINT: endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDTEST',
    AWS_SECRET_ACCESS_KEY: 'secret',
    HOME: nowhere,
    AWS_CONFIG_FILE: join(nowhere, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(nowhere, 'credentials'),
    ...extra,
  };
}

export async function run(argv: readonly string[], options: RunOptions & { env: Record<string, string | undefined> }): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: {
      write: (chunk: string) => {
        stdout += chunk;
        options.onStdout?.(chunk);
        return true;
      },
    },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: Readable.from(options.stdin !== undefined ? [options.stdin] : []),
    env: options.env,
    isTTY: options.isTTY ?? false,
    now: options.now ?? (() => Date.now()),
    signal: options.signal ?? new AbortController().signal,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

export const lines = (text: string) => text.split('\n').filter((l) => l !== '');

/** Strips ANSI colour codes. */
export const plain = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '');

/**
 * A proxy to `target` that answers StartLiveTail as an endpoint without it does
 * (UnknownOperationException, like Logharbor before live tail or an emulator that lacks it).
 */
export async function startProxyWithoutLiveTail(target: string): Promise<{ url: string; liveTailRequests: () => number; close(): Promise<void> }> {
  let liveTailRequests = 0;
  const server: Server = createServer((req, res) => {
    const operation = String(req.headers['x-amz-target'] ?? '');
    if (operation.endsWith('.StartLiveTail')) {
      liveTailRequests++;
      req.resume();
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ __type: 'UnknownOperationException', message: 'Operation StartLiveTail is not supported by this server.' }));
      return;
    }
    const upstream = request(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    liveTailRequests: () => liveTailRequests,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
