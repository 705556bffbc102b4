/** The `logharbor` command-line client. It speaks only the CloudWatch Logs API, through the AWS SDK. */
import { readFileSync } from 'node:fs';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { parseCommandArgs } from './args.js';
import { createClient, endpointLabel, resolveConnection, type Connection } from './client.js';
import { commandHelp, type Command, type CommandContext } from './command.js';
import { COMMANDS } from './commands/index.js';
import { EXIT, describeError } from './errors.js';
import { useColor } from './format.js';
import { processIo, type CliIo } from './io.js';

/**
 * Runs one command line (argv without the program name) and returns the exit code.
 * `io` replaces stdout, stderr, stdin, the environment and the clock (tests); by default the process's.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    io.stdout.write(mainHelp());
    return EXIT.ok;
  }
  if (name === '--version') {
    io.stdout.write(`logharbor ${version()}\n`);
    return EXIT.ok;
  }
  if (name === 'help') {
    const topic = rest[0];
    const command = COMMANDS.find((c) => c.name === topic);
    if (topic !== undefined && !command) return unknownCommand(io, topic);
    io.stdout.write(command ? commandHelp(command) : mainHelp());
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) return unknownCommand(io, name);
  return runCommand(command, rest, io);
}

async function runCommand(command: Command, argv: readonly string[], io: CliIo): Promise<number> {
  const controller = new AbortController();
  let stopCode: number = EXIT.ok;
  const stop = (code: number) => () => {
    stopCode = code;
    controller.abort();
  };
  const onSigint = stop(EXIT.interrupted);
  const onSigterm = stop(128 + 15);
  const onStdoutError = (err: NodeJS.ErrnoException) => {
    // The reader went away (`| head`): stop quietly, as Unix tools do.
    if (err.code === 'EPIPE') stop(EXIT.ok)();
  };
  const ownProcess = io.signal === undefined;
  if (ownProcess) {
    process.once('SIGINT', onSigint);
    process.once('SIGTERM', onSigterm);
    if (io.stdout === process.stdout) process.stdout.on('error', onStdoutError);
  } else if (io.signal.aborted) controller.abort();
  else io.signal.addEventListener('abort', stop(EXIT.ok), { once: true });

  let connection: Connection | undefined;
  let client: CloudWatchLogsClient | undefined;
  const write = (stream: CliIo['stdout'], line: string) => stream.write(`${line}\n`);
  let code: number;
  try {
    const args = parseCommandArgs(command.name, argv, command.options);
    if (args.booleans['help']) {
      io.stdout.write(commandHelp(command));
      return EXIT.ok;
    }
    const getConnection = () =>
      (connection ??= resolveConnection({ endpoint: args.strings['endpoint'], region: args.strings['region'], profile: args.strings['profile'] }, io.env));
    const ctx: CommandContext = {
      io,
      args,
      color: useColor(io.isTTY, io.env, args.booleans['no-color'] === true),
      signal: controller.signal,
      connection: getConnection,
      client: () => (client ??= createClient(getConnection())),
      endpoint: () => endpointLabel(getConnection()),
      out: (line) => void write(io.stdout, line),
      err: (line) => void write(io.stderr, line),
      emit: async (line) => {
        if (controller.signal.aborted) throw controller.signal.reason;
        if (write(io.stdout, line) === false && io.stdout.once) await drained(io.stdout, controller.signal);
      },
    };
    code = await command.run(ctx);
  } catch (err) {
    // Once stopped, whatever the interrupted request threw ('aborted', AbortError) is no error.
    if (controller.signal.aborted) return stopCode;
    const { message, exitCode } = describeError(err, connection ? { endpoint: endpointLabel(connection), profile: connection.profile } : undefined);
    io.stderr.write(`logharbor ${command.name}: ${message.replace(/^logharbor [a-z ]+: /, '')}\n`);
    return exitCode;
  } finally {
    client?.destroy();
    if (ownProcess) {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
      if (io.stdout === process.stdout) process.stdout.off('error', onStdoutError);
    }
  }
  // A command stopped by a signal reports it, as shells expect (130 for Ctrl-C).
  return controller.signal.aborted ? stopCode : code;
}

function drained(stream: NonNullable<CliIo['stdout']>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    stream.once?.('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

function unknownCommand(io: CliIo, name: string): number {
  const guess = COMMANDS.map((c) => c.name).find((n) => editDistance(n, name) <= 2);
  io.stderr.write(`logharbor: unknown command '${name}'.${guess ? ` Did you mean '${guess}'?` : ''} Run 'logharbor --help'.\n`);
  return EXIT.usage;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), 'server'.length) + 2;
  return `Usage: logharbor <command> [options]

Reads and writes logs through the CloudWatch Logs API, against Logharbor or AWS alike.

Commands:
  ${'server'.padEnd(width)}start the Logharbor server (logharbor server --help)
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')}

Run 'logharbor <command> --help' for a command's options and examples.

Connection: --endpoint URL (or LOGHARBOR_ENDPOINT, or the profile's endpoint_url), --region,
--profile; credentials come from the AWS SDK's default chain (environment, profiles, SSO, roles).

Exit codes: 0 ok, 1 error, 2 usage error or invalid value, 3 log group or stream not found,
4 no or rejected credentials, 5 endpoint unreachable, 130 interrupted.

Examples:
  export LOGHARBOR_ENDPOINT=http://127.0.0.1:4588
  logharbor groups
  logharbor get '/prod/*' --start '10mins ago' --filter ERROR
  logharbor tail /prod/api --follow
  echo hello | logharbor put /dev/test manual
`;
}
