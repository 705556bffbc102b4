/* eslint-disable no-control-regex -- ANSI colour codes start with ESC */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConnection } from '../../src/cli/client.js';
import { parseIni } from '../../src/cli/aws-config.js';
import { formatBytes, formatEvent, renderMessage, useColor, type EventFormat } from '../../src/cli/format.js';
import { globToRegExp, parseSourceSpec } from '../../src/cli/events.js';
import { MAX_EVENT_MESSAGE_BYTES, splitMessage } from '../../src/cli/commands/put.js';

describe('useColor', () => {
  const cases: [boolean, Record<string, string>, boolean, boolean][] = [
    [true, {}, false, true],
    [false, {}, false, false],
    [true, {}, true, false],
    [true, { NO_COLOR: '1' }, false, false],
    [true, { NO_COLOR: '' }, false, true],
    [false, { FORCE_COLOR: '1' }, false, true],
    [true, { FORCE_COLOR: '0' }, false, false],
    [false, { FORCE_COLOR: '1', NO_COLOR: '1' }, false, false],
    [false, { FORCE_COLOR: '1' }, true, false],
  ];
  it.each(cases)('tty=%s env=%j --no-color=%s -> %s', (tty, env, flag, expected) => {
    expect(useColor(tty, env, flag)).toBe(expected);
  });
});

const event = { logGroupName: '/g', logStreamName: 's', timestamp: Date.UTC(2024, 4, 1, 13, 10), ingestionTime: Date.UTC(2024, 4, 1, 13, 10, 1), message: '{"a":{"b":1},"msg":"hi"}', eventId: '1' };
const base: EventFormat = { color: false, utc: true, json: false, expand: false, showGroup: true, showStream: true, showTimestamp: false, showIngestionTime: false, query: undefined };

describe('formatEvent', () => {
  const cases: [Partial<EventFormat>, string | undefined][] = [
    [{}, '/g s {"a":{"b":1},"msg":"hi"}'],
    [{ showGroup: false }, 's {"a":{"b":1},"msg":"hi"}'],
    [{ showGroup: false, showStream: false }, '{"a":{"b":1},"msg":"hi"}'],
    [{ showTimestamp: true }, '2024-05-01T13:10:00.000Z /g s {"a":{"b":1},"msg":"hi"}'],
    [{ showTimestamp: true, showIngestionTime: true, showGroup: false }, '2024-05-01T13:10:00.000Z 2024-05-01T13:10:01.000Z s {"a":{"b":1},"msg":"hi"}'],
    [{ query: 'msg' }, '/g s hi'],
    [{ query: 'a' }, '/g s {"b":1}'],
    [{ query: 'nothing' }, undefined],
    [{ expand: true, showGroup: false, showStream: false }, '{\n  "a": {\n    "b": 1\n  },\n  "msg": "hi"\n}'],
    [{ json: true }, '{"logGroupName":"/g","logStreamName":"s","timestamp":"2024-05-01T13:10:00.000Z","ingestionTime":"2024-05-01T13:10:01.000Z","eventId":"1","message":"{\\"a\\":{\\"b\\":1},\\"msg\\":\\"hi\\"}"}'],
    [{ json: true, query: 'a' }, '{"logGroupName":"/g","logStreamName":"s","timestamp":"2024-05-01T13:10:00.000Z","ingestionTime":"2024-05-01T13:10:01.000Z","eventId":"1","message":{"b":1}}'],
  ];
  it.each(cases)('%j', (overrides, expected) => {
    expect(formatEvent(event, { ...base, ...overrides })).toBe(expected);
  });

  it('colours group and stream by stream on a terminal, the same colour each time', () => {
    const a = formatEvent(event, { ...base, color: true })!;
    expect(a).toMatch(/^\u001b\[\d+m\/g\u001b\[0m \u001b\[\d+ms\u001b\[0m \{/);
    expect(formatEvent(event, { ...base, color: true })).toBe(a);
    const colours = new Set(['s1', 's2', 's3', 's4', 's5', 's6'].map((s) => formatEvent({ ...event, logStreamName: s }, { ...base, color: true })!.slice(0, 5)));
    expect(colours.size).toBeGreaterThan(1);
  });

  it('leaves messages that are not JSON as they are under --query and --expand', () => {
    expect(renderMessage('plain text', { query: 'a', expand: true })).toBe('plain text');
    expect(renderMessage('{broken', { query: 'a', expand: false })).toBe('{broken');
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KiB'],
    [10 * 1024 * 1024, '10 MiB'],
    [5 * 1024 ** 3, '5.0 GiB'],
  ])('%d -> %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));
});

describe('sources and patterns', () => {
  it.each([
    ['/prod/api', { group: '/prod/api', streamPrefix: undefined }],
    ['/prod/api:web-', { group: '/prod/api', streamPrefix: 'web-' }],
    ['/prod/api:', { group: '/prod/api', streamPrefix: undefined }],
    ['arn:aws:logs:us-east-1:1:log-group:/a:*', { group: 'arn:aws:logs:us-east-1:1:log-group:/a', streamPrefix: undefined }],
    ['arn:aws:logs:us-east-1:1:log-group:/a:web', { group: 'arn:aws:logs:us-east-1:1:log-group:/a', streamPrefix: 'web' }],
  ])('%s', (text, expected) => expect(parseSourceSpec(text)).toEqual(expected));

  it.each([
    ['/prod/*', '/prod/api/x', true],
    ['/prod/*', '/production', false],
    ['*api*', '/prod/api', true],
    ['/p?od', '/prod', true],
    ['/a.b', '/aXb', false],
  ])('%s matches %s: %s', (pattern, name, expected) => expect(globToRegExp(pattern).test(name)).toBe(expected));
});

describe('splitMessage', () => {
  it('keeps short lines and splits long ones on character boundaries', () => {
    expect(splitMessage('short')).toEqual(['short']);
    const long = 'é'.repeat(MAX_EVENT_MESSAGE_BYTES); // 2 bytes each
    const pieces = splitMessage(long);
    expect(pieces.join('')).toBe(long);
    for (const p of pieces) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(MAX_EVENT_MESSAGE_BYTES);
    expect(pieces).toHaveLength(2);
  });
});

describe('resolveConnection', () => {
  const dir = mkdtempSync(join(tmpdir(), 'logharbor-cli-config-'));
  const config = join(dir, 'config');
  writeFileSync(
    config,
    [
      '[default]',
      'region = eu-west-1',
      '[profile local]',
      'region = eu-central-1',
      'endpoint_url = http://127.0.0.1:4588  # comment',
      '[profile svc]',
      'services = mine',
      'endpoint_url = http://ignored:1',
      '[services mine]',
      'cloudwatch_logs =',
      '  endpoint_url = http://svc:4588',
      '[profile noregion]',
      'endpoint_url = http://127.0.0.1:4588',
      '[profile ignoring]',
      'endpoint_url = http://127.0.0.1:4588',
      'ignore_configured_endpoint_urls = true',
    ].join('\n'),
  );
  const env = { HOME: dir, AWS_CONFIG_FILE: config };
  const cases: [string, Record<string, string | undefined>, Record<string, string | undefined>, { endpoint?: string | undefined; region?: string | undefined; profile?: string | undefined }][] = [
    ['defaults to AWS with the default profile region', {}, {}, { endpoint: undefined, region: 'eu-west-1', profile: undefined }],
    ['reads a named profile\'s endpoint_url and region', { profile: 'local' }, {}, { endpoint: 'http://127.0.0.1:4588', region: 'eu-central-1', profile: 'local' }],
    ['takes AWS_PROFILE like --profile', {}, { AWS_PROFILE: 'local' }, { endpoint: 'http://127.0.0.1:4588', profile: 'local' }],
    ['prefers a services section', { profile: 'svc' }, {}, { endpoint: 'http://svc:4588' }],
    ['falls back to us-east-1 for an endpoint without region', { profile: 'noregion' }, {}, { region: 'us-east-1' }],
    ['honours ignore_configured_endpoint_urls', { profile: 'ignoring' }, {}, { endpoint: undefined }],
    ['--endpoint wins', { profile: 'local', endpoint: 'http://x:1' }, { LOGHARBOR_ENDPOINT: 'http://y:2' }, { endpoint: 'http://x:1' }],
    ['LOGHARBOR_ENDPOINT next', { profile: 'local' }, { LOGHARBOR_ENDPOINT: 'http://y:2', AWS_ENDPOINT_URL: 'http://z:3' }, { endpoint: 'http://y:2' }],
    ['then AWS_ENDPOINT_URL_CLOUDWATCH_LOGS', {}, { AWS_ENDPOINT_URL: 'http://z:3', AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: 'http://w:4' }, { endpoint: 'http://w:4' }],
    ['--region wins over AWS_REGION', { region: 'ap-south-1' }, { AWS_REGION: 'us-west-2' }, { region: 'ap-south-1' }],
    ['AWS_REGION over the profile', {}, { AWS_REGION: 'us-west-2' }, { region: 'us-west-2' }],
  ];
  it.each(cases)('%s', (_name, flags, extraEnv, expected) => {
    const connection = resolveConnection(flags, { ...env, ...extraEnv });
    for (const [key, value] of Object.entries(expected)) expect(connection[key as keyof typeof connection]).toBe(value);
  });

  it('uses environment keys unless a profile is named (as the SDK chain does)', () => {
    const keys = { AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' };
    expect(resolveConnection({}, { ...env, ...keys }).credentials).toEqual({ accessKeyId: 'k', secretAccessKey: 's' });
    expect(resolveConnection({ profile: 'local' }, { ...env, ...keys }).credentials).toBeUndefined();
  });

  it('rejects an endpoint that is not an http(s) URL', () => {
    expect(() => resolveConnection({ endpoint: 'localhost:4588' }, env)).toThrow(/http:\/\/ or https:\/\//);
    expect(() => resolveConnection({ endpoint: 'not a url' }, env)).toThrow(/invalid endpoint/);
  });

  it('parses INI sub-properties', () => {
    expect(parseIni('[services x]\ncloudwatch_logs =\n  endpoint_url = http://a\n').get('services x')?.get('cloudwatch_logs.endpoint_url')).toBe('http://a');
    rmSync(dir, { recursive: true, force: true });
  });
});
