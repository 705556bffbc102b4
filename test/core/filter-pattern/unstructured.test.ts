import { describe, expect, it } from 'vitest';
import { compileFilterPattern } from '../../../src/core/filter-pattern/index.js';

// User guide, "Using filter patterns to match terms in unstructured log events", plus the older
// revision's examples (ERRORCODE, "Failed to process the request", OR/exclusion examples).
type Row = readonly [pattern: string, message: string, matches: boolean];

const rows: Row[] = [
  // Match a single term
  ['ERROR', '[ERROR 400] BAD REQUEST', true],
  ['ERROR', '[ERROR 401] UNAUTHORIZED REQUEST', true],
  ['ERROR', '[ERROR 419] MISSING ARGUMENTS', true],
  ['ERROR', '[ERROR 420] INVALID ARGUMENTS', true],
  ['ERROR', '[INFO 200] SUCCESSFUL REQUEST', false],
  ['ERROR', '[ERROR] A fatal exception has occurred', true],
  ['ERROR', 'Exiting with ERRORCODE: -1', true], // terms match inside longer words
  ['ERROR', 'an error happened', false], // case-sensitive
  ['ERROR', 'NotFoundError', false],
  ['ERROR', 'ERRORNEOUS PROGRAM', true],
  // Match multiple terms
  ['ERROR ARGUMENTS', '[ERROR 419] MISSING ARGUMENTS', true],
  ['ERROR ARGUMENTS', '[ERROR 420] INVALID ARGUMENTS', true],
  ['ERROR ARGUMENTS', '[ERROR 400] BAD REQUEST', false],
  ['ERROR ARGUMENTS', '[ERROR 401] UNAUTHORIZED REQUEST', false],
  ['ERROR Exception', '[ERROR] Caught IllegalArgumentException', true],
  ['ERROR Exception', '[ERROR] Unhandled Exception', true],
  ['Failed to process the request', '[WARN] Failed to process the request', true],
  ['Failed to process the request', '[ERROR] Unable to continue: Failed to process the request', true],
  ['Failed to process the request', '[ERROR] Unable to continue', false],
  // Match optional terms
  ['?ERROR ?ARGUMENTS', '[ERROR 400] BAD REQUEST', true],
  ['?ERROR ?ARGUMENTS', '[ERROR 401] UNAUTHORIZED REQUEST', true],
  ['?ERROR ?ARGUMENTS', '[ERROR 419] MISSING ARGUMENTS', true],
  ['?ERROR ?ARGUMENTS', '[ERROR 420] INVALID ARGUMENTS', true],
  ['?ERROR ?ARGUMENTS', '[INFO 200] SUCCESSFUL REQUEST', false],
  ['?ERROR ?WARN', 'ERROR WARN message', true],
  ['?ERROR ?WARN', 'ERROR message', true],
  ['?ERROR ?WARN', 'WARN message', true],
  ['?ERROR ?WARN', 'INFO message', false],
  ['ERROR WARN', 'ERROR WARN message', true],
  ['ERROR WARN', 'ERROR message', false],
  ['ERROR WARN', 'WARN message', false],
  ['ERROR -WARN', 'ERROR WARN message', false],
  ['ERROR -WARN', 'ERROR message', true],
  ['ERROR -WARN', 'WARN message', false],
  // "?" combined with other terms: the "?" terms are ignored
  ['?ERROR ?ARGUMENTS REQUEST', '[INFO] REQUEST FAILED', true],
  ['?ERROR ?ARGUMENTS REQUEST', '[WARN] UNAUTHORIZED REQUEST', true],
  ['?ERROR ?ARGUMENTS REQUEST', '[ERROR] 400 BAD REQUEST', true],
  ['?ERROR ?ARGUMENTS REQUEST', '[ERROR 419] MISSING ARGUMENTS', false],
  ['?"clean up" ?xyz', 'map clean up', true],
  ['?"clean up" ?xyz', 'map is cleaned up', false],
  // Match exact phrases
  ['"INTERNAL SERVER ERROR"', '[ERROR 500] INTERNAL SERVER ERROR', true],
  ['"INTERNAL SERVER ERROR"', '[ERROR 500] INTERNAL ERROR ON SERVER', false],
  ['"[ERROR]"', '02 May 2014 00:34:16,142 [ERROR] Unhanded exception', true],
  ['"[ERROR]"', '02 May 2014 00:34:12,525 [INFO] Starting the application', false],
  ['"ERROR][grpc"', '2025-03-28 [ERROR][grpc] failed', true],
  ['"ERROR][grpc"', '[ERROR] [grpc]', false],
  ['"say \\"hi\\""', 'they say "hi" here', true],
  // Include and exclude terms
  ['ERROR -ARGUMENTS', '[ERROR 400] BAD REQUEST', true],
  ['ERROR -ARGUMENTS', '[ERROR 401] UNAUTHORIZED REQUEST', true],
  ['ERROR -ARGUMENTS', '[ERROR 419] MISSING ARGUMENTS', false],
  ['ERROR -ARGUMENTS', '[ERROR 420] INVALID ARGUMENTS', false],
  ['"ERROR" -"Exiting"', 'Exiting with ERRORCODE: -1', false],
  ['"ERROR" -"Exiting"', '[ERROR] A fatal exception has occurred', true],
  ['-DEBUG', 'INFO started', true],
  ['-DEBUG', 'DEBUG noise', false],
  // Match everything
  ['', 'anything at all', true],
  ['', '', true],
  ['   ', 'anything', true],
  ['""', 'anything', true],
  ['" "', 'nospace', true],
];

describe('unstructured filter patterns', () => {
  it.each(rows)('%j on %j matches: %s', (pattern, message, matches) => {
    const compiled = compileFilterPattern(pattern);
    expect(compiled.matches(message)).toBe(matches);
    expect(compiled.extract(message)).toEqual(matches ? {} : null);
  });

  it('reports its kind', () => {
    expect(compileFilterPattern('').kind).toBe('all');
    expect(compileFilterPattern('" "').kind).toBe('all');
    expect(compileFilterPattern('ERROR').kind).toBe('terms');
  });
});
