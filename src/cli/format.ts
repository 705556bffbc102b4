/** Output: event lines (plain, coloured, JSON), JMESPath over JSON messages, tables and sizes. */
import jmespath from 'jmespath';
import { UsageError } from './errors.js';
import type { CliEvent } from './events.js';
import { formatTimestamp } from './time.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Colour on a terminal, none when piped; NO_COLOR and --no-color win over FORCE_COLOR. */
export function useColor(isTTY: boolean, env: Env, noColorFlag: boolean): boolean {
  if (noColorFlag) return false;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  return isTTY;
}

/** Distinct readable foreground colours (ANSI), one picked per stream. */
const PALETTE = [32, 36, 33, 35, 34, 92, 96, 93, 95, 94, 31, 91] as const;

export function colorIndex(key: string): number {
  // FNV-1a: the same stream gets the same colour in every run.
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % PALETTE.length;
}

export const paint = (text: string, code: number) => `\u001b[${code}m${text}\u001b[0m`;
export const dim = (text: string, color: boolean) => (color ? paint(text, 2) : text);

export interface EventFormat {
  readonly color: boolean;
  readonly utc: boolean;
  readonly json: boolean;
  readonly expand: boolean;
  readonly showGroup: boolean;
  readonly showStream: boolean;
  readonly showTimestamp: boolean;
  readonly showIngestionTime: boolean;
  /** A compiled JMESPath expression applied to JSON messages. */
  readonly query: string | undefined;
}

function parseJsonMessage(message: string): unknown {
  const trimmed = message.trim();
  if (!(trimmed.startsWith('{') || trimmed.startsWith('['))) return undefined;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return undefined;
  }
}

export function checkQuery(query: string | undefined): void {
  if (query === undefined) return;
  try {
    jmespath.search({}, query);
  } catch (err) {
    throw new UsageError(`--query: invalid JMESPath expression '${query}': ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * The message as shown: a --query result (strings as is, the rest as JSON; messages that are not
 * JSON unchanged; undefined when the query selects nothing, so the event is left out), expanded
 * when asked.
 */
export function renderMessage(message: string, format: Pick<EventFormat, 'expand' | 'query'>): string | undefined {
  if (format.query === undefined && !format.expand) return message;
  const parsed = parseJsonMessage(message);
  if (parsed === undefined) return message;
  let value: unknown = parsed;
  if (format.query !== undefined) {
    value = jmespath.search(parsed, format.query) as unknown;
    if (value === null || value === undefined) return undefined;
    if (typeof value === 'string') return value;
  }
  return format.expand ? JSON.stringify(value, null, 2) : JSON.stringify(value);
}

/** One event as output: a line (or lines with --expand), or a JSON object per line with --json. */
export function formatEvent(event: CliEvent, format: EventFormat): string | undefined {
  const message = renderMessage(event.message, format);
  if (message === undefined) return undefined;
  if (format.json) {
    return JSON.stringify({
      logGroupName: event.logGroupName,
      logStreamName: event.logStreamName,
      timestamp: formatTimestamp(event.timestamp, format.utc),
      ingestionTime: formatTimestamp(event.ingestionTime, format.utc),
      ...(event.eventId !== undefined ? { eventId: event.eventId } : {}),
      message: format.query !== undefined || format.expand ? parsedOr(message) : event.message,
    });
  }
  const columns: string[] = [];
  const streamColor = PALETTE[colorIndex(`${event.logGroupName}\u0000${event.logStreamName}`)]!;
  if (format.showTimestamp) columns.push(dim(formatTimestamp(event.timestamp, format.utc), format.color));
  if (format.showIngestionTime) columns.push(dim(formatTimestamp(event.ingestionTime, format.utc), format.color));
  if (format.showGroup) columns.push(format.color ? paint(event.logGroupName, streamColor) : event.logGroupName);
  if (format.showStream) columns.push(format.color ? paint(event.logStreamName, streamColor) : event.logStreamName);
  columns.push(message.replace(/\r?\n$/, ''));
  return columns.join(' ');
}

/** In --json output a query result or expanded message stays JSON, not a string of JSON. */
function parsedOr(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** 1536 -> '1.5 KiB'. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** Left-aligned columns separated by two spaces; the header dimmed on a terminal. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], color: boolean): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [dim(line(header), color), ...rows.map(line)].map((l) => `${l}\n`).join('');
}
