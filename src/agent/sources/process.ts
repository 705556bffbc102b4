/**
 * `logharbor run`: starts a program, passes its stdout and stderr through unchanged, and ships each
 * stdout line as INFO and each stderr line as ERROR. Signals sent to the agent go to the program.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { withLevel, type LevelFormat } from '../level.js';
import { LineSplitter } from '../lines.js';
import type { Pipeline } from '../pipeline.js';

export interface RunProcessOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly pipeline: Pipeline;
  /** The target id for an event at time `now`. */
  readonly target: (now: number) => number;
  readonly levelFormat: LevelFormat;
  readonly levelKey: string;
  readonly maxLineBytes: number;
  readonly stdout?: Writable;
  readonly stderr?: Writable;
  /** Called once the child has started, with its pid. */
  readonly onStart?: (pid: number) => void;
  readonly log: (line: string) => void;
}

const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

/** Resolves with the exit code to report: the child's, 128 + signal number, or 127 if it could not start. */
export function runProcess(options: RunProcessOptions): Promise<number> {
  const { pipeline } = options;
  const out = options.stdout ?? process.stdout;
  const err = options.stderr ?? process.stderr;
  return new Promise((resolve) => {
    const child = spawn(options.command, [...options.args], { stdio: ['inherit', 'pipe', 'pipe'], ...(options.env ? { env: options.env } : {}) });
    const forward = (signal: NodeJS.Signals) => {
      child.kill(signal);
    };
    const handlers = FORWARDED_SIGNALS.map((signal) => {
      const handler = () => forward(signal);
      process.on(signal, handler);
      return [signal, handler] as const;
    });
    let exitCode: number | undefined;
    let streamsOpen = 2;
    let finished = false;
    const finish = () => {
      if (finished || exitCode === undefined) return;
      finished = true;
      for (const [signal, handler] of handlers) process.off(signal, handler);
      resolve(exitCode);
    };
    const pipe = (source: Readable, sink: Writable, level: 'INFO' | 'ERROR') => {
      const splitter = new LineSplitter(options.maxLineBytes);
      let now = 0;
      const onLine = (line: string) => pipeline.push(options.target(now), now, withLevel(line, level, options.levelFormat, options.levelKey));
      source.on('data', (chunk: Buffer) => {
        // Pass through first: the terminal sees exactly what the program wrote.
        if (!sink.write(chunk)) {
          source.pause();
          sink.once('drain', () => source.resume());
        }
        now = Date.now();
        splitter.push(chunk, onLine);
      });
      source.on('close', () => {
        now = Date.now();
        splitter.end(onLine);
        streamsOpen--;
        if (streamsOpen === 0) finish();
      });
    };
    pipe(child.stdout, out, 'INFO');
    pipe(child.stderr, err, 'ERROR');
    child.on('spawn', () => {
      if (child.pid !== undefined) options.onStart?.(child.pid);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      options.log(`cannot start '${options.command}': ${error.code ?? error.message}`);
      exitCode = error.code === 'EACCES' ? 126 : 127;
      finished = false;
      finish();
    });
    child.on('exit', (code, signal) => {
      exitCode = code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
      if (streamsOpen === 0) finish();
      // A grandchild may keep the pipes open; do not wait for it for long.
      else
        setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
          finish();
        }, 2000).unref();
    });
  });
}
