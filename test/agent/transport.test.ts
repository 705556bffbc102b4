import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, DescribeLogGroupsCommand, PutLogEventsCommand, PutRetentionPolicyCommand } from '@aws-sdk/client-cloudwatch-logs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildClient, staticEnvCredentials } from '../../src/agent/client.js';
import { logsEndpoint } from '../../src/agent/endpoint.js';
import { LogsServiceError } from '../../src/agent/logs-api.js';
import { isRetryable, Shipper } from '../../src/agent/shipper.js';
import { LogsTransport, signRequest, type SignableRequest } from '../../src/agent/transport.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { messages } from './helpers.js';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token' };
const NOW = Date.UTC(2026, 2, 4, 5, 6, 7);
const signal = new AbortController().signal;

interface Captured {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** A local server that records each request and answers with the next scripted response. */
async function scripted(responses: ((res: ServerResponse) => void)[]): Promise<{ url: string; seen: Captured[]; server: Server }> {
  const seen: Captured[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers as Record<string, string>, body });
      const next = responses.shift();
      if (next) next(res);
      // else: never answer (a hung server)
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen, server };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => (res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
};

function transport(url: string, options: { requestTimeoutMs?: number } = {}): LogsTransport {
  return new LogsTransport({
    endpoint: url,
    region: async () => 'eu-west-1',
    credentials: async () => credentials,
    requestTimeoutMs: options.requestTimeoutMs ?? 5000,
    connectTimeoutMs: 1000,
    now: () => NOW,
  });
}

/** The request the AWS SDK's own client would send (signed), captured before it leaves. */
async function sdkRequest(command: object): Promise<Captured> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
  let captured: Captured | undefined;
  const client = new CloudWatchLogsClient({
    endpoint: 'http://127.0.0.1:4588',
    region: 'eu-west-1',
    credentials,
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { method: string; path: string; headers: Record<string, string>; body: string | Uint8Array }) => {
        const body = typeof request.body === 'string' ? request.body : Buffer.from(request.body).toString('utf8');
        captured = { method: request.method, path: request.path, headers: request.headers, body };
        throw new Error('captured');
      },
    },
  });
  try {
    await client.send(command as never).catch(() => undefined);
  } finally {
    client.destroy();
    vi.useRealTimers();
  }
  if (!captured) throw new Error('the SDK sent nothing');
  return captured;
}

function lower(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

describe('SigV4 signing', () => {
  const cases: [string, object, (t: LogsTransport) => Promise<unknown>][] = [
    ['PutLogEvents', new PutLogEventsCommand({ logGroupName: '/app/api', logStreamName: 'host/1', logEvents: [{ timestamp: NOW, message: 'INFO héllo "world" \u0001' }, { timestamp: NOW + 1, message: 'ERROR ✓' }] }),
      (t) => t.putLogEvents({ logGroupName: '/app/api', logStreamName: 'host/1', logEvents: [{ timestamp: NOW, message: 'INFO héllo "world" \u0001' }, { timestamp: NOW + 1, message: 'ERROR ✓' }] }, signal)],
    ['CreateLogGroup', new CreateLogGroupCommand({ logGroupName: '/app/api' }), (t) => t.createLogGroup({ logGroupName: '/app/api' }, signal)],
    ['CreateLogStream', new CreateLogStreamCommand({ logGroupName: '/app/api', logStreamName: 's' }), (t) => t.createLogStream({ logGroupName: '/app/api', logStreamName: 's' }, signal)],
    ['PutRetentionPolicy', new PutRetentionPolicyCommand({ logGroupName: '/app/api', retentionInDays: 7 }), (t) => t.putRetentionPolicy({ logGroupName: '/app/api', retentionInDays: 7 }, signal)],
  ];

  it.each(cases)('%s: same target, content type and body as the SDK, signed as the SDK signs', async (_name, command, call) => {
    const sdk = await sdkRequest(command);
    const sdkHeaders = lower(sdk.headers);

    // 1. Our signer over the SDK's exact request gives the SDK's Authorization header.
    const unsigned: Record<string, string> = { ...sdkHeaders };
    delete unsigned['authorization'];
    delete unsigned['x-amz-date'];
    const request: SignableRequest = { method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 4588, path: sdk.path, query: {}, headers: unsigned, body: sdk.body };
    const ours = await signRequest(request, credentials, 'eu-west-1', new Date(NOW));
    expect(ours.headers['authorization']).toBe(sdkHeaders['authorization']);
    expect(ours.headers['x-amz-date']).toBe(sdkHeaders['x-amz-date']);

    // 2. What our transport puts on the wire: the SDK's target, content type and body, a valid signature.
    const { url, seen, server } = await scripted([json(200, {})]);
    const t = transport(url);
    try {
      await call(t);
    } finally {
      t.destroy();
      server.close();
    }
    const sent = seen[0]!;
    expect(sent.headers['x-amz-target']).toBe(sdkHeaders['x-amz-target']);
    expect(sent.headers['content-type']).toBe(sdkHeaders['content-type']);
    expect(sent.headers['x-amz-security-token']).toBe('session-token');
    expect(JSON.parse(sent.body)).toEqual(JSON.parse(sdk.body));
    const auth = sent.headers['authorization']!;
    expect(auth).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20260304\/eu-west-1\/logs\/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=[0-9a-f]{64}$/);
    const signedNames = /SignedHeaders=([^,]+)/.exec(auth)![1]!.split(';');
    const received = Object.fromEntries(signedNames.map((n) => [n, sent.headers[n]!]).filter(([n]) => n !== 'x-amz-date'));
    const { port } = new URL(url);
    const check = await signRequest({ method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: Number(port), path: sent.path, query: {}, headers: received, body: sent.body }, credentials, 'eu-west-1', new Date(NOW));
    expect(check.headers['authorization']).toBe(auth);
  });
});

describe('error responses', () => {
  it.each([
    ['__type with namespace', json(400, { __type: 'com.amazonaws.logs#ResourceNotFoundException', message: 'The specified log group does not exist.' }), 'ResourceNotFoundException', 400, false, undefined],
    ['x-amzn-errortype wins', json(400, { __type: 'Other', message: 'm' }, { 'x-amzn-errortype': 'InvalidParameterException:http://internal.amazon.com/' }), 'InvalidParameterException', 400, false, undefined],
    ['throttling with Retry-After', json(400, { __type: 'ThrottlingException', Message: 'Rate exceeded' }, { 'retry-after': '3' }), 'ThrottlingException', 400, true, 3000],
    ['429 without a code', json(429, undefined), 'UnknownError', 429, true, undefined],
    ['503 from a proxy (HTML)', (res: ServerResponse) => { res.writeHead(503, { 'content-type': 'text/html' }); res.end('<html>busy</html>'); }, 'InternalFailure', 503, true, undefined],
    ['credentials rejected', json(400, { __type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' }), 'UnrecognizedClientException', 400, true, undefined],
  ])('%s', async (_what, respond, name, status, retryable, retryAfter) => {
    const { url, server } = await scripted([respond]);
    const t = transport(url);
    try {
      const err = await t.createLogGroup({ logGroupName: '/g' }, signal).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(LogsServiceError);
      const e = err as LogsServiceError;
      expect([e.name, e.$metadata.httpStatusCode, isRetryable(e), e.retryAfterMs]).toEqual([name, status, retryable, retryAfter]);
      if (name === 'ResourceNotFoundException') expect(e.message).toBe('The specified log group does not exist.');
    } finally {
      t.destroy();
      server.close();
    }
  });

  it('times out a request that gets no answer, retryably; a refused connection is retryable too', async () => {
    const { url, server } = await scripted([]);
    const t = transport(url, { requestTimeoutMs: 200 });
    try {
      const err = (await t.createLogGroup({ logGroupName: '/g' }, signal).catch((e: unknown) => e)) as Error;
      expect(err.name).toBe('TimeoutError');
      expect(isRetryable(err)).toBe(true);
    } finally {
      t.destroy();
      server.closeAllConnections();
      server.close();
    }
    const closed = transport(url);
    const refused = (await closed.createLogGroup({ logGroupName: '/g' }, signal).catch((e: unknown) => e)) as NodeJS.ErrnoException;
    closed.destroy();
    expect(refused.code).toBe('ECONNREFUSED');
    expect(isRetryable(refused)).toBe(true);
  });
});

describe('retries through the transport', () => {
  it('retries throttling (honouring Retry-After), creates the stream and group on ResourceNotFoundException, and reports rejections', async () => {
    const notFound = json(400, { __type: 'ResourceNotFoundException', message: 'not found' });
    const { url, seen, server } = await scripted([
      json(400, { __type: 'ThrottlingException', message: 'Rate exceeded' }, { 'retry-after': '1' }),
      notFound, // PutLogEvents
      notFound, // CreateLogStream: the group is missing too
      json(200, undefined), // CreateLogGroup
      json(200, undefined), // CreateLogStream
      json(200, { nextSequenceToken: 't', rejectedLogEventsInfo: { tooOldLogEventEndIndex: 1 } }),
    ]);
    const t = transport(url);
    const logged: string[] = [];
    const shipper = new Shipper({ client: t, backoff: { baseMs: 10, maxMs: 20 }, retentionFor: () => undefined, log: (l) => logged.push(l) });
    try {
      const started = Date.now();
      const outcome = await shipper.send('/g', 's', [{ timestamp: 1, message: 'old' }, { timestamp: NOW, message: 'new' }], signal);
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
      expect(outcome).toEqual({ ok: true, tooOld: 1, tooNew: 0, expired: 0 });
      expect(seen.map((r) => r.headers['x-amz-target'])).toEqual(['PutLogEvents', 'PutLogEvents', 'CreateLogStream', 'CreateLogGroup', 'CreateLogStream', 'PutLogEvents'].map((op) => `Logs_20140328.${op}`));
      expect(logged[0]).toContain('ThrottlingException');
      expect(shipper.accepted).toBe(1);
    } finally {
      t.destroy();
      server.close();
    }
  });

  it('drops a batch the server refuses for good, with its reason', async () => {
    const { url, server } = await scripted([json(400, { __type: 'InvalidParameterException', message: 'Log event too large' })]);
    const t = transport(url);
    try {
      const shipper = new Shipper({ client: t, backoff: { baseMs: 10, maxMs: 20 }, retentionFor: () => undefined, log: () => {} });
      expect(await shipper.send('/g', 's', [{ timestamp: NOW, message: 'x' }], signal)).toEqual({ ok: false, reason: 'InvalidParameterException', message: 'Log event too large' });
    } finally {
      t.destroy();
      server.close();
    }
  });
});

describe('endpoints', () => {
  it.each([
    ['us-east-1', {}, 'https://logs.us-east-1.amazonaws.com'],
    ['eu-west-3', { useFips: true }, 'https://logs-fips.eu-west-3.amazonaws.com'],
    ['cn-north-1', {}, 'https://logs.cn-north-1.amazonaws.com.cn'],
    ['us-gov-west-1', {}, 'https://logs.us-gov-west-1.amazonaws.com'],
    ['us-iso-east-1', {}, 'https://logs.us-iso-east-1.c2s.ic.gov'],
    ['ap-southeast-2', { useDualStack: true }, 'https://logs.ap-southeast-2.api.aws'],
  ])('%s %j -> %s', (region, options, expected) => {
    expect(logsEndpoint(region, options)).toBe(expected);
  });
});

describe('against a real Logharbor server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('creates the group (with retention) and stream on demand and ships events the SDK reads back', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDTEST');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    const client = buildClient({ endpoint: server.url, requestTimeoutMs: 5000, connectTimeoutMs: 1000 });
    const shipper = new Shipper({ client, backoff: { baseMs: 10, maxMs: 100 }, retentionFor: () => 14, log: () => {} });
    try {
      const now = Date.now();
      const events = [
        { timestamp: now - 1000, message: 'INFO first' },
        { timestamp: now, message: 'ERROR second "quoted" ünïcode' },
      ];
      expect(await shipper.send('/agent/transport', 'host-1', events, signal)).toEqual({ ok: true, tooOld: 0, tooNew: 0, expired: 0 });
      expect(await shipper.send('/agent/transport', 'host-1', [{ timestamp: now - 15 * 86_400_000, message: 'too old' }, { timestamp: now + 1, message: 'INFO third' }], signal)).toEqual({ ok: true, tooOld: 1, tooNew: 0, expired: 0 });
      const sdk = server.client();
      expect(await messages(sdk, '/agent/transport', 'host-1')).toEqual(['INFO first', 'ERROR second "quoted" ünïcode', 'INFO third']);
      const groups = await sdk.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/agent/transport' }));
      expect(groups.logGroups?.map((g) => [g.logGroupName, g.retentionInDays])).toEqual([['/agent/transport', 14]]);
      expect(shipper.accepted).toBe(3);
    } finally {
      client.destroy();
    }
  });
});

describe('static credentials from the environment (without loading the SDK chain)', () => {
  it('signs with the environment given to the client, session token included', async () => {
    const { url, seen, server } = await scripted([json(200, {})]);
    // Only in the env passed here, not in process.env: the SDK's chain could not have found them.
    const env = { AWS_ACCESS_KEY_ID: 'AKIDSTATICENV', AWS_SECRET_ACCESS_KEY: 'static-secret', AWS_SESSION_TOKEN: 'static-token' };
    const client = buildClient({ endpoint: url, region: 'eu-west-1', requestTimeoutMs: 5000, connectTimeoutMs: 1000 }, env);
    try {
      await client.createLogGroup({ logGroupName: '/g' }, signal);
      expect(seen[0]!.headers['authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDSTATICENV\/\d{8}\/eu-west-1\/logs\/aws4_request, SignedHeaders=[^,]*x-amz-security-token/);
      expect(seen[0]!.headers['x-amz-security-token']).toBe('static-token');
    } finally {
      client.destroy();
      server.close();
    }
  });

  it.each([
    ['both keys', { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' }, { accessKeyId: 'a', secretAccessKey: 'b' }],
    ['a session token', { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', AWS_SESSION_TOKEN: 't' }, { accessKeyId: 'a', secretAccessKey: 'b', sessionToken: 't' }],
    ['no secret: the chain decides', { AWS_ACCESS_KEY_ID: 'a' }, undefined],
    ['AWS_PROFILE set: the chain skips the environment', { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', AWS_PROFILE: 'p' }, undefined],
    ['expiring credentials: the chain refreshes them', { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', AWS_CREDENTIAL_EXPIRATION: '2030-01-01T00:00:00Z' }, undefined],
  ])('%s', (_name, env, expected) => {
    expect(staticEnvCredentials(env)).toEqual(expected);
  });
});
