import { RE2JS } from 're2js';
import { invalidTerm, malformed } from './errors.js';
import type { TextTest } from './wildcard.js';

/**
 * `%regex%` terms. AWS allows only ASCII letters and digits, the symbols `: _ # = @ / ; , -`,
 * the operators `^ $ ? [ ] { } | \ * + .`, and (as its own examples show) spaces. No parentheses,
 * no multi-byte characters; escapes are `\d \D \s \S \w \W \xhh` and a backslash before a symbol
 * or operator. We validate that, then run the expression on re2js, whose automaton matches in
 * time linear in the message whatever the expression.
 */
const PLAIN = /[A-Za-z0-9:_#=@/;,\- ]/;
const OPERATOR = /[\^$?[\]{}|\\*+.]/;
const CLASS_ESCAPES = new Set(['d', 'D', 's', 'S', 'w', 'W']);

export const MAX_REGEXES_PER_STRUCTURED_PATTERN = 2; // AWS quota: "a limit of 2 regex for each filter pattern"

/** Translates AWS's regex dialect into RE2 syntax, or throws as AWS would reject it. */
export function translateRegex(body: string): string {
  if (body.length === 0) throw malformed('empty regex');
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body.charAt(i);
    if (c === '\\') {
      const next = body.charAt(i + 1);
      if (next === '') throw malformed('dangling escape');
      if (CLASS_ESCAPES.has(next)) {
        out += '\\' + next;
        i++;
      } else if (next === 'x') {
        const hex = body.slice(i + 2, i + 4);
        if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw malformed('bad \\x escape');
        out += '\\x' + hex;
        i += 3;
      } else if (OPERATOR.test(next) || (PLAIN.test(next) && !/[A-Za-z0-9]/.test(next))) {
        out += next === ' ' ? ' ' : '\\' + next;
        i++;
      } else if (/[A-Za-z0-9]/.test(next)) {
        throw malformed(`unsupported escape \\${next}`);
      } else {
        throw invalidTerm(next);
      }
      continue;
    }
    if (c === '{') {
      const close = body.indexOf('}', i);
      const inner = close < 0 ? '' : body.slice(i + 1, close).replace(/ /g, '');
      const m = /^(\d*)(,?)(\d*)$/.exec(inner);
      if (close < 0 || m === null || (m[1] === '' && m[3] === '') || (m[2] === '' && m[3] !== '')) {
        throw malformed('bad repetition');
      }
      out += `{${m[1] === '' ? '0' : m[1]}${m[2]}${m[3]}}`;
      i = close;
      continue;
    }
    if (PLAIN.test(c) || OPERATOR.test(c)) {
      out += c;
      continue;
    }
    throw invalidTerm(c);
  }
  return out;
}

export function compileRegex(body: string): TextTest {
  const source = translateRegex(body);
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch {
    throw malformed('regex does not compile');
  }
  return (text) => re.test(text);
}

/** Reads `%...%` starting at `start` (which holds the opening `%`); returns body and end index. */
export function readRegexLiteral(src: string, start: number): { body: string; end: number } {
  const close = src.indexOf('%', start + 1);
  if (close < 0) throw malformed('unterminated regex');
  return { body: src.slice(start + 1, close), end: close + 1 };
}
