/**
 * Event timestamps from the text of a line, by a strftime-like format (the CloudWatch agent's
 * `timestamp_format` directives) or a named one: iso8601, epoch_s, epoch_ms, epoch. The format
 * compiles to one regular expression, found anywhere in the line.
 */

export type TimeZone = 'UTC' | 'local';

export interface TimestampParser {
  readonly format: string;
  /** The regular expression text that finds the timestamp (used by multi-line `{timestamp_format}`). */
  readonly pattern: string;
  /** Milliseconds since the epoch, or undefined when the text holds no timestamp. */
  parse(text: string): number | undefined;
  /** For a JSON field holding a number. */
  fromNumber(value: number): number | undefined;
}

export class TimestampFormatError extends Error {}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

type Field = 'year' | 'year2' | 'month' | 'monthName' | 'day' | 'hour' | 'hour12' | 'ampm' | 'minute' | 'second' | 'fraction' | 'millis' | 'offset' | 'zone' | 'epoch' | 'skip';

const DIRECTIVES: Record<string, { re: string; field: Field } | string> = {
  Y: { re: '(\\d{4})', field: 'year' },
  y: { re: '(\\d{2})', field: 'year2' },
  m: { re: '(\\d{1,2})', field: 'month' },
  d: { re: '(\\d{1,2})', field: 'day' },
  e: { re: ' ?(\\d{1,2})', field: 'day' },
  H: { re: '(\\d{1,2})', field: 'hour' },
  k: { re: ' ?(\\d{1,2})', field: 'hour' },
  I: { re: '(\\d{1,2})', field: 'hour12' },
  l: { re: ' ?(\\d{1,2})', field: 'hour12' },
  p: { re: '([AaPp][Mm])', field: 'ampm' },
  M: { re: '(\\d{2})', field: 'minute' },
  S: { re: '(\\d{2})', field: 'second' },
  f: { re: '(\\d{1,9})', field: 'fraction' },
  L: { re: '(\\d{3})', field: 'millis' },
  z: { re: '(Z|[+-]\\d{2}(?::?\\d{2})?)', field: 'offset' },
  Z: { re: '([A-Za-z]{1,5})', field: 'zone' },
  b: { re: '([A-Za-z]{3})', field: 'monthName' },
  h: { re: '([A-Za-z]{3})', field: 'monthName' },
  B: { re: '([A-Za-z]{3,9})', field: 'monthName' },
  a: { re: '(?:[A-Za-z]{3})', field: 'skip' },
  A: { re: '(?:[A-Za-z]{6,9})', field: 'skip' },
  j: { re: '(?:\\d{3})', field: 'skip' },
  s: { re: '(\\d{9,11})', field: 'epoch' },
  T: '%H:%M:%S',
  F: '%Y-%m-%d',
  D: '%m/%d/%y',
  R: '%H:%M',
};

/** \u0001 stands for ISO 8601's date-time separator, 'T' or a space. */
const ISO8601 = '%Y-%m-%d\u0001%H:%M:%S%f%z';

export function compileTimestamp(format: string, timezone: TimeZone = 'local', now: () => number = Date.now): TimestampParser {
  switch (format) {
    case 'epoch':
    case 'epoch_s':
    case 'epoch_ms': {
      const digits = format === 'epoch_s' ? '\\d{9,11}(?:\\.\\d+)?' : format === 'epoch_ms' ? '\\d{12,14}' : '\\d{9,14}(?:\\.\\d+)?';
      const re = new RegExp(`(?<![\\d.])(${digits})(?![\\d])`);
      const fromNumber = (n: number) => (!Number.isFinite(n) ? undefined : format === 'epoch_s' || (format === 'epoch' && n < 1e11) ? Math.round(n * 1000) : Math.round(n));
      return {
        format,
        pattern: re.source,
        parse(text) {
          const m = re.exec(text);
          return m ? fromNumber(Number(m[1])) : undefined;
        },
        fromNumber,
      };
    }
    case 'iso8601':
    case 'rfc3339':
      return compileStrftime(ISO8601, timezone, now, true);
    default:
      return compileStrftime(format, timezone, now, false);
  }
}

function compileStrftime(format: string, timezone: TimeZone, now: () => number, iso: boolean): TimestampParser {
  let expanded = format;
  for (let guard = 0; guard < 3; guard++) expanded = expanded.replace(/%([TFDR])/g, (_, d: string) => DIRECTIVES[d] as string);
  const fields: Field[] = [];
  let re = '';
  for (let i = 0; i < expanded.length; i++) {
    const c = expanded[i]!;
    if (c === '%' && i + 1 < expanded.length) {
      const d = expanded[++i]!;
      if (d === '%') {
        re += '%';
        continue;
      }
      const directive = DIRECTIVES[d];
      if (directive === undefined || typeof directive === 'string') throw new TimestampFormatError(`unsupported directive %${d} in timestamp format '${format}'`);
      if (iso && directive.field === 'fraction') re += '(?:[.,](\\d{1,9}))?';
      else if (iso && directive.field === 'offset') re += '(Z|[+-]\\d{2}(?::?\\d{2})?)?';
      else re += directive.re;
      if (directive.field !== 'skip') fields.push(directive.field);
    } else if (iso && c === '\u0001') re += '[T ]';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  if (!fields.includes('epoch') && (!fields.includes('hour') && !fields.includes('hour12'))) {
    throw new TimestampFormatError(`timestamp format '${format}' has no time of day (%H or %I) or epoch (%s)`);
  }
  const regex = new RegExp(re);
  const fromNumber = (n: number) => (Number.isFinite(n) ? (n < 1e11 ? Math.round(n * 1000) : Math.round(n)) : undefined);
  return {
    format,
    pattern: re,
    fromNumber,
    parse(text) {
      const m = regex.exec(text);
      if (!m) return undefined;
      let year: number | undefined;
      let month = 1;
      let day = 1;
      let hour = 0;
      let minute = 0;
      let second = 0;
      let millis = 0;
      let pm: boolean | undefined;
      let offsetMinutes: number | undefined;
      for (let f = 0; f < fields.length; f++) {
        const v = m[f + 1];
        if (v === undefined) continue;
        switch (fields[f]!) {
          case 'year':
            year = Number(v);
            break;
          case 'year2':
            year = 2000 + Number(v);
            break;
          case 'month':
            month = Number(v);
            break;
          case 'monthName': {
            const index = MONTHS.indexOf(v.slice(0, 3).toLowerCase());
            if (index < 0) return undefined;
            month = index + 1;
            break;
          }
          case 'day':
            day = Number(v);
            break;
          case 'hour':
            hour = Number(v);
            break;
          case 'hour12':
            hour = Number(v) % 12;
            break;
          case 'ampm':
            pm = v.toLowerCase() === 'pm';
            break;
          case 'minute':
            minute = Number(v);
            break;
          case 'second':
            second = Number(v);
            break;
          case 'fraction':
            millis = Number(v.padEnd(3, '0').slice(0, 3));
            break;
          case 'millis':
            millis = Number(v);
            break;
          case 'offset':
            offsetMinutes = v === 'Z' ? 0 : parseOffset(v);
            break;
          case 'zone':
            if (/^(UTC|GMT|Z)$/i.test(v)) offsetMinutes = 0;
            break;
          case 'epoch':
            return Number(v) * 1000;
          case 'skip':
            break;
        }
      }
      if (pm === true) hour += 12;
      if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
      const utc = offsetMinutes !== undefined || timezone === 'UTC';
      const build = (y: number) => {
        const t = utc ? Date.UTC(y, month - 1, day, hour, minute, second, millis) : new Date(y, month - 1, day, hour, minute, second, millis).getTime();
        return t - (offsetMinutes ?? 0) * 60_000;
      };
      if (year !== undefined) return build(year);
      // No year in the format (syslog style): this year, unless that is more than a day ahead.
      const current = new Date(now()).getUTCFullYear();
      const guess = build(current);
      return guess > now() + 86_400_000 ? build(current - 1) : guess;
    },
  };
}

function parseOffset(v: string): number {
  const sign = v[0] === '-' ? -1 : 1;
  const digits = v.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
}
