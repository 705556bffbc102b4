import { describe, expect, it } from 'vitest';
import { compileFilterPattern } from '../../../src/core/filter-pattern/index.js';

// User guide, "Using filter patterns to match terms in space-delimited log events" (both
// revisions), and the TestMetricFilter API reference's extractedValues.
const APACHE = '127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534';
const ACCESS_200 = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534';
const ACCESS_500 = '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324';
const GET = 'INFO 09/25/2014 12:00:00 GET /service/resource/67 1200';
const POST = 'INFO 09/25/2014 12:00:01 POST /service/resource/67/part/111 1310';
const WARNING = 'WARNING 09/25/2014 12:00:02 Invalid user request';
const ERROR = 'ERROR 09/25/2014 12:00:02 Failed to process request';

type Row = readonly [pattern: string, message: string, extracted: Record<string, string> | null];

const ALL_FIELDS = {
  $ip: '127.0.0.1',
  $user: 'Prod',
  $username: 'frank',
  $timestamp: '10/Oct/2000:13:25:15 -0700',
  $request: 'GET /index.html HTTP/1.0',
  $status_code: '404',
  $bytes: '1534',
};

const rows: Row[] = [
  ['[ip, user, username, timestamp, request, status_code, bytes]', APACHE, ALL_FIELDS],
  [
    '[ip=%127\\.0\\.0\\.[1-9]%, user, username, timestamp, request =*.html*, status_code = 4*, bytes]',
    APACHE,
    ALL_FIELDS,
  ],
  [
    '[..., request =*.html*, status_code = 4*, bytes]',
    APACHE,
    { $1: '127.0.0.1', $2: 'Prod', $3: 'frank', $4: '10/Oct/2000:13:25:15 -0700', $request: 'GET /index.html HTTP/1.0', $status_code: '404', $bytes: '1534' },
  ],
  ['[ip, user, username, timestamp, request =*.html*, status_code = 404 || status_code = 410, bytes]', APACHE, ALL_FIELDS],
  ['[ip, user, username, timestamp, request =*.html*, status_code = 400 || status_code = 410, bytes]', APACHE, null],
  ['[ip, user, username, timestamp, request, status_code, bytes > 1000]', APACHE, ALL_FIELDS],
  ['[ip, user, username, timestamp, request, status_code, bytes > 2000]', APACHE, null],
  ['[ip, user, username, timestamp, request, status_code = 200, bytes]', ACCESS_200, {
    $ip: '127.0.0.1', $user: '-', $username: 'frank', $timestamp: '10/Oct/2000:13:25:15 -0700',
    $request: 'GET /apache_pb.gif HTTP/1.0', $status_code: '200', $bytes: '1534',
  }],
  ['[ip, user, username, timestamp, request, status_code = 4* && status_code != 403, bytes]', APACHE, ALL_FIELDS],
  ['[ip, user, username, timestamp, request, status_code = 4* && status_code != 404, bytes]', APACHE, null],
  ['[ip, user, username, timestamp, request, status_code = 403 || status_code = 404, bytes]', APACHE, ALL_FIELDS],
  ['[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]', ACCESS_200, null],
  ['[..., status_code, bytes]', APACHE, { $1: '127.0.0.1', $2: 'Prod', $3: 'frank', $4: '10/Oct/2000:13:25:15 -0700', $5: 'GET /index.html HTTP/1.0', $status_code: '404', $bytes: '1534' }],
  ['[ip, user, ..., status_code, bytes]', APACHE, { $ip: '127.0.0.1', $user: 'Prod', $3: 'frank', $4: '10/Oct/2000:13:25:15 -0700', $5: 'GET /index.html HTTP/1.0', $status_code: '404', $bytes: '1534' }],
  ['[ip, user, ...]', APACHE, { $ip: '127.0.0.1', $user: 'Prod', $3: 'frank', $4: '10/Oct/2000:13:25:15 -0700', $5: 'GET /index.html HTTP/1.0', $6: '404', $7: '1534' }],
  ['[a, b, c, d, e, f, g, h]', APACHE, null], // eight entries need eight fields
  ['[a, b, c, d, e, f, g, h, ...]', APACHE, null],
  // Terms in order: w1 is the first word; the last entry takes the rest of the event
  ['[w1=ERROR, w2]', ERROR, { $w1: 'ERROR', $w2: '09/25/2014 12:00:02 Failed to process request' }],
  ['[w1=ERROR, w2]', GET, null],
  ['[w1=ERROR]', ERROR, null],
  ['[w1=ERROR, w2]', 'ERROR', null],
  ['[w1=ERROR || w1=WARNING, w2]', WARNING, { $w1: 'WARNING', $w2: '09/25/2014 12:00:02 Invalid user request' }],
  ['[w1=ERROR || w1=WARNING, w2]', GET, null],
  ['[w1!=ERROR && w1!=WARNING, w2]', GET, { $w1: 'INFO', $w2: '09/25/2014 12:00:00 GET /service/resource/67 1200' }],
  ['[w1!=ERROR && w1!=WARNING, w2]', ERROR, null],
  ['[w1!=ERROR&&w1!=WARN, w2]', 'ERROR WARN message', null],
  ['[w1=ERROR, w2]', 'ERROR message', { $w1: 'ERROR', $w2: 'message' }],
  ['[w1=ERROR || w1=WARN, w2]', 'WARN message', { $w1: 'WARN', $w2: 'message' }],
  ['[logLevel, date, time, method, url=%/service/resource/[0-9]+$%, response_time]', GET, {
    $logLevel: 'INFO', $date: '09/25/2014', $time: '12:00:00', $method: 'GET', $url: '/service/resource/67', $response_time: '1200',
  }],
  ['[logLevel, date, time, method, url=%/service/resource/[0-9]+$%, response_time]', POST, null],
  ['[logLevel, date, time, method, url=%/service/resource/[0-9]+/part/[0-9]+$%, response_time]', POST, {
    $logLevel: 'INFO', $date: '09/25/2014', $time: '12:00:01', $method: 'POST', $url: '/service/resource/67/part/111', $response_time: '1310',
  }],
  // Quoted values, numbers and empty events
  ['[..., request="GET /index.html HTTP/1.0", status_code, bytes]', APACHE, { $1: '127.0.0.1', $2: 'Prod', $3: 'frank', $4: '10/Oct/2000:13:25:15 -0700', $request: 'GET /index.html HTTP/1.0', $status_code: '404', $bytes: '1534' }],
  ['[..., status_code >= 400 && status_code < 500, bytes]', APACHE, { $1: '127.0.0.1', $2: 'Prod', $3: 'frank', $4: '10/Oct/2000:13:25:15 -0700', $5: 'GET /index.html HTTP/1.0', $status_code: '404', $bytes: '1534' }],
  ['[..., status_code, bytes > 100]', 'a b c d e f text', null],
  ['[]', '', {}],
  ['[a]', '', null],
  ['[..., status_code=200, size]', ACCESS_500, null],
];

describe('space-delimited filter patterns', () => {
  it.each(rows)('%s on %j', (pattern, message, extracted) => {
    const compiled = compileFilterPattern(pattern);
    expect(compiled.kind).toBe('space-delimited');
    expect(compiled.matches(message)).toBe(extracted !== null);
    expect(compiled.extract(message)).toEqual(extracted);
  });

  it('resolves metric values by name and by position', () => {
    const compiled = compileFilterPattern('[..., status_code, bytes]');
    expect(compiled.valueOf('$bytes', APACHE)).toBe('1534');
    expect(compiled.valueOf('$2', APACHE)).toBe('Prod');
    expect(compiled.valueOf('$missing', APACHE)).toBeUndefined();
    expect(compiled.valueOf('$9', APACHE)).toBeUndefined();
    expect(compiled.valueOf('$.bytes', APACHE)).toBeUndefined();
    expect(compiled.valueOf('$bytes', 'short')).toBeUndefined();
  });
});
