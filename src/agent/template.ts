/**
 * Log group and stream names are templates: `{hostname}`, `{instance_id}`, `{date}`,
 * `{env.NAME}` or `${NAME}` (the agent's environment), plus source variables such as
 * `{filename}` or `{container.name}`. A template is parsed once; rendering is a join.
 */
import { MAX_GROUP_NAME_LENGTH, MAX_STREAM_NAME_LENGTH } from './limits.js';

type Part = { readonly literal: string } | { readonly variable: string };

export class TemplateError extends Error {}

export interface Template {
  readonly source: string;
  /** The variables the template uses, e.g. ['hostname', 'date']. */
  readonly variables: readonly string[];
  render(lookup: (variable: string) => string | undefined): string;
}

const VARIABLE = /\{([A-Za-z_][A-Za-z0-9_.\-/]*)\}|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Parses a template. `allowed` says which variables this context offers: a name, or a prefix
 * ending in '.' (e.g. 'container.label.'). `env.*` and `${NAME}` are always allowed.
 */
export function parseTemplate(source: string, allowed: readonly string[]): Template {
  const parts: Part[] = [];
  const variables: string[] = [];
  let last = 0;
  for (const match of source.matchAll(VARIABLE)) {
    if (match.index > last) parts.push({ literal: source.slice(last, match.index) });
    const variable = match[1] ?? `env.${match[2]!}`;
    if (!variable.startsWith('env.') && !allowed.some((a) => (a.endsWith('.') ? variable.startsWith(a) && variable.length > a.length : a === variable))) {
      throw new TemplateError(`unknown variable {${variable}} in '${source}' (known: ${[...allowed.map((a) => (a.endsWith('.') ? `{${a}NAME}` : `{${a}}`)), '{env.NAME}'].join(', ')})`);
    }
    parts.push({ variable });
    variables.push(variable);
    last = match.index + match[0].length;
  }
  if (last < source.length) parts.push({ literal: source.slice(last) });
  return {
    source,
    variables,
    render(lookup) {
      let out = '';
      for (const part of parts) out += 'literal' in part ? part.literal : (lookup(part.variable) ?? '');
      return out;
    },
  };
}

/** AWS LogGroupName allows [\.\-_/#A-Za-z0-9]; anything else becomes '_'. */
export function sanitizeGroupName(name: string): string {
  const clean = name.replace(/[^.\-_/#A-Za-z0-9]/g, '_').slice(0, MAX_GROUP_NAME_LENGTH);
  return clean.length > 0 ? clean : '_';
}

/** AWS LogStreamName forbids ':' and '*'. */
export function sanitizeStreamName(name: string): string {
  const clean = name.replace(/[:*]/g, '_').slice(0, MAX_STREAM_NAME_LENGTH);
  return clean.length > 0 ? clean : '_';
}

/** The UTC day, YYYY-MM-DD: what `{date}` renders to. */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
