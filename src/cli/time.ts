/**
 * Time expressions for --start, --end and --since: relative ('10mins ago', '2h', '2d1h20m', 'an hour
 * ago'), clock times ('13:10', the latest such moment not in the future), dates and ISO 8601
 * ('2024-05-01', '2024-05-01 13:10', '2024-05-01T13:10:00.5+02:00'), 'now', 'today', 'yesterday'
 * and epoch seconds or milliseconds. Without an explicit zone, times are local unless `utc`.
 */
import { UsageError } from './errors.js';

export interface TimeOptions {
  /** Epoch milliseconds that relative expressions count back from. */
  readonly now: number;
  /** Read and print zone-less times in UTC instead of local time. */
  readonly utc: boolean;
}

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1, msec: 1, msecs: 1, millisecond: 1, milliseconds: 1,
  s: 1_000, sec: 1_000, secs: 1_000, second: 1_000, seconds: 1_000,
  m: 60_000, min: 60_000, mins: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hr: 3_600_000, hrs: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
  w: 604_800_000, week: 604_800_000, weeks: 604_800_000,
};

const DURATION_PART = /^(\d+(?:\.\d+)?)\s*([a-z]+)\s*(?:,|and\b)?\s*/;

/** '2d1h20m', '10 mins', '1 hour 30 minutes', '90s' as milliseconds; undefined when it is not a duration. */
export function parseDuration(expression: string): number | undefined {
  let rest = expression.trim().toLowerCase().replace(/^an?\s+/, '1 ');
  if (rest === '') return undefined;
  let total = 0;
  while (rest !== '') {
    const match = DURATION_PART.exec(rest);
    if (!match) return undefined;
    const unit = UNIT_MS[match[2]!];
    if (unit === undefined) return undefined;
    total += Number(match[1]) * unit;
    rest = rest.slice(match[0].length);
  }
  return Math.round(total);
}

const CLOCK = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[t ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(z|[+-]\d{2}(?::?\d{2})?)?$/;

interface Fields {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
}

/** Epoch ms of wall-clock fields, in local time, UTC, or at a fixed offset from UTC (minutes). */
function toEpoch(f: Fields, zone: 'local' | 'utc' | number): number {
  if (zone === 'local') return new Date(f.year, f.month - 1, f.day, f.hour, f.minute, f.second, f.ms).getTime();
  const utc = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second, f.ms);
  return zone === 'utc' ? utc : utc - zone * 60_000;
}

function fieldsOf(epoch: number, utc: boolean): Fields {
  const d = new Date(epoch);
  return utc
    ? { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), ms: d.getUTCMilliseconds() }
    : { year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate(), hour: d.getHours(), minute: d.getMinutes(), second: d.getSeconds(), ms: d.getMilliseconds() };
}

function validFields(f: Fields): boolean {
  const daysInMonth = new Date(Date.UTC(f.year, f.month, 0)).getUTCDate();
  return f.month >= 1 && f.month <= 12 && f.day >= 1 && f.day <= daysInMonth && f.hour <= 23 && f.minute <= 59 && f.second <= 59;
}

function midnight(now: number, utc: boolean, daysBack: number): number {
  const today = fieldsOf(now, utc);
  return toEpoch({ ...today, day: today.day - daysBack, hour: 0, minute: 0, second: 0, ms: 0 }, utc ? 'utc' : 'local');
}

/** Epoch ms of a time expression; undefined when the expression is not one. */
export function parseTime(expression: string, options: TimeOptions): number | undefined {
  const text = expression.trim().toLowerCase();
  const { now, utc } = options;
  if (text === 'now') return now;
  if (text === 'today') return midnight(now, utc, 0);
  if (text === 'yesterday') return midnight(now, utc, 1);
  if (/^\d{13}$/.test(text)) return Number(text);
  if (/^\d{10}$/.test(text)) return Number(text) * 1000;

  const clock = CLOCK.exec(text);
  if (clock) {
    const today = fieldsOf(now, utc);
    const f: Fields = { ...today, hour: Number(clock[1]), minute: Number(clock[2]), second: Number(clock[3] ?? 0), ms: Number((clock[4] ?? '0').padEnd(3, '0')) };
    if (!validFields(f)) return undefined;
    const zone = utc ? 'utc' : 'local';
    const at = toEpoch(f, zone);
    // '13:10' at 09:00 means yesterday's 13:10: the latest such moment that is not in the future.
    return at <= now ? at : toEpoch({ ...f, day: f.day - 1 }, zone);
  }

  const iso = ISO.exec(text);
  if (iso) {
    const f: Fields = {
      year: Number(iso[1]),
      month: Number(iso[2]),
      day: Number(iso[3]),
      hour: Number(iso[4] ?? 0),
      minute: Number(iso[5] ?? 0),
      second: Number(iso[6] ?? 0),
      ms: Math.round(Number(`0.${iso[7] ?? '0'}`) * 1000),
    };
    if (!validFields(f)) return undefined;
    const zoneText = iso[8];
    if (zoneText === undefined) return toEpoch(f, utc ? 'utc' : 'local');
    if (zoneText === 'z') return toEpoch(f, 'utc');
    const zone = /^([+-])(\d{2}):?(\d{2})?$/.exec(zoneText)!;
    const offset = (zone[1] === '-' ? -1 : 1) * (Number(zone[2]) * 60 + Number(zone[3] ?? 0));
    if (Math.abs(offset) > 18 * 60) return undefined;
    return toEpoch(f, offset);
  }

  const relative = text.replace(/\s+ago$/, '');
  const duration = parseDuration(relative);
  return duration === undefined ? undefined : now - duration;
}

const TIME_EXAMPLES = "e.g. '10m', '2h ago', '2d1h20m', '13:10', '2024-05-01', '2024-05-01T13:10:00Z'";

/** parseTime for an option: a usage error naming the option when the expression is not a time. */
export function timeOption(command: string, option: string, expression: string | undefined, options: TimeOptions): number | undefined {
  if (expression === undefined) return undefined;
  const at = parseTime(expression, options);
  if (at === undefined) throw new UsageError(`logharbor ${command}: --${option}: '${expression}' is not a time (${TIME_EXAMPLES})`);
  return at;
}

export function durationOption(command: string, option: string, expression: string | undefined): number | undefined {
  if (expression === undefined) return undefined;
  const ms = parseDuration(expression.replace(/\s+ago$/i, ''));
  if (ms === undefined) throw new UsageError(`logharbor ${command}: --${option}: '${expression}' is not a duration (e.g. '10m', '2h', '1d12h', '30s')`);
  return ms;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** ISO 8601 with milliseconds: '...Z' in UTC, or local time with its offset ('2024-05-01T15:10:05.123+02:00'). */
export function formatTimestamp(epochMs: number, utc: boolean): string {
  if (utc) return new Date(epochMs).toISOString();
  const f = fieldsOf(epochMs, false);
  const offset = -new Date(epochMs).getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${f.year}-${pad(f.month)}-${pad(f.day)}T${pad(f.hour)}:${pad(f.minute)}:${pad(f.second)}.${pad(f.ms, 3)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
