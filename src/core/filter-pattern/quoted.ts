import { malformed } from './errors.js';

/** Reads a double-quoted string at `start`; `\"` and `\\` are escapes, other backslashes stay. */
export function readQuoted(src: string, start: number): { value: string; end: number } {
  let value = '';
  let p = start + 1;
  for (;;) {
    if (p >= src.length) throw malformed('unterminated quote');
    const c = src.charAt(p);
    if (c === '"') return { value, end: p + 1 };
    if (c === '\\' && (src.charAt(p + 1) === '"' || src.charAt(p + 1) === '\\')) {
      value += src.charAt(p + 1);
      p += 2;
      continue;
    }
    value += c;
    p++;
  }
}
