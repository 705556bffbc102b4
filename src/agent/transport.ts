/**
 * A small CloudWatch Logs client: the agent's four operations as AWS JSON 1.1 requests
 * (`X-Amz-Target: Logs_20140328.<Operation>`), signed with the AWS SDK's SigV4 signer
 * (@smithy/signature-v4) and sent over node:http/https with kept-alive connections.
 *
 * Why not @aws-sdk/client-cloudwatch-logs: the full client (its schemas, middleware stack,
 * endpoint rules engine and retry machinery) costs the agent ~20 MB of resident memory, a third of
 * its 60 MB budget, for four operations whose wire format fits in this file. Credentials still come
 * from the SDK's default provider chain, and requests are signed by the SDK's own signer, so the
 * agent works against real AWS exactly as before.
 */
import { createHash, createHmac, type BinaryLike, type Hash, type Hmac } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { LogsServiceError, TimeoutError, type InputLogEvent, type LogsApi, type PutLogEventsResponse } from './logs-api.js';

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface TransportOptions {
  readonly endpoint: string;
  /** The signing region (resolved lazily: a profile's region is read only when needed). */
  readonly region: () => Promise<string>;
  readonly credentials: () => Promise<Credentials>;
  readonly requestTimeoutMs: number;
  readonly connectTimeoutMs: number;
  /** Sockets kept per host (the pipeline sends to at most this many streams at once). */
  readonly maxSockets?: number;
  /** For tests: the clock the signature is dated with. */
  readonly now?: () => number;
}

export interface SignableRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
}

/** The target prefix of CloudWatch Logs' JSON 1.1 protocol (service model: targetPrefix). */
const TARGET_PREFIX = 'Logs_20140328';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
/** The SDK corrects its clock when the server's differs by more than this on a skew error. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const CLOCK_SKEW_ERRORS = new Set(['AuthFailure', 'InvalidSignatureException', 'RequestExpired', 'RequestInTheFuture', 'RequestTimeTooSkewed', 'SignatureDoesNotMatch']);

type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytes(data: SourceData): BinaryLike {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * SHA-256 (HMAC-SHA-256 with a secret) over node:crypto, in the shape the SDK's signer takes: what
 * @smithy/hash-node does, without another package.
 */
class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hash.digest());
  }
}

interface Signer {
  sign(request: SignableRequest, options: { signingDate: Date }): Promise<SignableRequest>;
}

type SignerFactory = (credentials: Credentials, region: string) => Signer;
let signerFactory: Promise<SignerFactory> | undefined;

/** Loads the SDK's SigV4 signer on first use. */
function loadSigner(): Promise<SignerFactory> {
  signerFactory ??= import('@smithy/signature-v4').then(({ SignatureV4 }) => (credentials, region) =>
    new SignatureV4({ service: 'logs', region, credentials, sha256: NodeSha256, uriEscapePath: true, applyChecksum: false }) as unknown as Signer,
  );
  return signerFactory;
}

/**
 * Signs a request as the SDK signs CloudWatch Logs requests (service `logs`, SigV4). Exported for
 * the test that compares it with what the SDK's client sends.
 */
export async function signRequest(request: SignableRequest, credentials: Credentials, region: string, signingDate: Date): Promise<SignableRequest> {
  const factory = await loadSigner();
  return factory(credentials, region).sign(request, { signingDate });
}

/** The SDK's error code: x-amzn-errortype, else the body's `code` or `__type`; `ns#Name:detail` -> Name. */
export function errorCode(headers: IncomingMessage['headers'], data: unknown): string | undefined {
  const sanitize = (raw: string | number): string => {
    let value = String(raw);
    if (value.includes(',')) value = value.split(',')[0]!;
    if (value.includes(':')) value = value.split(':')[0]!;
    if (value.includes('#')) value = value.split('#')[1]!;
    return value;
  };
  const header = headers['x-amzn-errortype'];
  if (typeof header === 'string') return sanitize(header);
  if (data !== null && typeof data === 'object') {
    const record = data as Record<string, unknown>;
    const codeKey = Object.keys(record).find((k) => k.toLowerCase() === 'code');
    const code = codeKey !== undefined ? record[codeKey] : undefined;
    if (typeof code === 'string' || typeof code === 'number') return sanitize(code);
    const type = record['__type'];
    if (typeof type === 'string' || typeof type === 'number') return sanitize(type);
  }
  return undefined;
}

/** Retry-After in milliseconds: delta-seconds or an HTTP date. */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export class LogsTransport implements LogsApi {
  private readonly url: URL;
  private readonly agent: HttpAgent;
  private readonly send: typeof httpRequest;
  private readonly now: () => number;
  private clockOffsetMs = 0;

  constructor(private readonly options: TransportOptions) {
    this.url = new URL(options.endpoint);
    const https = this.url.protocol === 'https:';
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 8 };
    this.agent = https ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    this.send = https ? httpsRequest : httpRequest;
    this.now = options.now ?? Date.now;
  }

  async putLogEvents(input: { logGroupName: string; logStreamName: string; logEvents: readonly InputLogEvent[] }, signal: AbortSignal): Promise<PutLogEventsResponse> {
    const out = (await this.call('PutLogEvents', JSON.stringify(input), signal)) as PutLogEventsResponse | undefined;
    return out ?? {};
  }

  async createLogGroup(input: { logGroupName: string }, signal: AbortSignal): Promise<void> {
    await this.call('CreateLogGroup', JSON.stringify(input), signal);
  }

  async createLogStream(input: { logGroupName: string; logStreamName: string }, signal: AbortSignal): Promise<void> {
    await this.call('CreateLogStream', JSON.stringify(input), signal);
  }

  async putRetentionPolicy(input: { logGroupName: string; retentionInDays: number }, signal: AbortSignal): Promise<void> {
    await this.call('PutRetentionPolicy', JSON.stringify(input), signal);
  }

  destroy(): void {
    this.agent.destroy();
  }

  /** One signed request; resolves with the parsed JSON body, rejects with the mapped error. */
  private async call(operation: string, body: string, signal: AbortSignal): Promise<unknown> {
    const [credentials, region] = await Promise.all([this.options.credentials(), this.options.region()]);
    const { url } = this;
    const request: SignableRequest = {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname || '/',
      query: {},
      headers: {
        'content-type': CONTENT_TYPE,
        'x-amz-target': `${TARGET_PREFIX}.${operation}`,
        'content-length': String(Buffer.byteLength(body)),
        host: url.host,
      },
      body,
    };
    const signed = await signRequest(request, credentials, region, new Date(this.now() + this.clockOffsetMs));
    signed.headers['user-agent'] = 'logharbor-agent';
    const response = await this.exchange(signed, body, signal);
    if (response.status >= 200 && response.status < 300) return response.data;
    const name = errorCode(response.headers, response.data) ?? (response.status >= 500 ? 'InternalFailure' : 'UnknownError');
    const data = response.data as { message?: unknown; Message?: unknown } | undefined;
    const message = typeof data?.message === 'string' ? data.message : typeof data?.Message === 'string' ? data.Message : `${operation} failed with HTTP ${response.status}`;
    const serverDate = response.headers['date'] !== undefined ? Date.parse(response.headers['date']) : Number.NaN;
    if (CLOCK_SKEW_ERRORS.has(name) && !Number.isNaN(serverDate) && Math.abs(serverDate - (this.now() + this.clockOffsetMs)) > CLOCK_SKEW_MS) {
      this.clockOffsetMs = serverDate - this.now();
    }
    const requestId = response.headers['x-amzn-requestid'];
    throw new LogsServiceError(name, message, response.status, typeof requestId === 'string' ? requestId : undefined, retryAfterMs(response.headers['retry-after'], this.now()));
  }

  private exchange(signed: SignableRequest, body: string, signal: AbortSignal): Promise<{ status: number; headers: IncomingMessage['headers']; data: unknown }> {
    return new Promise((resolve, reject) => {
      const req = this.send({
        method: 'POST',
        protocol: this.url.protocol,
        hostname: this.url.hostname,
        port: this.url.port || undefined,
        path: signed.path,
        headers: signed.headers,
        agent: this.agent,
        signal,
      });
      let connectTimer: NodeJS.Timeout | undefined;
      const fail = (err: Error) => {
        if (connectTimer) clearTimeout(connectTimer);
        req.destroy(err);
      };
      req.setTimeout(this.options.requestTimeoutMs, () => fail(new TimeoutError(`no response within ${this.options.requestTimeoutMs} ms`)));
      req.on('socket', (socket) => {
        if (!socket.connecting) return; // a kept-alive connection
        connectTimer = setTimeout(() => fail(new TimeoutError(`could not connect within ${this.options.connectTimeoutMs} ms`)), this.options.connectTimeoutMs);
        socket.once('connect', () => clearTimeout(connectTimer));
      });
      req.on('error', (err) => {
        if (connectTimer) clearTimeout(connectTimer);
        reject(err);
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let data: unknown;
          try {
            data = text.length > 0 ? JSON.parse(text) : undefined;
          } catch {
            data = undefined; // e.g. an HTML page from a proxy: the status decides
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, data });
        });
      });
      req.end(body);
    });
  }
}
