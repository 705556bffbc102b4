import { describe, expect, it } from 'vitest';
import { FIRST_EVENT_NUMBER, testMetricFilter } from '../../../src/core/filter-pattern/index.js';

// The TestMetricFilter API reference's six examples and the AWS CLI example. The reference's
// samples number events from 0, the CLI's captured output from 1; we follow the captured output
// (see FIRST_EVENT_NUMBER), so expected numbers below are the reference's plus one. The
// reference's `"$size": "1534,"` (stray comma) is a typo in its sample and is not reproduced.
const ACCESS = [
  '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534',
  '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324',
  '127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 200 4355',
];
const TIMES = ['10/Oct/2000:13:25:15 -0700', '10/Oct/2000:13:35:22 -0700', '10/Oct/2000:13:50:35 -0700'];
const STATUS = ['200', '500', '200'];
const SIZE = ['1534', '5324', '4355'];
const APP = [
  '02 May 2014 00:34:12,525 [INFO] Starting the application',
  '02 May 2014 00:35:14,245 [DEBUG] Database connection established',
  '02 May 2014 00:34:14,663 [INFO] Executing SQL Query',
  '02 May 2014 00:34:16,142 [ERROR] Unhanded exception: InvalidQueryException',
  '02 May 2014 00:34:16,224 [ERROR] Terminating the application',
];
const n = (zeroBased: number) => zeroBased + FIRST_EVENT_NUMBER;

describe('testMetricFilter', () => {
  it('counts events from 1, as the CLI example shows', () => {
    expect(FIRST_EVENT_NUMBER).toBe(1);
    expect(testMetricFilter('ERROR', ['[ERROR] 400 BAD REQUEST', '[ERROR] 400 BAD REQUEST', '[INFO] 200 OK'])).toEqual([
      { eventNumber: 1, eventMessage: '[ERROR] 400 BAD REQUEST', extractedValues: {} },
      { eventNumber: 2, eventMessage: '[ERROR] 400 BAD REQUEST', extractedValues: {} },
    ]);
  });

  it('names every field', () => {
    expect(testMetricFilter('[ip, identity, user_id, timestamp, request, status_code, size]', ACCESS)).toEqual(
      ACCESS.map((eventMessage, i) => ({
        eventNumber: n(i),
        eventMessage,
        extractedValues: {
          $ip: '127.0.0.1', $identity: '-', $user_id: 'frank', $timestamp: TIMES[i],
          $request: 'GET /apache_pb.gif HTTP/1.0', $status_code: STATUS[i], $size: SIZE[i],
        },
      })),
    );
  });

  it('numbers the fields an ellipsis stands for', () => {
    expect(testMetricFilter('[..., size]', ACCESS)).toEqual(
      ACCESS.map((eventMessage, i) => ({
        eventNumber: n(i),
        eventMessage,
        extractedValues: {
          $1: '127.0.0.1', $2: '-', $3: 'frank', $4: TIMES[i], $5: 'GET /apache_pb.gif HTTP/1.0', $6: STATUS[i], $size: SIZE[i],
        },
      })),
    );
  });

  it('reports every field by position for []', () => {
    expect(testMetricFilter('[]', ACCESS)).toEqual(
      ACCESS.map((eventMessage, i) => ({
        eventNumber: n(i),
        eventMessage,
        extractedValues: {
          $1: '127.0.0.1', $2: '-', $3: 'frank', $4: TIMES[i], $5: 'GET /apache_pb.gif HTTP/1.0', $6: STATUS[i], $7: SIZE[i],
        },
      })),
    );
  });

  it('keeps only successful requests', () => {
    expect(testMetricFilter('[..., status_code=200, size]', ACCESS)).toEqual(
      [0, 2].map((i) => ({
        eventNumber: n(i),
        eventMessage: ACCESS[i],
        extractedValues: {
          $status_code: '200', $size: SIZE[i], $1: '127.0.0.1', $2: '-', $3: 'frank', $4: TIMES[i], $5: 'GET /apache_pb.gif HTTP/1.0',
        },
      })),
    );
  });

  it('matches 4XX responses for HTML pages (a trailing empty entry is an unnamed field)', () => {
    const events = [
      '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534',
      '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /about-us/index.html HTTP/1.0" 200 5324',
      '127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 404 4355',
      '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /products/index.html HTTP/1.0" 400 1534',
    ];
    expect(testMetricFilter('[..., request=*.html*, status_code=4*,]', events)).toEqual([
      {
        eventNumber: n(0),
        eventMessage: events[0],
        extractedValues: {
          $status_code: '404', $request: 'GET /index.html HTTP/1.0', $7: '1534', $4: '10/Oct/2000:13:25:15 -0700',
          $2: '-', $3: 'frank', $1: '127.0.0.1',
        },
      },
      {
        eventNumber: n(3),
        eventMessage: events[3],
        extractedValues: {
          $status_code: '400', $request: 'GET /products/index.html HTTP/1.0', $7: '1534', $4: '10/Oct/2000:13:25:15 -0700',
          $2: '-', $3: 'frank', $1: '127.0.0.1',
        },
      },
    ]);
  });

  it('matches "[ERROR]" and "[ERROR]" Exception with empty extracted values', () => {
    expect(testMetricFilter('"[ERROR]"', APP)).toEqual([
      { eventNumber: n(3), eventMessage: APP[3], extractedValues: {} },
      { eventNumber: n(4), eventMessage: APP[4], extractedValues: {} },
    ]);
    expect(testMetricFilter('"[ERROR]" Exception', APP)).toEqual([
      { eventNumber: n(3), eventMessage: APP[3], extractedValues: {} },
    ]);
  });

  it('reports JSON matches with empty extracted values', () => {
    expect(testMetricFilter('{ $.latency > 100 }', ['{"latency": 250}', '{"latency": 5}', 'plain'])).toEqual([
      { eventNumber: 1, eventMessage: '{"latency": 250}', extractedValues: {} },
    ]);
  });
});
