import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFilterPattern, requiredTerms } from '../../../src/core/filter-pattern/index.js';
import { InvalidParameterException } from '../../../src/core/errors.js';

/** Characters that exercise every lexer: operators, quotes, brackets, escapes, wildcards. */
const PATTERN_CHARS = [...'abcXYZ019_ .,-?*%$@"\'\\[]{}()=!<>&|:/+#^~`\t\u00e9'];
const patternText = fc.string({ unit: fc.constantFrom(...PATTERN_CHARS), maxLength: 60 });
const structured = fc.oneof(
  patternText,
  patternText.map((s) => `{${s}}`),
  patternText.map((s) => `{ $.${s} }`),
  patternText.map((s) => `[${s}]`),
  patternText.map((s) => `%${s}%`),
);

describe('filter-pattern properties', () => {
  it('compiling throws nothing but InvalidParameterException', () => {
    fc.assert(
      fc.property(fc.oneof(structured, fc.string({ maxLength: 80 })), (pattern) => {
        try {
          compileFilterPattern(pattern);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidParameterException);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('a compiled pattern never throws while matching', () => {
    const messages = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.json().map((j) => (j.startsWith('{') ? j : `{"v": ${j}}`)),
      fc.array(fc.constantFrom('a', '1', '"x y"', '[p q]', '-', '200'), { maxLength: 10 }).map((w) => w.join(' ')),
    );
    fc.assert(
      fc.property(structured, messages, (pattern, message) => {
        let compiled;
        try {
          compiled = compileFilterPattern(pattern);
        } catch {
          return;
        }
        const matched = compiled.matches(message);
        const extracted = compiled.extract(message);
        expect(extracted !== null).toBe(matched);
        compiled.valueOf('$1', message);
        compiled.valueOf('$.a', message);
      }),
      { numRuns: 5000 },
    );
  });

  it('requiredTerms are in every matching message', () => {
    const word = fc.constantFrom('ERROR', 'WARN', 'a', 'b', '200', 'GET');
    const pattern = fc.oneof(
      fc.array(fc.tuple(fc.constantFrom('', '-', '?'), word), { minLength: 1, maxLength: 4 }).map((ts) =>
        ts.map(([p, w]) => p + w).join(' '),
      ),
      fc.tuple(word, word).map(([a, b]) => `[x=${a}, y=${b} || y=${a}, ...]`),
      fc.tuple(word, word).map(([a, b]) => `[x=${a} && x!=${b}, ...]`),
      word.map((w) => `{ $.level = ${w} }`),
    );
    const message = fc.array(word, { maxLength: 6 }).map((ws) => ws.join(' '));
    fc.assert(
      fc.property(pattern, message, (p, m) => {
        const compiled = compileFilterPattern(p);
        if (!compiled.matches(m)) return;
        for (const term of requiredTerms(compiled)) expect(m).toContain(term);
      }),
      { numRuns: 5000 },
    );
  });

  it('reports the literal terms a match needs', () => {
    expect(requiredTerms(compileFilterPattern('ERROR "bad request" -DEBUG'))).toEqual(['ERROR', 'bad request']);
    expect(requiredTerms(compileFilterPattern('?ERROR ?WARN'))).toEqual([]);
    expect(requiredTerms(compileFilterPattern('[w1=ERROR, w2]'))).toEqual(['ERROR']);
    expect(requiredTerms(compileFilterPattern('[w1=ERROR || w1=WARN, w2]'))).toEqual([]);
    expect(requiredTerms(compileFilterPattern('[..., status=200, size]'))).toEqual([]); // 200 could be 200.0
    expect(requiredTerms(compileFilterPattern('{ $.level = "ERROR" }'))).toEqual([]); // JSON may escape
    expect(requiredTerms(compileFilterPattern('%ERR%'))).toEqual([]);
  });
});

describe('match time is linear in the message length', () => {
  // Pathological for backtracking engines; re2js runs them in linear time.
  const patterns = [
    '%^a+a+a+a+a+$%', // parentheses are not allowed, so stack quantifiers instead
    '%a*a*a*a*a*a*a*b%',
    '%^a{1,50}a{1,50}a{1,50}b$%',
    '%[a-z]*[a-z]*[a-z]*[0-9]%',
    '{ $.msg = %a*a*a*a*b% }',
    '[w1=%a*a*a*a*b%, w2]',
    '"aaaaaaaaaaaaaaaaaaab" -aaaaaaaaab',
    '[..., x=*a*a*a*a*b*, y]',
  ];

  function timeOf(pattern: string, message: string): number {
    const compiled = compileFilterPattern(pattern);
    compiled.matches(message); // warm up
    let best = Infinity; // the fastest of several runs filters out GC pauses and scheduler noise
    for (let i = 0; i < 11; i++) {
      const start = performance.now();
      compiled.matches(message);
      best = Math.min(best, performance.now() - start);
    }
    return best;
  }

  function messageFor(pattern: string, length: number): string {
    if (pattern.startsWith('{')) return `{"msg": "${'a'.repeat(length)}"}`;
    if (pattern.startsWith('[..')) return `${'a '.repeat(length / 2)}a`;
    return 'a'.repeat(length);
  }

  it.each(patterns)('%s over 100 KB stays under a fixed bound', (pattern) => {
    const ms = timeOf(pattern, messageFor(pattern, 100_000));
    expect(ms).toBeLessThan(250);
  });

  it.each(patterns)('%s: 8x the input costs far less than 64x the time', (pattern) => {
    const small = Math.max(timeOf(pattern, messageFor(pattern, 12_500)), 0.05);
    const large = timeOf(pattern, messageFor(pattern, 100_000));
    // Linear growth gives ~8x; quadratic would give ~64x. Allow generous noise.
    expect(large / small).toBeLessThan(32);
  });
});
