import { describe, expect, it } from 'vitest';
import { compileFilterPattern, testMetricFilter } from '../../../src/core/filter-pattern/index.js';
import { InvalidParameterException } from '../../../src/core/errors.js';

// Messages recorded from AWS (GitHub issues, a boto3 suite run against AWS, LocalStack's
// AWS-validated snapshots). Rows without a recorded message only assert the exception type.
type Row = readonly [pattern: string, message: string | undefined];

const rows: Row[] = [
  ['{ $."sc-status" = 5* }', "Invalid character(s) in term '$.\"'"],
  ['?Status: timeout', "Invalid character(s) in term ':'"],
  ['PlayerSpawnedInWorld (reason: JoinMultiplayer', "Invalid character(s) in term '('"],
  ['level\\":\\"error', "Invalid character(s) in term '\\'"],
  ['`ERROR`', "Invalid character(s) in term '`'"],
  ['{ $.message = "error-response", $.path = "/authenticate" }', "Invalid character(s) in term ','"],
  ['[timestamp=*Z, request_id=\u201c*-*\u201c]', "Invalid character(s) in term '\u201c'"],
  ['{ $.someString > unquoted_string }', "Invalid character(s) in term 'unquoted_string'"],
  ['{ $.someString > "quoted_string" }', "Invalid character(s) in term '\"quoted_string\"'"],
  ['{ $.someString >= "123" }', "Invalid character(s) in term '\"123\"'"],
  ['{ $.eventType <= UpdateTrail }', "Invalid character(s) in term 'UpdateTrail'"],
  ['{$.kubernetes.namespace_name="abc"', "If a filter pattern starts with '{' it must end with '}'"],
  [' {$.ThisFlag IS TRUE} ', 'Invalid metric filter pattern'],
  ['[ip, user, username, timestamp, request, status_code = 4* && bytes > 1000]', 'Invalid metric filter pattern'],
  ['user@example.com', "Invalid character(s) in term '@'"],
  ['"INTERNAL SERVER', 'Invalid metric filter pattern'],
  ['{ $.a = }', undefined],
  ['{ $.a }', undefined],
  ['{ a = 1 }', undefined],
  ['{ $.a == 1 }', undefined],
  ['{ $.a = 1 && }', undefined],
  ['{ ($.a = 1 }', undefined],
  ['{ $.a IS MAYBE }', undefined],
  ['{ $.a IS NOT NULL }', undefined], // docs: IS NOT is not supported
  ['{ $.a EXISTS }', undefined], // docs: EXISTS is not supported
  ['{ $.a[x] = 1 }', undefined],
  ['{ $.a = "unterminated }', undefined],
  ['{ $.*[*] = "a" }', undefined], // one wildcard per selector
  ['{ $.a[*] = 1 || $.b[*] = 1 || $.c[*] = 1 || $.d[*] = 1 }', undefined], // three per pattern
  ['[a, ..., b, ..., c]', undefined],
  ['[a, a]', undefined],
  ['[a = ]', undefined],
  ['[a, b', undefined],
  ['[a = 1 ||]', undefined],
  ['[1a]', undefined],
  ['[a, b=x || c=y]', undefined],
  ['ERROR -', undefined],
];

describe('invalid filter patterns', () => {
  it.each(rows)('%s', (pattern, message) => {
    let thrown: unknown;
    try {
      compileFilterPattern(pattern);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(InvalidParameterException);
    if (message !== undefined) expect((thrown as Error).message).toBe(message);
  });

  it('words the catch-all message for the calling API', () => {
    const bad = '[a, a]';
    expect(() => compileFilterPattern(bad, { context: 'filter-log-events' })).toThrow('Invalid filter pattern');
    expect(() => compileFilterPattern(bad, { context: 'metric-filter' })).toThrow('Invalid metric filter pattern');
    expect(() => testMetricFilter(bad, ['x'])).toThrow('Invalid metric filter pattern');
  });

  it('rejects patterns longer than 1024 characters with the recorded validation message', () => {
    const long = 'X'.repeat(1025);
    expect(() => compileFilterPattern(long)).toThrow(
      `1 validation error detected: Value '${long}' at 'filterPattern' failed to satisfy constraint: Member must have length less than or equal to 1024`,
    );
    expect(compileFilterPattern('X'.repeat(1024)).kind).toBe('terms');
  });
});
