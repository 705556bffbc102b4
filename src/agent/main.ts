/** Entry of `logharbor run` and `logharbor agent`. */
import { basename, join } from 'node:path';
import { createHash } from 'node:crypto';
import { AgentConfigError, defaultStateDir, RUN_VARIABLES, shippingFromFlags } from './config.js';
import { tuneHeapForAgent } from './heap.js';
import { LEVEL_FORMATS, type LevelFormat } from './level.js';
import { lockDir, startRuntime, TargetResolver } from './runtime.js';
import { runProcess } from './sources/process.js';
import { parseTemplate, TemplateError } from './template.js';

const BOOLEAN_FLAGS = new Set(['help', 'no-spool']);

/** `--key value`, `--key=value`; stops at `--` or at the first argument that is not a flag. */
export function parseArgs(argv: readonly string[], stopAtPositional: boolean): { flags: Record<string, string | true>; rest: string[] } {
  const flags: Record<string, string | true> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      if (stopAtPositional) {
        rest.push(...argv.slice(i));
        break;
      }
      rest.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (eq > 0) flags[name] = arg.slice(eq + 1);
    else if (BOOLEAN_FLAGS.has(name) || name === 'h') flags[name] = true;
    else {
      const value = argv[i + 1];
      if (value === undefined) throw new AgentConfigError(`--${name} needs a value`);
      flags[name] = value;
      i++;
    }
  }
  return { flags, rest };
}

export async function runAgentCommand(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...args] = argv;
  if (command === 'run' || command === 'agent') tuneHeapForAgent();
  // The program `run` starts gets the environment as it was given to us.
  const childEnv = { ...env };
  // The SDK warns on stderr about Node versions; under `run` that line would look like the program's.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  try {
    if (command === 'run') return await runCommand(args, env, childEnv);
    if (command === 'agent') return await agentCommand(args, env);
  } catch (err) {
    if (err instanceof AgentConfigError || err instanceof TemplateError) {
      process.stderr.write(`logharbor ${command}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  process.stderr.write(`logharbor: unknown agent command '${String(command)}'\n`);
  return 2;
}

async function runCommand(args: readonly string[], env: NodeJS.ProcessEnv, childEnv: NodeJS.ProcessEnv): Promise<number> {
  const { flags, rest } = parseArgs(args, true);
  if (flags['help'] === true) {
    process.stdout.write(RUN_HELP);
    return 0;
  }
  const [program, ...programArgs] = rest;
  if (program === undefined) {
    process.stderr.write(`logharbor run: no command given\n\n${RUN_HELP}`);
    return 2;
  }
  const str = (name: string): string | undefined => {
    const v = flags[name];
    return typeof v === 'string' ? v : undefined;
  };
  const levelFormat = (str('level-format') ?? 'prefix') as LevelFormat;
  if (!LEVEL_FORMATS.includes(levelFormat)) throw new AgentConfigError(`--level-format must be one of ${LEVEL_FORMATS.join(', ')}`);
  const groupSource = str('group') ?? '/logharbor/run/{command}';
  const streamSource = str('stream') ?? '{hostname}';
  const group = parseTemplate(groupSource, RUN_VARIABLES);
  const stream = parseTemplate(streamSource, RUN_VARIABLES);
  const reportGroup = parseTemplate(groupSource, RUN_VARIABLES);
  const reportStream = parseTemplate(`${streamSource}/logharbor-agent`, RUN_VARIABLES);

  // The default spool is per (group, stream) templates, so that a later run ships what an earlier
  // one could not; a concurrent run of the same program gets its own.
  const spoolKey = createHash('sha256').update(`${groupSource}\n${streamSource}`).digest('hex').slice(0, 16);
  const shipping = shippingFromFlags(flags, join(defaultStateDir(env), 'run', spoolKey));
  let unlock: (() => void) | undefined;
  let spoolDir = shipping.spoolDir;
  if (spoolDir !== undefined) {
    unlock = lockDir(spoolDir);
    if (!unlock) {
      spoolDir = `${spoolDir}.${process.pid}`;
      unlock = lockDir(spoolDir);
    }
  }
  const log = (line: string) => process.stderr.write(`logharbor run: ${line}\n`);
  let childPid = '';
  const commandName = basename(program);
  const runVariables = (variable: string) => (variable === 'command' ? commandName : variable === 'pid' ? childPid : undefined);
  const wantInstanceId = [group, stream].some((t) => t.variables.includes('instance_id'));
  const runtime = await startRuntime({
    shipping,
    env,
    log,
    wantInstanceId,
    spoolDir,
    reportTarget: { group: { ...reportGroup, render: (l) => reportGroup.render((v) => runVariables(v) ?? l(v)) }, stream: { ...reportStream, render: (l) => reportStream.render((v) => runVariables(v) ?? l(v)) } },
  });
  const resolver = new TargetResolver(runtime, group, stream, runtime.lookup(runVariables), shipping.retentionInDays);
  const code = await runProcess({
    command: program,
    args: programArgs,
    env: childEnv,
    pipeline: runtime.pipeline,
    target: (now) => resolver.at(now),
    levelFormat,
    levelKey: str('level-key') ?? 'level',
    maxLineBytes: shipping.maxEventBytes,
    onStart: (pid) => {
      childPid = String(pid);
    },
    log,
  });
  await runtime.close();
  unlock?.();
  return code;
}

async function agentCommand(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { flags } = parseArgs(args, false);
  if (flags['help'] === true) {
    process.stdout.write(AGENT_HELP);
    return 0;
  }
  const file = typeof flags['config'] === 'string' ? flags['config'] : undefined;
  if (!file) {
    process.stderr.write(`logharbor agent: --config FILE is required\n\n${AGENT_HELP}`);
    return 2;
  }
  const { loadAgentConfig } = await import('./config-file.js');
  let config = loadAgentConfig(file, env);
  const overrides: Record<string, string | undefined> = {};
  if (typeof flags['endpoint'] === 'string') overrides['endpoint'] = flags['endpoint'];
  if (typeof flags['region'] === 'string') overrides['region'] = flags['region'];
  if (Object.keys(overrides).length > 0) config = { ...config, shipping: { ...config.shipping, ...overrides } };
  const { runAgent } = await import('./agent.js');
  return runAgent(config, env);
}

const RUN_HELP = `Usage: logharbor run [options] -- <command> [args...]

Runs a program, passes its stdout and stderr through unchanged, and ships each stdout line as an
INFO event and each stderr line as an ERROR event. Exits with the program's exit code (128 + N if
it was killed by signal N) after a final flush of at most --final-flush-timeout-ms.

Options:
  --group G                   log group template (default /logharbor/run/{command})
  --stream S                  log stream template (default {hostname})
  --endpoint URL              a Logharbor server (default: real AWS)
  --region R                  region (default: the AWS SDK's chain, or us-east-1 with --endpoint)
  --level-format F            prefix (default: "INFO <line>"), json ({"level":"INFO",...}) or none
  --level-key K               the JSON field for --level-format json (default level)
  --retention-in-days N       retention for groups the agent ships to
  --flush-interval-ms N       ship at least this often (default 1000)
  --max-buffer-bytes N        memory buffer bound (default 8388608)
  --spool-dir DIR             on-disk spool (default $XDG_STATE_HOME/logharbor/run/<hash>)
  --max-spool-bytes N         spool bound (default 268435456)
  --no-spool                  memory buffer only
  --final-flush-timeout-ms N  bound on the flush at exit (default 5000)
  --report-interval-ms N      how often drops are reported (default 60000)

Templates: {hostname} {instance_id} {date} {command} {pid} {env.NAME} \${NAME}
Example:
  logharbor run --endpoint http://127.0.0.1:4588 --group /dev/api -- node server.js
`;

const AGENT_HELP = `Usage: logharbor agent --config agent.yaml [--endpoint URL] [--region R]

Tails files and Docker containers as configured in agent.yaml and ships them to CloudWatch Logs
(or Logharbor with --endpoint). See docs/agent.md for every key.
`;
