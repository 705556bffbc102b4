/**
 * Folding of echoed timestamps: most log lines repeat their own event's time as text (JSON
 * loggers' ISO-8601 `ts`, access logs' `[10/Jun/2024:12:00:14 +0000]`, syslog's `Jun 10 12:00:14`).
 * The chunk already stores each event's timestamp, so an exact rendering of it in the message is
 * replaced by a two-byte marker and rendered back on decode. On the bench's mixed logs this took
 * compacted chunks from 20.2 to 16.8 bytes per event (the milliseconds and seconds of a rendering
 * are nearly random to zstd and cost ~3-4 bytes each).
 *
 * Folded text: MARKER followed by a code byte. A code below FIRST_ESCAPED is a format index; a code
 * at or above it is a literal original byte (every original byte >= FIRST_ESCAPED is written as
 * MARKER byte). Bytes >= 0xF8 never occur in UTF-8, so text encoded from JavaScript strings needs
 * no escape at all; the escape only keeps arbitrary bytes exact.
 *
 * Searching folded text: a term found there is in the original, and a term not found there is not
 * in the original unless one of its occurrences overlaps a folded rendering. `mayStraddleFold`
 * says conservatively whether that can happen (the term's bytes fit some format's character
 * classes at some overlap); for such terms searches restore the text first.
 */

export const MARKER = 0xfe;
const FIRST_ESCAPED = 0xf8;
/**
 * Version 3 chunks end each stored message with TERMINATOR, so an original 0xFF byte is written
 * MARKER ESCAPED_TERMINATOR there (a code no format and no version 2 escape uses): the byte then
 * occurs in their stored text only between messages.
 */
export const TERMINATOR = 0xff;
export const ESCAPED_TERMINATOR = 0xf7;
/** 9999-12-31T23:59:59.999Z: beyond it ISO years take 6 digits */
const MAX_FOLDABLE_MS = 253_402_300_799_999;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Calendar fields of an epoch-millisecond time (UTC). */
interface Fields {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  epoch: number;
}

function fieldsOf(ts: number, f: Fields): void {
  const days = Math.floor(ts / 86_400_000);
  let rest = ts - days * 86_400_000;
  f.hour = Math.floor(rest / 3_600_000);
  rest -= f.hour * 3_600_000;
  f.minute = Math.floor(rest / 60_000);
  rest -= f.minute * 60_000;
  f.second = Math.floor(rest / 1000);
  f.ms = rest - f.second * 1000;
  f.epoch = ts;
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm), integer arithmetic only.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  f.day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  f.month = mp < 10 ? mp + 3 : mp - 9;
  f.year = yoe + era * 400 + (f.month <= 2 ? 1 : 0);
}

/** a field letter (Y m d e b H M S L E, see FIELD_CLASSES), or '=' followed by literal text */
type Part = string;

interface Format {
  readonly parts: readonly Part[];
  readonly length: number;
  /** where "HH:MM:SS" starts in a rendering (-1: none, found another way) */
  readonly anchor: number;
  /** the bytes each position of a rendering can hold, one 256-entry table per position */
  readonly classes: readonly Uint8Array[];
}

const DIGITS = '0123456789';
const FIELD_CLASSES: Record<string, readonly string[]> = {
  Y: [DIGITS, DIGITS, DIGITS, DIGITS],
  m: [DIGITS, DIGITS],
  d: [DIGITS, DIGITS],
  e: [` ${DIGITS}`, DIGITS],
  b: [0, 1, 2].map((k) => [...new Set(MONTHS.map((m) => m[k]!))].join('')),
  H: [DIGITS, DIGITS],
  M: [DIGITS, DIGITS],
  S: [DIGITS, DIGITS],
  L: [DIGITS, DIGITS, DIGITS],
  E: Array<string>(13).fill(DIGITS),
};

/** `%X` is a field (see FIELD_CLASSES), anything else literal. */
function format(template: string): Format {
  // Literal runs are stored with a leading '=' so that they cannot be mistaken for one-letter fields.
  const normalized: Part[] = [];
  for (let i = 0; i < template.length; i++) {
    if (template[i] === '%') normalized.push(template[++i] as Part);
    else if (normalized.length > 0 && normalized[normalized.length - 1]!.startsWith('=')) normalized[normalized.length - 1] += template[i]!;
    else normalized.push(`=${template[i]!}`);
  }
  const classes: Uint8Array[] = [];
  const table = (chars: string) => {
    const t = new Uint8Array(256);
    for (const ch of chars) t[ch.charCodeAt(0)] = 1;
    return t;
  };
  for (const p of normalized) {
    if (p.startsWith('=')) for (const ch of p.slice(1)) classes.push(table(ch));
    else classes.push(...FIELD_CLASSES[p]!.map(table));
  }
  const hms = template.indexOf('%H:%M:%S');
  let anchor = -1;
  if (hms >= 0) {
    // Every field before the anchor has a fixed width, so its offset is the classes' count.
    anchor = 0;
    for (const p of normalized) {
      if (p === 'H') break;
      anchor += p.startsWith('=') ? p.length - 1 : FIELD_CLASSES[p]!.length;
    }
  }
  return { parts: normalized, length: classes.length, anchor, classes };
}

/**
 * The renderings folded, by code. Append only: the code is stored in chunks. ISO-8601 with
 * milliseconds (JSON loggers, CloudWatch's own), common log format, RFC 3164 syslog, ISO without
 * milliseconds, log4j/Python's "2024-06-10 12:00:14,123" and its dotted variant, epoch milliseconds.
 */
const FORMATS: readonly Format[] = [
  format('%Y-%m-%dT%H:%M:%S.%LZ'),
  format('%d/%b/%Y:%H:%M:%S +0000'),
  format('%b %e %H:%M:%S'),
  format('%Y-%m-%dT%H:%M:%SZ'),
  format('%Y-%m-%d %H:%M:%S,%L'),
  format('%Y-%m-%d %H:%M:%S.%L'),
  format('%E'),
];
const EPOCH_CODE = 6;
/** where each format's "HH:MM:SS" starts (the epoch has none) */
const TIME_AT = FORMATS.map((fmt) => fmt.anchor);
const MONTH_BYTES = MONTHS.map((m) => Buffer.from(m, 'latin1'));

function digits(out: Uint8Array, at: number, value: number, width: number): void {
  for (let i = width - 1; i >= 0; i--) {
    out[at + i] = 0x30 + (value % 10);
    value = Math.floor(value / 10);
  }
}

/** Writes format `code` of f at out[at..] (the slow path: once per second of timestamps). */
function render(code: number, f: Fields, out: Uint8Array, at: number): void {
  let p = at;
  for (const part of FORMATS[code]!.parts) {
    switch (part) {
      case 'Y': digits(out, p, f.year, 4); p += 4; break;
      case 'm': digits(out, p, f.month, 2); p += 2; break;
      case 'd': digits(out, p, f.day, 2); p += 2; break;
      case 'e': digits(out, p, f.day, 2); if (f.day < 10) out[p] = 0x20; p += 2; break;
      case 'b': out.set(MONTH_BYTES[f.month - 1]!, p); p += 3; break;
      case 'H': digits(out, p, f.hour, 2); p += 2; break;
      case 'M': digits(out, p, f.minute, 2); p += 2; break;
      case 'S': digits(out, p, f.second, 2); p += 2; break;
      case 'L': digits(out, p, f.ms, 3); p += 3; break;
      case 'E': digits(out, p, f.epoch, 13); p += 13; break;
      default:
        for (let i = 1; i < part.length; i++) out[p++] = part.charCodeAt(i);
    }
  }
}

/** Where each format's milliseconds start in a rendering (-1: it has none). */
const MS_AT = FORMATS.map((fmt) => {
  let at = 0;
  for (const p of fmt.parts) {
    if (p === 'L') return at;
    if (p === 'E') return at + 10;
    at += p.startsWith('=') ? p.length - 1 : FIELD_CLASSES[p]!.length;
  }
  return -1;
});

/**
 * Every format's rendering of one second, kept until a timestamp in another second asks: events
 * come sorted by time, so all but the milliseconds are rendered once per second, not per event.
 */
class Renderings {
  private readonly seconds = FORMATS.map(() => Number.NaN);
  private readonly days = FORMATS.map(() => Number.NaN);
  private readonly fields: Fields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, ms: 0, epoch: 0 };
  private fieldsDay = Number.NaN;
  private readonly bytes = FORMATS.map((fmt) => new Uint8Array(fmt.length));

  /**
   * Format code's rendering of ts's second (its milliseconds left as they were). Each format keeps
   * its own second (decoding walks one group of lines, mostly of one format, at a time, in time
   * order) and rewrites only the time of day when the day is unchanged.
   */
  private of(code: number, ts: number): Uint8Array {
    const second = ts - (ts % 1000);
    const r = this.bytes[code]!;
    if (this.seconds[code] === second) return r;
    this.seconds[code] = second;
    const day = Math.floor(second / 86_400_000);
    if (this.days[code] !== day || code === EPOCH_CODE) {
      this.days[code] = day;
      if (this.fieldsDay !== day) {
        this.fieldsDay = day;
        fieldsOf(day * 86_400_000, this.fields);
      }
      this.fields.epoch = second;
      render(code, this.fields, r, 0);
      if (code === EPOCH_CODE) return r;
    }
    let s = (second - day * 86_400_000) / 1000;
    const at = TIME_AT[code]!;
    const hour = Math.floor(s / 3600);
    s -= hour * 3600;
    const minute = Math.floor(s / 60);
    s -= minute * 60;
    r[at] = 0x30 + Math.floor(hour / 10);
    r[at + 1] = 0x30 + (hour % 10);
    r[at + 3] = 0x30 + Math.floor(minute / 10);
    r[at + 4] = 0x30 + (minute % 10);
    r[at + 6] = 0x30 + Math.floor(s / 10);
    r[at + 7] = 0x30 + (s % 10);
    return r;
  }
  /** Whether src[at..] holds format code's rendering of ts (ts foldable). */
  matches(code: number, ts: number, src: Uint8Array, at: number): boolean {
    const r = this.of(code, ts);
    const ms = ts % 1000;
    const msAt = MS_AT[code]!;
    for (let i = 0; i < r.length; i++) {
      if (i === msAt) {
        if (src[at + i] !== 0x30 + Math.floor(ms / 100) || src[at + i + 1] !== 0x30 + (Math.floor(ms / 10) % 10) || src[at + i + 2] !== 0x30 + (ms % 10)) return false;
        i += 2;
      } else if (src[at + i] !== r[i]) {
        return false;
      }
    }
    return true;
  }

  /** Writes format code's rendering of ts at out[at..]; returns its length. */
  write(code: number, ts: number, out: Uint8Array, at: number): number {
    const r = this.of(code, ts);
    for (let i = 0; i < r.length; i++) out[at + i] = r[i]!;
    const msAt = MS_AT[code]!;
    if (msAt >= 0) {
      const ms = ts % 1000;
      out[at + msAt] = 0x30 + Math.floor(ms / 100);
      out[at + msAt + 1] = 0x30 + (Math.floor(ms / 10) % 10);
      out[at + msAt + 2] = 0x30 + (ms % 10);
    }
    return r.length;
  }
}

function foldable(ts: number): boolean {
  return Number.isSafeInteger(ts) && ts >= 0 && ts <= MAX_FOLDABLE_MS;
}

/** A time of day ("12:00:14") or a run of 13 digits (epoch milliseconds, 2001-2286). */
const CANDIDATE = /\d\d:\d\d:\d\d|\d{13}/g;

/** Renderings found in a chunk's messages, in text order: parallel arrays. */
export interface Folds {
  /** index of the first fold of event i: folds of event i are first[i]..first[i+1] */
  readonly first: Uint32Array;
  readonly at: number[];
  readonly code: number[];
}

/**
 * Finds the renderings of each event's own timestamp in its message. One regular expression pass
 * over the chunk's text (as latin1: one character per byte) finds the candidates: measured 0.3 s
 * per million mixed events, where an indexOf per message and format cost 1.6 s.
 */
export function findFolds(text: Buffer, offsets: Uint32Array, timestamps: Float64Array, n: number): Folds {
  const first = new Uint32Array(n + 1);
  const at: number[] = [];
  const code: number[] = [];
  const base = offsets[0]!;
  const str = text.toString('latin1', base, offsets[n]!);
  const re = new RegExp(CANDIDATE);
  const renderings = sharedRenderings;
  let i = 0;
  let foldedTo = 0; // end of the last fold: folds do not overlap
  for (let m = re.exec(str); m !== null; m = re.exec(str)) {
    const pos = base + m.index;
    while (offsets[i + 1]! <= pos) first[++i] = at.length;
    const ts = timestamps[i]!;
    if (!foldable(ts)) continue;
    const start = Math.max(offsets[i]!, foldedTo);
    const end = offsets[i + 1]!;
    const isTime = m[0].length === 8;
    let found = false;
    for (let c = 0; c < FORMATS.length && !found; c++) {
      const fmt = FORMATS[c]!;
      const from = isTime ? pos - fmt.anchor : pos;
      if ((fmt.anchor < 0) === isTime || from < start || from + fmt.length > end || !renderings.matches(c, ts, text, from)) continue;
      at.push(from);
      code.push(c);
      foldedTo = from + fmt.length;
      found = true;
    }
    // Candidates may overlap ("2024:12:00:14" holds "24:12:00" before "12:00:14"): after a miss,
    // look again one byte on.
    if (!found) re.lastIndex = m.index + 1;
    else if (re.lastIndex < foldedTo - base) re.lastIndex = foldedTo - base;
  }
  while (i < n) first[++i] = at.length;
  return { first, at, code };
}

const sharedRenderings = new Renderings();

/** The length of format code's rendering (1 for an escaped byte). */
export function renderedLength(code: number): number {
  if (code >= FIRST_ESCAPED || code === ESCAPED_TERMINATOR) return 1;
  const fmt = FORMATS[code];
  if (!fmt) throw new Error(`unknown timestamp format ${code}`);
  return fmt.length;
}

/** Writes what a marker's code stands for at out[at..]; returns the bytes written. */
export function writeRendered(code: number, ts: number, out: Uint8Array, at: number): number {
  if (code >= FIRST_ESCAPED) {
    out[at] = code;
    return 1;
  }
  if (code === ESCAPED_TERMINATOR) {
    out[at] = TERMINATOR;
    return 1;
  }
  if (code >= FORMATS.length || !foldable(ts)) throw new Error(`bad timestamp marker ${code}`);
  return sharedRenderings.write(code, ts, out, at);
}

/** Whether byte b is escaped in folded text. */
export function isEscaped(b: number): boolean {
  return b >= FIRST_ESCAPED;
}

/** Whether any byte of src[start, end) needs an escape (none can in UTF-8). */
export function needsEscapes(src: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (src[i]! >= FIRST_ESCAPED) return true;
  return false;
}

/**
 * Whether an occurrence of term in original text could overlap a folded rendering, i.e. whether
 * searching folded text for it could miss a match. Conservative: true whenever, at some alignment
 * that overlaps some format, every overlapping byte of the term fits that position's class; also
 * true for terms holding a byte folding escapes.
 */
export function mayStraddleFold(term: Uint8Array): boolean {
  // A search asks this for every chunk with the same few terms.
  const key = Buffer.from(term.buffer, term.byteOffset, term.byteLength).toString('latin1');
  let answer = straddleCache.get(key);
  if (answer === undefined) {
    if (straddleCache.size >= 256) straddleCache.clear();
    answer = straddles(term);
    straddleCache.set(key, answer);
  }
  return answer;
}

const straddleCache = new Map<string, boolean>();

/**
 * The longest part of term that cannot straddle a folded rendering (itself when term cannot),
 * at least MIN_CORE bytes, or undefined. Every message holding term holds this part in its folded
 * bytes too, so a search can look for it there: a hex id with digits at either end (which could
 * run into an epoch-ms or a time) is found by its middle instead of restoring every chunk.
 */
export function foldSafeCore(term: Uint8Array): Uint8Array | undefined {
  if (!mayStraddleFold(term)) return term;
  const key = Buffer.from(term.buffer, term.byteOffset, term.byteLength).toString('latin1');
  if (coreCache.has(key)) return coreCache.get(key);
  let core: Uint8Array | undefined;
  outer: for (let len = Math.min(term.length - 1, MAX_CORE_SEARCH); len >= MIN_CORE; len--) {
    for (let start = 0; start + len <= term.length; start++) {
      const part = term.subarray(start, start + len);
      if (!straddles(part)) {
        core = part;
        break outer;
      }
    }
  }
  if (coreCache.size >= 256) coreCache.clear();
  coreCache.set(key, core);
  return core;
}

/** shorter parts match too much to be worth looking for; longer terms are rare (and costly to try) */
const MIN_CORE = 4;
const MAX_CORE_SEARCH = 64;
const coreCache = new Map<string, Uint8Array | undefined>();

function straddles(term: Uint8Array): boolean {
  for (const b of term) if (b >= FIRST_ESCAPED) return true;
  for (const fmt of FORMATS) {
    const L = fmt.length;
    // d: where term[0] sits relative to the rendering's first byte
    for (let d = 1 - term.length; d < L; d++) {
      let fits = true;
      for (let j = Math.max(0, -d); j < term.length && j + d < L; j++) {
        if (fmt.classes[j + d]![term[j]!] === 0) {
          fits = false;
          break;
        }
      }
      if (fits) return true;
    }
  }
  return false;
}
