/** What a CLI run touches of the outside world; tests inject their own. */
import type { Readable } from 'node:stream';

export interface OutputStream {
  /** Returns false when the reader is behind (Node streams); then 'drain' follows. */
  write(chunk: string): unknown;
  once?(event: 'drain', listener: () => void): unknown;
}

export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly stdin: Readable;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether stdout is a terminal (decides colour); defaults to process.stdout.isTTY. */
  readonly isTTY: boolean;
  /** Stops long-running commands (tail --follow) when aborted; defaults to SIGINT/SIGTERM. */
  readonly signal?: AbortSignal;
  /** The current time in epoch milliseconds (tests pin it). */
  now(): number;
}

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    isTTY: process.stdout.isTTY === true,
    now: () => Date.now(),
  };
}
