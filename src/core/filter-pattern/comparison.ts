import { invalidTerm } from './errors.js';
import { compileRegex } from './regex.js';
import { compileWildcard } from './wildcard.js';

export type Operator = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** The right-hand side of a condition as written in the pattern. */
export type Literal =
  | { readonly kind: 'text'; readonly raw: string; readonly value: string; readonly quoted: boolean }
  | { readonly kind: 'regex'; readonly raw: string; readonly body: string };

/** Integer or decimal, optional sign, optional exponent: the NUMBER of AWS's grammar. */
const NUMBER_SYNTAX = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export function parseNumber(text: string): number | undefined {
  return NUMBER_SYNTAX.test(text) ? Number(text) : undefined;
}

/**
 * A compiled condition. `text` is the value as a string (for a JSON number, its text as written in
 * the event); `num` is its numeric value when the value is a number, else undefined.
 */
export interface Comparison {
  readonly needsNumber: boolean;
  test(text: string, num: number | undefined): boolean;
}

export function compileComparison(op: Operator, literal: Literal): Comparison {
  if (literal.kind === 'regex') {
    if (op !== '=' && op !== '!=') throw invalidTerm(literal.raw);
    const test = compileRegex(literal.body);
    return op === '=' ? { needsNumber: false, test } : { needsNumber: false, test: (t) => !test(t) };
  }
  const n = literal.quoted ? undefined : parseNumber(literal.value);
  if (n !== undefined) {
    const raw = literal.value;
    switch (op) {
      // A number compares by value with a number and by text with a string ("number-like strings
      // can do equality ops" in the recorded suite: { $.someString = 123 } is valid, unmatched).
      case '=':
        return { needsNumber: true, test: (t, v) => (v !== undefined ? v === n : t === raw) };
      case '!=':
        return { needsNumber: true, test: (t, v) => (v !== undefined ? v !== n : t !== raw) };
      case '<':
        return { needsNumber: true, test: (_t, v) => v !== undefined && v < n };
      case '<=':
        return { needsNumber: true, test: (_t, v) => v !== undefined && v <= n };
      case '>':
        return { needsNumber: true, test: (_t, v) => v !== undefined && v > n };
      case '>=':
        return { needsNumber: true, test: (_t, v) => v !== undefined && v >= n };
    }
  }
  // Recorded: `{ $.someString > "123" }` and `{ $.someString > unquoted_string }` are rejected
  // with "Invalid character(s) in term" naming the value.
  if (op !== '=' && op !== '!=') throw invalidTerm(literal.raw);
  const glob = compileWildcard(literal.value);
  return op === '=' ? { needsNumber: false, test: glob } : { needsNumber: false, test: (t) => !glob(t) };
}
