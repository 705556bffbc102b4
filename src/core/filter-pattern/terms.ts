import { invalidTerm, malformed } from './errors.js';

/**
 * Unstructured patterns: terms and "quoted phrases", all of which must occur (case-sensitive,
 * anywhere, also inside longer words: `ERROR` matches "Exiting with ERRORCODE: -1" in the user
 * guide), `-term` that must not occur, and `?term` of which one must occur. Per the user guide,
 * `?` terms are ignored as soon as the pattern has any other term ("If you combine ? with other
 * filter patterns, all question mark terms will be ignored").
 *
 * Unquoted terms are runs of letters, digits and `_`; any other character outside quotes is
 * rejected like AWS does: `Invalid character(s) in term ':'` (recorded for `?Status: timeout`).
 * A quoted phrase that is empty or only blanks (`""`, `" "`) matches every event, as documented.
 */
export interface TermSet {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  readonly optional: readonly string[];
}

const WORD_CHAR = /[\p{L}\p{N}_]/u;

export function parseTerms(pattern: string): TermSet {
  const include: string[] = [];
  const exclude: string[] = [];
  const optional: string[] = [];
  let p = 0;
  const n = pattern.length;
  const isBlank = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
  while (p < n) {
    if (isBlank(pattern.charAt(p))) {
      p++;
      continue;
    }
    let bucket = include;
    const prefix = pattern.charAt(p);
    if (prefix === '?' || prefix === '-') {
      bucket = prefix === '?' ? optional : exclude;
      p++;
      while (p < n && isBlank(pattern.charAt(p))) p++;
      if (p >= n) throw malformed(`dangling ${prefix}`);
    }
    const c = pattern.charAt(p);
    if (c === '"') {
      let text = '';
      p++;
      for (;;) {
        if (p >= n) throw malformed('unterminated quote');
        const d = pattern.charAt(p);
        if (d === '"') {
          p++;
          break;
        }
        if (d === '\\' && p + 1 < n) {
          text += pattern.charAt(p + 1);
          p += 2;
          continue;
        }
        text += d;
        p++;
      }
      bucket.push(text.trim() === '' ? '' : text);
      continue;
    }
    const from = p;
    while (p < n && WORD_CHAR.test(pattern.charAt(p))) p++;
    if (p === from) throw invalidTerm(String.fromCodePoint(pattern.codePointAt(p) ?? 0));
    bucket.push(pattern.slice(from, p));
  }
  if (include.length > 0 || exclude.length > 0) {
    return { include: include.filter((t) => t !== ''), exclude: exclude.filter((t) => t !== ''), optional: [] };
  }
  return { include: [], exclude: [], optional: optional.includes('') ? [] : optional };
}

export type MessageTest = (message: string) => boolean;

/** Compiles to plain `includes` calls, specialised for the common one- and two-term shapes. */
export function compileTerms(terms: TermSet): MessageTest {
  const { include, exclude, optional } = terms;
  if (optional.length > 0) {
    if (optional.length === 1) {
      const [a] = optional as [string];
      return (m) => m.includes(a);
    }
    return (m) => optional.some((t) => m.includes(t));
  }
  if (exclude.length === 0) {
    if (include.length === 1) {
      const [a] = include as [string];
      return (m) => m.includes(a);
    }
    if (include.length === 2) {
      const [a, b] = include as [string, string];
      return (m) => m.includes(a) && m.includes(b);
    }
    return (m) => include.every((t) => m.includes(t));
  }
  return (m) => include.every((t) => m.includes(t)) && !exclude.some((t) => m.includes(t));
}

export function isMatchAll(terms: TermSet): boolean {
  return terms.include.length === 0 && terms.exclude.length === 0 && terms.optional.length === 0;
}
