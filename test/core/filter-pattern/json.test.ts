import { describe, expect, it } from 'vitest';
import { compileFilterPattern } from '../../../src/core/filter-pattern/index.js';

// User guide, "Using filter patterns to match terms in JSON log events" (both revisions), and the
// behaviour a boto3 suite recorded through TestMetricFilter against real AWS.
const EVENT = JSON.stringify({
  eventType: 'UpdateTrail',
  sourceIPAddress: '111.111.111.111',
  arrayKey: ['value', 'another value'],
  objectList: [
    { name: 'a', id: 1 },
    { name: 'b', id: 2 },
  ],
  SomeObject: null,
  ThisFlag: true,
  'cluster.name': 'c',
});

const COMPOUND = JSON.stringify({
  user: { id: 1, email: 'John.Stiles@example.com' },
  users: [
    { id: 2, email: 'John.Doe@example.com' },
    { id: 3, email: 'Jane.Doe@example.com' },
  ],
  actions: ['GET', 'PUT', 'DELETE'],
  coordinates: [
    [0, 1, 2],
    [4, 5, 6],
    [7, 8, 9],
  ],
});

// Numbers written as the recorded suite wrote them (12.0 must keep its text).
const RECORDED =
  '{"eventType": "UpdateTrail", "sourceIPAddress": "111.111.111.111", "someString": "111.111.111.111",' +
  ' "emptyString": "", "someInt": 123, "someFloat": 12.34, "someFloat2": 12.0, "someObject": {}, "someArray": []}';

type Row = readonly [pattern: string, message: string, matches: boolean];

const rows: Row[] = [
  ['{ $.eventType = "UpdateTrail" }', EVENT, true],
  ['{ $.eventType = UpdateTrail }', EVENT, true],
  ['{ $.eventType = "NoTrail" }', EVENT, false],
  ['{ $.sourceIPAddress != 123.123.* }', EVENT, true],
  ['{ $.sourceIPAddress != 111.111.* }', EVENT, false],
  ['{ $.arrayKey[0] = "value" }', EVENT, true],
  ['{ $.arrayKey[1] = "value" }', EVENT, false],
  ['{ $.objectList[1].id = 2 }', EVENT, true],
  ['{ $.objectList[1].name = "b" }', EVENT, true],
  ['{ $.SomeObject IS NULL }', EVENT, true],
  ['{ $.eventType IS NULL }', EVENT, false],
  ['{ $.SomeOtherObject NOT EXISTS }', EVENT, true],
  ['{ $.eventType NOT EXISTS }', EVENT, false],
  ['{ $.ThisFlag IS TRUE }', EVENT, true],
  ['{ $.ThisFlag IS FALSE }', EVENT, false],
  ['{ $.eventType = %Trail% }', EVENT, true],
  ['{ $.arrayKey[*] = %val.{2}% }', EVENT, true],
  ['{ $.* = %111\\.111\\.111\\.1[0-9]{1,2}% }', EVENT, true],
  ["{ $.['cluster.name'] = \"c\" }", EVENT, true],
  ['{ $.objectList[*].id = 2 }', EVENT, true],
  ['{ $.arrayKey = "value" }', EVENT, false], // selector on an array
  ['{ $.objectList[0] != "x" }', EVENT, false], // selector on an object
  ['{ $.missing != "x" }', EVENT, false],
  ['{ $.foo = bar }', '{"foo": "bar"}', true],
  ['{ $.foo = baz }', '{"foo": "bar"}', false],
  ['{ $.foo = bar || $.foo = baz }', '{"foo": "baz"}', true],
  // Compound conditions
  ['{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', COMPOUND, true],
  ['{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', COMPOUND, false],
  ['{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }', COMPOUND, true],
  ['{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }', COMPOUND, false],
  ['{ $.coordinates[1][2] = 6 }', COMPOUND, true],
  ['{ $.users = 1 }', '{"users": [1, 2, 3]}', false],
  ['{ $.users != 1 }', '{"users": [1, 2, 3]}', false],
  // Numeric comparisons, including exponent notation
  ['{ $.latency >= 500 }', '{"latency": 500}', true],
  ['{ $.latency >= 500 }', '{"latency": 499}', false],
  ['{ $.numbers[0] < 10e3 }', '{"numbers": [9999]}', true],
  ['{ $.numbers[0] < 10e-3 }', '{"numbers": [0.001]}', true],
  ['{ $.numbers[0] < 10e-3 }', '{"numbers": [0.01]}', false],
  ['{ $.processes[4].averageRuntime <= 55.5 }', '{"processes": [{},{},{},{},{"averageRuntime": 55.5}]}', true],
  ['{ $.errorCode = 400 }', '{"errorCode": 400}', true],
  ['{ $.errorCode = 400}', '{"errorCode": 400}', true],
  ['{ $.errorCode != 500 }', '{"errorCode": 400}', true],
  ['{ $.errorCode != 500 }', '{"errorCode": 500}', false],
  ['{ $.latency > +1000 }', '{"latency": 1001}', true],
  ['{ $.bandwidth > 75 }', '{"bandwidth": 80}', true],
  ['{ $.bandwidth > 75 }', '{"bandwidth": 75}', false],
  ['{ $.latency < 50 }', '{"latency": 49.5}', true],
  ['{ $.refreshRate >= 60 }', '{"refreshRate": 60}', true],
  ['{ $.responseTime <= 5 }', '{"responseTime": 5}', true],
  ['{ $.number[0] = 1e+3 }', '{"number": [1000]}', true],
  ['{ $.number[0] != 1e-3 }', '{"number": [1000]}', true],
  ['{ $.latency = * }', '{"latency": 42}', true],
  ['{ $.latency > 10 }', '{"latency": "42"}', false], // a string is not a number
  ['{ $.errorCode = 4* }', '{"errorCode": 404}', true],
  // Recorded against AWS: quoted values compare text, unquoted numbers compare values
  ['{ $.someInt = 123 }', RECORDED, true],
  ['{ $.someInt = 123.0 }', RECORDED, true],
  ['{ $.someInt = "123" }', RECORDED, true],
  ['{ $.someInt != "123.0" }', RECORDED, true],
  ['{ $.someInt != 123 }', RECORDED, false],
  ['{ $.someFloat2 = 12 }', RECORDED, true],
  ['{ $.someFloat2 != "12" }', RECORDED, true],
  ['{ $.someString != 111 }', RECORDED, true],
  ['{ $.someString = 123 }', RECORDED, false],
  ['{ $.someString > 123 }', RECORDED, false],
  ['{ $.someObject = 123 }', RECORDED, false],
  ['{ $.someObject != "123" }', RECORDED, false],
  ['{ $.someString = "*" }', RECORDED, true],
  ['{ $.emptyString = "*" }', RECORDED, true],
  // Recorded wildcard behaviour, quirks included
  ['{ $.someString = "*.111.111.111" }', RECORDED, true],
  ['{ $.someString = "*111.111.111" }', RECORDED, false],
  ['{ $.someString != 111*111 }', RECORDED, true],
  ['{ $.someString = 111* }', RECORDED, true],
  ['{ $.sourceIPAddress = *111* }', RECORDED, true],
  ['{ $.sourceIPAddress = 11*1 }', RECORDED, false],
  ['{ $.someInt = 1* }', RECORDED, true],
  ['{ $.someInt = *23 }', RECORDED, true],
  ['{ $.someInt != 1*3 }', RECORDED, false],
  ['{ $.someFloat = 12.* }', RECORDED, true],
  ['{ $.someFloat = *.34 }', RECORDED, true],
  ['{ $.someFloat != "4*1" }', RECORDED, true],
  ['{ $.someFloat != 43.21* }', RECORDED, true],
  // Whitespace is free inside the braces
  ['{ $.someFloat      <=     100.0 }', RECORDED, true],
  ['{($.eventType=UpdateTrail)||($.eventType=Other)}', RECORDED, true],
  // Events that are not a JSON object never match
  ['{ $.eventType = "UpdateTrail" }', 'eventType=UpdateTrail', false],
  ['{ $.eventType = "UpdateTrail" }', '2024-01-01 INFO {"eventType": "UpdateTrail"}', false],
  ['{ $.eventType NOT EXISTS }', 'not json', false],
  ['{ $.eventType = "UpdateTrail" }', '{"eventType": "UpdateTrail"', false],
  ['{ $.eventType = "UpdateTrail" }', '  {"eventType": "UpdateTrail"}  ', true],
];

describe('JSON filter patterns', () => {
  it.each(rows)('%s matches: %s', (pattern, message, matches) => {
    const compiled = compileFilterPattern(pattern);
    expect(compiled.kind).toBe('json');
    expect(compiled.matches(message)).toBe(matches);
    // User guide: extracted fields are empty unless the pattern is space-delimited.
    expect(compiled.extract(message)).toEqual(matches ? {} : null);
  });

  it('resolves metric values against a match', () => {
    const compiled = compileFilterPattern('{ $.latency = * }');
    expect(compiled.valueOf('$.latency', '{"latency": 42.50}')).toBe('42.50');
    expect(compiled.valueOf('$.missing', '{"latency": 42}')).toBeUndefined();
    expect(compiled.valueOf('$.latency', '{"other": 1}')).toBeUndefined();
    const nested = compileFilterPattern('{ $.eventType = "UpdateTrail" }');
    expect(nested.valueOf('$.objectList[1].id', EVENT)).toBe('2');
    expect(nested.valueOf("$.['cluster.name']", EVENT)).toBe('c');
    expect(nested.valueOf('$.objectList', EVENT)).toBeUndefined();
    expect(nested.valueOf('$size', EVENT)).toBeUndefined();
  });

  it('decodes escapes in events and in quoted values', () => {
    expect(compileFilterPattern('{ $.msg = "say \\"hi\\"" }').matches('{"msg": "say \\"hi\\""}')).toBe(true);
    expect(compileFilterPattern('{ $.msg = "caf\u00e9" }').matches('{"msg": "caf\\u00e9"}')).toBe(true);
  });
});

describe('selector-directed parsing', () => {
  it('still rejects events whose skipped parts are malformed', () => {
    const p = compileFilterPattern('{ $.level = "ERROR" }');
    expect(p.matches('{"level": "ERROR", "other": {"a": [1, 2,]}}')).toBe(false);
    expect(p.matches('{"level": "ERROR", "other": "bad \\q escape"}')).toBe(false);
    expect(p.matches('{"level": "ERROR", "other": {"a": [1, 2, {"b": "\\u0041"}]}}')).toBe(true);
  });

  it('keeps array positions when earlier elements are skipped', () => {
    expect(compileFilterPattern('{ $.a[2].id = 7 }').matches('{"a": [{"id": 1}, [2], {"id": 7}]}')).toBe(true);
    expect(compileFilterPattern('{ $.a[1] IS NULL }').matches('{"a": [{"x": 1}, null]}')).toBe(true);
    expect(compileFilterPattern('{ $.a[0] IS NULL }').matches('{"a": [{"x": 1}, null]}')).toBe(false);
  });

  it('gives valueOf the whole event, not just the matched paths', () => {
    expect(compileFilterPattern('{ $.level = "ERROR" }').valueOf('$.http.status', '{"level": "ERROR", "http": {"status": 503}}')).toBe('503');
  });
});
