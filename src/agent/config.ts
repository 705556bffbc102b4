/**
 * The agent's configuration: agent.yaml for `logharbor agent`, flags for `logharbor run`. Parsed
 * once into typed values (parse, don't cast); every key is documented in docs/agent.md.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { LEVEL_FORMATS, type LevelFormat } from './level.js';
import { MAX_EVENT_MESSAGE_BYTES, RETENTION_DAYS } from './limits.js';
import { parseTemplate, type Template } from './template.js';
import { compileTimestamp, type TimestampParser, type TimeZone } from './timestamp.js';

export class AgentConfigError extends Error {}

export interface ShippingConfig {
  readonly endpoint: string | undefined;
  readonly region: string | undefined;
  readonly flushIntervalMs: number;
  readonly maxBufferBytes: number;
  /** undefined: no spool (memory only). */
  readonly spoolDir: string | undefined;
  readonly maxSpoolBytes: number;
  readonly maxEventBytes: number;
  readonly reportIntervalMs: number;
  readonly retentionInDays: number | undefined;
  readonly finalFlushTimeoutMs: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly requestTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly instanceId: { readonly enabled: boolean; readonly endpoint: string | undefined; readonly timeoutMs: number };
}

export interface MultilineConfig {
  readonly startPattern: RegExp;
  readonly timeoutMs: number;
  readonly maxLines: number;
}

export interface FileSourceConfig {
  readonly paths: readonly string[];
  readonly exclude: readonly string[];
  readonly group: Template;
  readonly stream: Template;
  readonly startPosition: 'beginning' | 'end';
  readonly multiline: MultilineConfig | undefined;
  readonly timestamp: TimestampParser | undefined;
  /** For JSON lines: the field holding the timestamp. */
  readonly timestampKey: string | undefined;
  readonly json: boolean;
  readonly retentionInDays: number | undefined;
  readonly rotateWaitMs: number;
}

export interface DockerSourceConfig {
  readonly socket: string;
  readonly group: Template;
  readonly stream: Template;
  readonly levelFormat: LevelFormat;
  readonly retentionInDays: number | undefined;
}

export interface AgentConfig {
  readonly shipping: ShippingConfig;
  readonly stateDir: string;
  readonly pollIntervalMs: number;
  readonly checkpointIntervalMs: number;
  readonly agentLog: { readonly group: Template; readonly stream: Template };
  readonly files: readonly FileSourceConfig[];
  readonly docker: DockerSourceConfig | undefined;
}

const HOST_VARIABLES = ['hostname', 'instance_id', 'date'];
export const FILE_VARIABLES = [...HOST_VARIABLES, 'filename', 'path'];
export const DOCKER_VARIABLES = [...HOST_VARIABLES, 'container.name', 'container.id', 'container.short_id', 'container.image', 'container.label.', 'container.env.'];
export const RUN_VARIABLES = [...HOST_VARIABLES, 'command', 'pid'];

/** $XDG_STATE_HOME/logharbor or ~/.local/state/logharbor. */
export function defaultStateDir(env: NodeJS.ProcessEnv): string {
  return join(env['XDG_STATE_HOME'] ?? join(homedir(), '.local', 'state'), 'logharbor');
}

type Obj = Record<string, unknown>;

class Reader {
  constructor(
    private readonly obj: Obj,
    private readonly where: string,
    known: readonly string[],
  ) {
    for (const key of Object.keys(obj)) {
      if (!known.includes(key)) throw new AgentConfigError(`${where}${key}: unknown key (known: ${known.join(', ')})`);
    }
  }

  string(key: string): string | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || v.length === 0) throw new AgentConfigError(`${this.where}${key}: must be a non-empty string`);
    return v;
  }

  number(key: string, min: number): number | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new AgentConfigError(`${this.where}${key}: must be a number >= ${min}`);
    return v;
  }

  boolean(key: string): boolean | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw new AgentConfigError(`${this.where}${key}: must be true or false`);
    return v;
  }

  strings(key: string): string[] | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    const list = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(list) || list.some((s) => typeof s !== 'string' || s.length === 0)) throw new AgentConfigError(`${this.where}${key}: must be a string or a list of strings`);
    return list as string[];
  }

  object(key: string): Obj | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw new AgentConfigError(`${this.where}${key}: must be a mapping`);
    return v as Obj;
  }

  oneOf<T extends string>(key: string, values: readonly T[]): T | undefined {
    const v = this.string(key);
    if (v !== undefined && !values.includes(v as T)) throw new AgentConfigError(`${this.where}${key}: must be one of ${values.join(', ')}`);
    return v as T | undefined;
  }

  retention(key: string): number | undefined {
    const v = this.number(key, 1);
    if (v !== undefined && !RETENTION_DAYS.includes(v)) throw new AgentConfigError(`${this.where}${key}: must be one of ${RETENTION_DAYS.join(', ')}`);
    return v;
  }

  template(key: string, fallback: string, variables: readonly string[]): Template {
    const source = this.string(key) ?? fallback;
    try {
      return parseTemplate(source, variables);
    } catch (err) {
      throw new AgentConfigError(`${this.where}${key}: ${(err as Error).message}`);
    }
  }

  regex(key: string): RegExp | undefined {
    const v = this.string(key);
    if (v === undefined) return undefined;
    try {
      return new RegExp(v);
    } catch (err) {
      throw new AgentConfigError(`${this.where}${key}: invalid regular expression: ${(err as Error).message}`);
    }
  }
}

const SHIPPING_KEYS = [
  'endpoint',
  'region',
  'flush_interval_ms',
  'max_buffer_bytes',
  'spool',
  'spool_dir',
  'max_spool_bytes',
  'max_event_bytes',
  'report_interval_ms',
  'retention_in_days',
  'final_flush_timeout_ms',
  'backoff_base_ms',
  'backoff_max_ms',
  'request_timeout_ms',
  'connect_timeout_ms',
  'instance_id',
];

export const SHIPPING_DEFAULTS = {
  flushIntervalMs: 1000,
  maxBufferBytes: 8 * 1024 * 1024,
  maxSpoolBytes: 256 * 1024 * 1024,
  reportIntervalMs: 60_000,
  finalFlushTimeoutMs: 5000,
  backoffBaseMs: 200,
  backoffMaxMs: 5000,
  requestTimeoutMs: 30_000,
  connectTimeoutMs: 3000,
};

function readShipping(r: Reader, defaultSpoolDir: string, baseDir: string): ShippingConfig {
  const spoolEnabled = r.boolean('spool') ?? true;
  const spoolDir = r.string('spool_dir');
  const imds = r.object('instance_id');
  const imdsReader = imds ? new Reader(imds, 'instance_id.', ['enabled', 'endpoint', 'timeout_ms']) : undefined;
  const maxEventBytes = r.number('max_event_bytes', 1) ?? MAX_EVENT_MESSAGE_BYTES;
  if (maxEventBytes > MAX_EVENT_MESSAGE_BYTES) throw new AgentConfigError(`max_event_bytes: must be at most ${MAX_EVENT_MESSAGE_BYTES}`);
  return {
    endpoint: r.string('endpoint'),
    region: r.string('region'),
    flushIntervalMs: r.number('flush_interval_ms', 10) ?? SHIPPING_DEFAULTS.flushIntervalMs,
    maxBufferBytes: r.number('max_buffer_bytes', 1024) ?? SHIPPING_DEFAULTS.maxBufferBytes,
    spoolDir: spoolEnabled ? resolve(baseDir, spoolDir ?? defaultSpoolDir) : undefined,
    maxSpoolBytes: r.number('max_spool_bytes', 0) ?? SHIPPING_DEFAULTS.maxSpoolBytes,
    maxEventBytes,
    reportIntervalMs: r.number('report_interval_ms', 100) ?? SHIPPING_DEFAULTS.reportIntervalMs,
    retentionInDays: r.retention('retention_in_days'),
    finalFlushTimeoutMs: r.number('final_flush_timeout_ms', 0) ?? SHIPPING_DEFAULTS.finalFlushTimeoutMs,
    backoffBaseMs: r.number('backoff_base_ms', 1) ?? SHIPPING_DEFAULTS.backoffBaseMs,
    backoffMaxMs: r.number('backoff_max_ms', 1) ?? SHIPPING_DEFAULTS.backoffMaxMs,
    requestTimeoutMs: r.number('request_timeout_ms', 100) ?? SHIPPING_DEFAULTS.requestTimeoutMs,
    connectTimeoutMs: r.number('connect_timeout_ms', 100) ?? SHIPPING_DEFAULTS.connectTimeoutMs,
    instanceId: {
      enabled: imdsReader?.boolean('enabled') ?? true,
      endpoint: imdsReader?.string('endpoint'),
      timeoutMs: imdsReader?.number('timeout_ms', 1) ?? 500,
    },
  };
}

/**
 * The configuration from agent.yaml's parsed document (config-file.ts reads and parses the YAML, so
 * that `logharbor run` does not load a YAML parser). `file` is used for messages and to resolve
 * relative paths.
 */
export function agentConfigFromDocument(doc: unknown, file: string, env: NodeJS.ProcessEnv): AgentConfig {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new AgentConfigError(`${file}: must be a YAML mapping`);
  const baseDir = resolve(file, '..');
  const top = new Reader(doc as Obj, '', [...SHIPPING_KEYS, 'state_dir', 'poll_interval_ms', 'checkpoint_interval_ms', 'agent_log', 'files', 'docker']);
  const stateDir = resolve(baseDir, top.string('state_dir') ?? join(defaultStateDir(env), 'agent'));
  const shipping = readShipping(top, join(stateDir, 'spool'), baseDir);
  const agentLogObj = top.object('agent_log') ?? {};
  const agentLog = new Reader(agentLogObj, 'agent_log.', ['group', 'stream']);
  const filesValue = (doc as Obj)['files'];
  if (filesValue !== undefined && filesValue !== null && !Array.isArray(filesValue)) throw new AgentConfigError('files: must be a list');
  const files = ((filesValue as unknown[] | undefined) ?? []).map((entry, i) => readFileSource(entry, `files[${i}].`, baseDir));
  const dockerObj = top.object('docker');
  const docker = dockerObj ? readDocker(dockerObj) : undefined;
  if (files.length === 0 && !docker) throw new AgentConfigError(`${file}: nothing to ship: add 'files' or 'docker'`);
  return {
    shipping,
    stateDir,
    pollIntervalMs: top.number('poll_interval_ms', 10) ?? 250,
    checkpointIntervalMs: top.number('checkpoint_interval_ms', 10) ?? 1000,
    agentLog: {
      group: agentLog.template('group', '/logharbor/agent', HOST_VARIABLES),
      stream: agentLog.template('stream', '{hostname}', HOST_VARIABLES),
    },
    files,
    docker,
  };
}

function readFileSource(entry: unknown, where: string, baseDir: string): FileSourceConfig {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw new AgentConfigError(`${where.slice(0, -1)}: must be a mapping`);
  const r = new Reader(entry as Obj, where, ['path', 'paths', 'exclude', 'group', 'stream', 'start_position', 'multiline', 'timestamp', 'json', 'retention_in_days', 'rotate_wait_ms']);
  const paths = [...(r.strings('path') ?? []), ...(r.strings('paths') ?? [])].map((p) => resolve(baseDir, p));
  if (paths.length === 0) throw new AgentConfigError(`${where}path: required (a file or a glob)`);
  const timestampObj = r.object('timestamp');
  let timestamp: TimestampParser | undefined;
  let timestampKey: string | undefined;
  if (timestampObj) {
    const t = new Reader(timestampObj, `${where}timestamp.`, ['format', 'timezone', 'key']);
    const format = t.string('format') ?? 'iso8601';
    const timezone: TimeZone = t.oneOf('timezone', ['UTC', 'local'] as const) ?? 'local';
    try {
      timestamp = compileTimestamp(format, timezone);
    } catch (err) {
      throw new AgentConfigError(`${where}timestamp.format: ${(err as Error).message}`);
    }
    timestampKey = t.string('key');
  }
  const multilineObj = r.object('multiline');
  let multiline: MultilineConfig | undefined;
  if (multilineObj) {
    const m = new Reader(multilineObj, `${where}multiline.`, ['start_pattern', 'timeout_ms', 'max_lines']);
    const raw = m.string('start_pattern');
    if (raw === undefined) throw new AgentConfigError(`${where}multiline.start_pattern: required`);
    let startPattern: RegExp;
    if (raw === '{timestamp_format}') {
      if (!timestamp) throw new AgentConfigError(`${where}multiline.start_pattern: {timestamp_format} needs timestamp.format`);
      startPattern = new RegExp(timestamp.pattern);
    } else startPattern = m.regex('start_pattern')!;
    multiline = { startPattern, timeoutMs: m.number('timeout_ms', 1) ?? 1000, maxLines: m.number('max_lines', 1) ?? 1000 };
  }
  return {
    paths,
    exclude: (r.strings('exclude') ?? []).map((p) => resolve(baseDir, p)),
    group: r.template('group', '/logharbor/files/{hostname}', FILE_VARIABLES),
    stream: r.template('stream', '{path}', FILE_VARIABLES),
    startPosition: r.oneOf('start_position', ['beginning', 'end'] as const) ?? 'beginning',
    multiline,
    timestamp,
    timestampKey,
    json: r.boolean('json') ?? false,
    retentionInDays: r.retention('retention_in_days'),
    rotateWaitMs: r.number('rotate_wait_ms', 0) ?? 5000,
  };
}

function readDocker(obj: Obj): DockerSourceConfig {
  const r = new Reader(obj, 'docker.', ['socket', 'group', 'stream', 'level_format', 'retention_in_days']);
  return {
    socket: r.string('socket') ?? '/var/run/docker.sock',
    group: r.template('group', '/logharbor/docker/{hostname}', DOCKER_VARIABLES),
    stream: r.template('stream', '{container.name}', DOCKER_VARIABLES),
    levelFormat: r.oneOf('level_format', LEVEL_FORMATS) ?? 'none',
    retentionInDays: r.retention('retention_in_days'),
  };
}

/** Shipping settings for `logharbor run` from its flags (names as in agent.yaml, with dashes). */
export function shippingFromFlags(flags: Record<string, string | true>, defaultSpoolDir: string): ShippingConfig {
  const obj: Obj = {};
  for (const [flag, value] of Object.entries(flags)) {
    const key = flag.replace(/-/g, '_');
    if (!SHIPPING_KEYS.includes(key) || key === 'instance_id') continue;
    if (value === true) obj[key] = true;
    else if (/^-?\d+(\.\d+)?$/.test(value) && key !== 'endpoint' && key !== 'region' && key !== 'spool_dir') obj[key] = Number(value);
    else if (value === 'true' || value === 'false') obj[key] = value === 'true';
    else obj[key] = value;
  }
  if (flags['no-spool'] === true) obj['spool'] = false;
  const known = Object.keys(obj);
  return readShipping(new Reader(obj, '--', known), defaultSpoolDir, process.cwd());
}
