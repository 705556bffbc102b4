/** Command-line parsing on node:util parseArgs, with the options every command shares. */
import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** For help and completion: what the value is (e.g. 'TIME'). */
  readonly value?: string;
  readonly description: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** Options every command accepts. */
export const GLOBAL_OPTIONS: OptionSpecs = {
  endpoint: { type: 'string', value: 'URL', description: 'the API endpoint (env LOGHARBOR_ENDPOINT; default: the profile\'s endpoint_url, else AWS)' },
  region: { type: 'string', value: 'REGION', description: 'the AWS region (default: AWS_REGION or the profile\'s region)' },
  profile: { type: 'string', value: 'NAME', description: 'a profile of ~/.aws/config and ~/.aws/credentials (default: AWS_PROFILE)' },
  'no-color': { type: 'boolean', description: 'never colour the output (also env NO_COLOR)' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

export interface ParsedArgs {
  readonly positionals: string[];
  readonly strings: Readonly<Record<string, string | undefined>>;
  readonly lists: Readonly<Record<string, readonly string[]>>;
  readonly booleans: Readonly<Record<string, boolean>>;
}

export function parseCommandArgs(command: string, argv: readonly string[], specs: OptionSpecs): ParsedArgs {
  const all: OptionSpecs = { ...GLOBAL_OPTIONS, ...specs };
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries(all)) {
    options[name] = { type: spec.type, ...(spec.short ? { short: spec.short } : {}), ...(spec.multiple ? { multiple: true } : {}) };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`logharbor ${command}: ${usageMessage(err)} (see 'logharbor ${command} --help')`);
  }
  const strings: Record<string, string | undefined> = {};
  const lists: Record<string, string[]> = {};
  const booleans: Record<string, boolean> = {};
  for (const [name, spec] of Object.entries(all)) {
    const value: unknown = (parsed.values as Record<string, unknown>)[name];
    if (spec.type === 'boolean') booleans[name] = value === true;
    else if (spec.multiple) lists[name] = Array.isArray(value) ? value.map(String) : [];
    else {
      if (value === '') throw new UsageError(`logharbor ${command}: --${name} needs a value`);
      strings[name] = typeof value === 'string' ? value : undefined;
    }
  }
  return { positionals: parsed.positionals, strings, lists, booleans };
}

/** parseArgs's messages are long and mention its own API; keep the part a user needs. */
function usageMessage(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  const option = /'(-{1,2}[\w-]+)/.exec(message)?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option ?? message}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return message.includes('argument missing') ? `option ${option ?? ''} needs a value` : `option ${option ?? ''} takes no value`;
    default:
      return message;
  }
}

/** Parses a positive whole number option. */
export function parsePositiveInt(command: string, name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`logharbor ${command}: --${name} must be a whole number of at least 1, not '${value}'`);
  }
  return Number(value);
}
