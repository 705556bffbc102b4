/** What every command module exports, and what it is given to run. */
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { GLOBAL_OPTIONS, type OptionSpecs, type ParsedArgs } from './args.js';
import type { Connection } from './client.js';
import type { CliIo } from './io.js';

/** What a positional argument is, for shell completion. */
export type PositionalKind = 'group' | 'source' | 'none' | 'shell';

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: readonly string[];
  readonly description: string;
  readonly options: OptionSpecs;
  readonly examples: readonly string[];
  readonly positional: PositionalKind;
  /** Words that may follow the command name (e.g. groups create|delete). */
  readonly subcommands?: readonly string[];
  run(ctx: CommandContext): Promise<number>;
}

export interface CommandContext {
  readonly io: CliIo;
  readonly args: ParsedArgs;
  readonly color: boolean;
  /** Aborted by SIGINT/SIGTERM (or the test): long-running commands stop and return. */
  readonly signal: AbortSignal;
  connection(): Connection;
  client(): CloudWatchLogsClient;
  /** The endpoint for messages: the URL, or AWS's regional endpoint. */
  endpoint(): string;
  /** Writes one line to stdout. */
  out(line: string): void;
  /** Writes one line to stdout and waits while the reader is behind (for long event streams). */
  emit(line: string): Promise<void>;
  /** Writes one line to stderr. */
  err(line: string): void;
}

function optionLines(options: OptionSpecs): string[] {
  const entries = Object.entries(options).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.value ? ` ${spec.value}` : ''}`;
    return [flag, spec.description] as const;
  });
  const width = Math.max(...entries.map(([flag]) => flag.length)) + 2;
  return entries.map(([flag, description]) => `  ${flag.padEnd(width)}${description}`);
}

export function commandHelp(command: Command): string {
  const lines = [
    ...command.usage.map((u, i) => `${i === 0 ? 'Usage: ' : '       '}${u}`),
    '',
    command.description,
  ];
  if (Object.keys(command.options).length > 0) lines.push('', 'Options:', ...optionLines(command.options));
  lines.push('', 'Connection and output:', ...optionLines(GLOBAL_OPTIONS));
  lines.push('', 'Examples:', ...command.examples.map((e) => `  ${e}`));
  return `${lines.join('\n')}\n`;
}
