import { describe, expect, it } from 'vitest';
import { compileFilterPattern } from '../../../src/core/filter-pattern/index.js';
import { InvalidParameterException } from '../../../src/core/errors.js';

// User guide, "Supported regular expressions (regex) syntax" and "Using filter patterns to match
// terms with a regular expression": each operator's own example.
type Row = readonly [pattern: string, message: string, matches: boolean];

const rows: Row[] = [
  ['%AUTHORIZED%', '[ERROR 401] UNAUTHORIZED REQUEST', true],
  ['%AUTHORIZED%', '[SUCCESS 200] AUTHORIZED REQUEST', true],
  ['%AUTHORIZED%', '[SUCCESS 200] OK', false],
  ['%^[hc]at%', 'hat trick', true],
  ['%^[hc]at%', 'cat', true],
  ['%^[hc]at%', 'a hat', false],
  ['%[hc]at$%', 'the cat', true],
  ['%[hc]at$%', 'cats', false],
  ['%colou?r%', 'color', true],
  ['%colou?r%', 'colour', true],
  ['%[abc]%', 'xbx', true],
  ['%[a-z]%', 'ABC1', false],
  ['%[abcx-z]%', 'y', true],
  ['%a{3,5}%', 'aaaa', true],
  ['%^a{3,5}$%', 'aa', false],
  ['%^a{3,}$%', 'aaaaaaa', true],
  ['%^a{,2}$%', 'aa', true],
  ['%^a{,2}$%', 'aaa', false],
  ['%gra|ey%', 'gray', true],
  ['%gra|ey%', 'grey', true],
  ['%^starting|^initializing|^shutting down%', 'starting now', true],
  ['%^starting|^initializing|^shutting down%', 'initializing ...', true],
  ['%^starting|^initializing|^shutting down%', 'shutting down', true],
  ['%^starting|^initializing|^shutting down%', 'skipping initializing ...', false],
  ['%\\[.\\]%', '[a]', true],
  ['%\\[.\\]%', '[]]', true],
  ['%\\[.\\]%', '[ ]', true],
  ['%\\[.\\]%', '[ab]', false],
  ['%10\\.10\\.0\\.1%', 'from 10.10.0.1', true],
  ['%10\\.10\\.0\\.1%', '10010,051', false],
  ['%10.10.0.1%', '10010,051', true],
  ['%ab*c%', 'ac', true],
  ['%ab*c%', 'abbbc', true],
  ['%ab[0-9]*%', 'ab129', true],
  ['%ab+c%', 'abbc', true],
  ['%ab+c%', 'ac', false],
  ['%.at%', '4at', true],
  ['%.at%', ' at', true],
  ['%\\d%', 'port 80', true],
  ['%\\d%', 'no digits', false],
  ['%\\D%', '123', false],
  ['%\\s%', 'a b', true],
  ['%\\S%', '   ', false],
  ['%\\w%', '_', true],
  ['%\\W%', 'abc_1', false],
  ['%\\x3A%', 'key:value', true],
  ['%\\x28%', 'f(x)', true],
  ['%user@example\\.com%', 'login user@example.com ok', true],
];

describe('regex filter patterns', () => {
  it.each(rows)('%s on %j matches: %s', (pattern, message, matches) => {
    const compiled = compileFilterPattern(pattern);
    expect(compiled.kind).toBe('regex');
    expect(compiled.matches(message)).toBe(matches);
    expect(compiled.extract(message)).toEqual(matches ? {} : null);
  });

  it.each([
    '%something!%', // '!' is not a supported symbol
    '%(ab)+%', // no subpatterns
    '%caf\u00e9%', // no multi-byte characters
    '%\\p{L}%',
    '%\\(ab\\)%',
    '%%',
    '%a{3,%',
    '%[a%',
    '{ $.a = %x% || $.b = %y% || $.c = %z% }', // at most two regexes in a structured pattern
    '[a=%x%, b=%y%, c=%z%]',
  ])('rejects %s', (pattern) => {
    expect(() => compileFilterPattern(pattern)).toThrow(InvalidParameterException);
  });

  it('accepts two regexes in a structured pattern', () => {
    expect(compileFilterPattern('[a=%x%, b=%y%, c]').matches('x y z')).toBe(true);
    expect(compileFilterPattern('{ $.a = %x% || $.b = %y% }').matches('{"b": "y"}')).toBe(true);
  });
});
