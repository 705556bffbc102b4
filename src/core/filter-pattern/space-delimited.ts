import { compileComparison, parseNumber, type Comparison, type Literal, type Operator } from './comparison.js';
import { invalidTerm, malformed } from './errors.js';
import { readQuoted } from './quoted.js';
import { MAX_REGEXES_PER_STRUCTURED_PATTERN, readRegexLiteral } from './regex.js';
import { InvalidParameterException } from '../errors.js';

/**
 * `[ip, user, ..., status_code=4*, bytes>1000]` patterns.
 *
 * Events split on whitespace; characters between `"..."` or `[...]` are one field, without the
 * quotes or brackets. Fields map to the pattern's entries one to one. Without an ellipsis the last
 * entry takes the rest of the event: the docs require a "blank indicator" after the last term
 * (`[w1=ERROR, w2]`, not `[w1=ERROR]`) for exactly that reason, and `[w1=ERROR, w2]` matches
 * events of any length. An ellipsis stands for zero or more fields. `[]` names no field and matches
 * every event, reporting all fields as `$1..$n` (TestMetricFilter API reference).
 *
 * extractedValues name every field of the event: `$name` for a named entry, `$position` (1-based)
 * for the rest, including the fields an ellipsis stands for (API reference examples).
 */
interface Entry {
  readonly name: string | undefined;
  readonly test: ((value: string) => boolean) | undefined;
  /** Literal texts the field must equal (for requiredTerms); empty when none is certain. */
  readonly required: readonly string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BARE_VALUE_CHAR = /[A-Za-z0-9_.*+\-:/@]/;

/**
 * Field boundaries of an event in typed arrays: no object per field, so time stays linear even for
 * events with tens of thousands of fields. Field i's value is `message.slice(valueStart[i],
 * valueEnd[i])`, without quotes or brackets; `start[i]` is where its text begins.
 *
 * The arrays are one scratch buffer shared by all calls (allocating typed arrays per event costs
 * more than matching a short line), so a Fields is valid only until the next splitFields call.
 * Matching is synchronous and never nests, which is what makes the sharing safe.
 */
export interface Fields {
  readonly count: number;
  readonly start: Int32Array;
  readonly valueStart: Int32Array;
  readonly valueEnd: Int32Array;
}

let scratch = { start: new Int32Array(256), valueStart: new Int32Array(256), valueEnd: new Int32Array(256) };

/** Splits an event into fields, stopping after `limit` fields. */
export function splitFields(message: string, limit = Infinity): Fields {
  const n = message.length;
  // An event of n characters has at most n/2 + 1 fields (each takes a character and a blank).
  const capacity = Math.min(limit, (n >> 1) + 1);
  if (scratch.start.length < capacity) {
    const size = 2 ** Math.ceil(Math.log2(capacity));
    scratch = { start: new Int32Array(size), valueStart: new Int32Array(size), valueEnd: new Int32Array(size) };
  }
  const { start, valueStart, valueEnd } = scratch;
  let count = 0;
  let p = 0;
  while (p < n && count < limit) {
    let c = message.charCodeAt(p);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      p++;
      continue;
    }
    const from = p;
    if (c === 34 || c === 91) {
      const close = message.indexOf(c === 34 ? '"' : ']', p + 1);
      if (close >= 0) {
        start[count] = from;
        valueStart[count] = p + 1;
        valueEnd[count++] = close;
        p = close + 1;
        continue;
      }
    }
    while (p < n) {
      c = message.charCodeAt(p);
      if (c === 32 || c === 9 || c === 10 || c === 13) break;
      p++;
    }
    start[count] = from;
    valueStart[count] = from;
    valueEnd[count++] = p;
  }
  return { count, start, valueStart, valueEnd };
}

function valueAt(message: string, f: Fields, i: number): string {
  return message.slice(f.valueStart[i] ?? 0, f.valueEnd[i] ?? 0);
}

/** Splits the pattern body on top-level commas (commas may sit inside quotes and regexes). */
function splitEntries(body: string): string[] {
  const out: string[] = [];
  let from = 0;
  for (let p = 0; p < body.length; p++) {
    const c = body.charAt(p);
    if (c === '"') {
      p = readQuoted(body, p).end - 1;
    } else if (c === '%') {
      p = readRegexLiteral(body, p).end - 1;
    } else if (c === ',') {
      out.push(body.slice(from, p));
      from = p + 1;
    }
  }
  out.push(body.slice(from));
  return out;
}

interface Counter {
  regexes: number;
}

function parseEntry(text: string, counter: Counter): Entry | 'ellipsis' {
  const src = text.trim();
  if (src === '') return { name: undefined, test: undefined, required: [] };
  if (src === '...') return 'ellipsis';
  if (NAME.test(src)) return { name: src, test: undefined, required: [] };

  // name op value (('&&' | '||') name op value)*, all on the same name; && binds tighter.
  let p = 0;
  let name: string | undefined;
  const ws = () => {
    while (p < src.length && /\s/.test(src.charAt(p))) p++;
  };
  const alternatives: Array<Array<{ cmp: Comparison; literal: Literal; op: Operator }>> = [[]];
  for (;;) {
    ws();
    const from = p;
    while (p < src.length && /[A-Za-z0-9_]/.test(src.charAt(p))) p++;
    const n = src.slice(from, p);
    if (!NAME.test(n)) {
      if (p < src.length && n === '') throw invalidTerm(src.charAt(p));
      throw malformed('bad field name');
    }
    if (name !== undefined && n !== name) throw malformed('conditions on different fields in one entry');
    name = n;
    ws();
    let op: Operator | undefined;
    for (const o of ['!=', '<=', '>=', '=', '<', '>'] as const) {
      if (src.startsWith(o, p)) {
        op = o;
        p += o.length;
        break;
      }
    }
    if (op === undefined) {
      if (p >= src.length) throw malformed('missing operator');
      throw invalidTerm(src.charAt(p));
    }
    ws();
    const literal = readLiteral();
    if (literal.kind === 'regex' && ++counter.regexes > MAX_REGEXES_PER_STRUCTURED_PATTERN) {
      throw malformed('too many regexes');
    }
    alternatives[alternatives.length - 1]?.push({ cmp: compileComparison(op, literal), literal, op });
    ws();
    if (p >= src.length) break;
    if (src.startsWith('&&', p)) {
      p += 2;
    } else if (src.startsWith('||', p)) {
      p += 2;
      alternatives.push([]);
    } else {
      throw invalidTerm(src.charAt(p));
    }
  }

  function readLiteral(): Literal {
    const start = p;
    const c = src.charAt(p);
    if (c === '"') {
      const { value, end } = readQuoted(src, p);
      p = end;
      return { kind: 'text', raw: src.slice(start, end), value, quoted: true };
    }
    if (c === '%') {
      const { body, end } = readRegexLiteral(src, p);
      p = end;
      return { kind: 'regex', raw: src.slice(start, end), body };
    }
    while (p < src.length && !/\s/.test(src.charAt(p)) && !src.startsWith('&&', p) && !src.startsWith('||', p)) p++;
    const value = src.slice(start, p);
    if (value === '') throw malformed('missing value');
    for (const d of value) if (!BARE_VALUE_CHAR.test(d)) throw invalidTerm(d);
    return { kind: 'text', raw: value, value, quoted: false };
  }

  const tests = alternatives.map((conj) =>
    conj.map(({ cmp }) => (value: string) => cmp.test(value, cmp.needsNumber ? parseNumber(value) : undefined)),
  );
  const conjunction = (fns: Array<(v: string) => boolean>) =>
    fns.length === 1 && fns[0] !== undefined ? fns[0] : (v: string) => fns.every((f) => f(v));
  const ors = tests.map(conjunction);
  const test = ors.length === 1 && ors[0] !== undefined ? ors[0] : (v: string) => ors.some((f) => f(v));

  // A field is certain to hold a literal only when there is one alternative containing `= text`
  // (no wildcard, not a number that could be written another way).
  const required: string[] = [];
  const only = alternatives.length === 1 ? alternatives[0] : undefined;
  for (const c of only ?? []) {
    if (c.op === '=' && c.literal.kind === 'text' && !c.literal.value.includes('*')) {
      if (c.literal.quoted || parseNumber(c.literal.value) === undefined) required.push(c.literal.value);
    }
  }
  return { name, test, required };
}

export interface CompiledSpaceDelimited {
  /** The extracted values when the event matches, else null. */
  extract(message: string): Record<string, string> | null;
  matches(message: string): boolean;
  readonly requiredTerms: readonly string[];
}

/** `pattern` starts with `[`. */
export function compileSpaceDelimited(pattern: string): CompiledSpaceDelimited {
  const body = pattern.trimEnd();
  if (!body.endsWith(']')) {
    // By analogy with the recorded message for `{`.
    throw new InvalidParameterException("If a filter pattern starts with '[' it must end with ']'");
  }
  const counter: Counter = { regexes: 0 };
  const inner = body.slice(1, -1);
  const parsed = inner.trim() === '' ? [] : splitEntries(inner).map((e) => parseEntry(e, counter));
  let ellipsisAt = -1;
  const entries: Entry[] = [];
  const names = new Set<string>();
  for (const e of parsed) {
    if (e === 'ellipsis') {
      if (ellipsisAt >= 0) throw malformed('more than one ellipsis');
      ellipsisAt = entries.length;
      continue;
    }
    if (e.name !== undefined) {
      if (names.has(e.name)) throw malformed(`field ${e.name} named twice`);
      names.add(e.name);
    }
    entries.push(e);
  }
  if (entries.length === 0) ellipsisAt = 0; // `[]` and `[...]` take every field
  const count = entries.length;
  const before = ellipsisAt < 0 ? count : ellipsisAt;
  const after = ellipsisAt < 0 ? 0 : count - ellipsisAt;
  const checks = entries.map((e, i) => ({ i, test: e.test })).filter((c) => c.test !== undefined);

  /** The value of each entry for this event, or undefined when the event has the wrong shape. */
  function assign(message: string): { values: string[]; fields: Fields } | undefined {
    if (ellipsisAt < 0) {
      const fields = splitFields(message, count);
      if (fields.count < count) return undefined;
      const values: string[] = [];
      for (let i = 0; i < count; i++) values.push(valueAt(message, fields, i));
      const lastStart = count > 0 ? fields.start[count - 1] : undefined;
      if (lastStart !== undefined && /\S/.test(message.slice(fields.valueEnd[count - 1] ?? 0).replace(/^["\]]/, ''))) {
        values[count - 1] = message.slice(lastStart).trimEnd(); // the last entry takes the rest
      }
      return { values, fields };
    }
    const fields = splitFields(message);
    if (fields.count < count) return undefined;
    const values: string[] = [];
    for (let i = 0; i < before; i++) values.push(valueAt(message, fields, i));
    for (let i = fields.count - after; i < fields.count; i++) values.push(valueAt(message, fields, i));
    return { values, fields };
  }

  function passes(values: string[]): boolean {
    for (const c of checks) if (!c.test?.(values[c.i] ?? '')) return false;
    return true;
  }

  const required = [...new Set(entries.flatMap((e) => e.required))];

  return {
    requiredTerms: required,
    matches(message) {
      const a = assign(message);
      return a !== undefined && passes(a.values);
    },
    extract(message) {
      const a = assign(message);
      if (a === undefined || !passes(a.values)) return null;
      const out: Record<string, string> = {};
      if (ellipsisAt < 0) {
        entries.forEach((e, i) => {
          out[e.name !== undefined ? `$${e.name}` : `$${i + 1}`] = a.values[i] ?? '';
        });
        return out;
      }
      const total = a.fields.count;
      for (let pos = 0; pos < total; pos++) {
        let entry: Entry | undefined;
        if (pos < before) entry = entries[pos];
        else if (pos >= total - after) entry = entries[before + pos - (total - after)];
        out[entry?.name !== undefined ? `$${entry.name}` : `$${pos + 1}`] = valueAt(message, a.fields, pos);
      }
      return out;
    },
  };
}
