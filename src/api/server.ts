/**
 * The CloudWatch Logs JSON 1.1 server: `POST /` with `X-Amz-Target: Logs_20140328.<Operation>`.
 * Dispatch is a map from operation name to handler; every response carries x-amzn-RequestId and Date.
 */
import { isAscii } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LogsError, RequestEntityTooLargeException, SerializationException, UnknownOperationException } from '../core/errors.js';
import { MAX_REQUEST_BODY_BYTES } from '../core/limits.js';
import type { Scope } from '../core/types.js';
import type { CoreDeps } from '../core/use-cases/deps.js';
import { TARGET_PREFIX } from '../protocol/model.js';
import type { OperationHandler, RequestContext } from './context.js';
import { renderError, sendJson, type Logger } from './render-error.js';
import { parseCredentialScope } from './sigv4-header.js';
import { handleSts, isStsRequest } from './sts.js';
import { validateInput } from './validate.js';

/** An operation that writes its own response (e.g. StartLiveTail's event stream). */
export interface StreamingOperation {
  readonly name: string;
  handle(ctx: RequestContext, input: Record<string, unknown>, req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** A handler for paths other than `POST /` (web console, SSE tail, health). Returns false when it does not serve the path. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

export interface ApiServerOptions {
  readonly deps: CoreDeps;
  readonly operations: ReadonlyMap<string, OperationHandler<never>>;
  readonly streamingOperations?: ReadonlyMap<string, StreamingOperation>;
  readonly routes?: readonly RouteHandler[];
  /** The account of a request; dev mode maps every access key to one account. */
  readonly resolveAccount: (accessKeyId: string | undefined) => string;
  readonly defaultRegion: string;
  readonly logger: Logger;
  readonly maxBodyBytes?: number;
}

/**
 * Request bodies of known length are assembled in reused buffers and decoded straight to a string:
 * a fresh megabyte per PutLogEvents call cost page faults and garbage that the collector had to
 * catch up with (about 0.1 s of main-thread time and tens of MB of RSS per million events).
 */
const POOLED_BODY_BYTES = 2 * 1024 * 1024;
const MAX_POOLED_BODIES = 4;
const freeBodies: Buffer[] = [];

function readBodyText(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new RequestEntityTooLargeException(`Request body of ${declared} bytes exceeds the limit of ${limit} bytes.`));
      req.resume();
      return;
    }
    const known = req.headers['content-length'] !== undefined && Number.isInteger(declared) && declared >= 0;
    const pooled = known && declared <= POOLED_BODY_BYTES;
    let target: Buffer | undefined = pooled ? (freeBodies.pop() ?? Buffer.allocUnsafeSlow(POOLED_BODY_BYTES)) : undefined;
    const release = () => {
      if (pooled && target && freeBodies.length < MAX_POOLED_BODIES) freeBodies.push(target);
      target = undefined;
    };
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size + chunk.length > limit || (pooled && size + chunk.length > declared)) {
        release();
        reject(new RequestEntityTooLargeException(`Request body exceeds the limit of ${limit} bytes.`));
        req.destroy();
        return;
      }
      if (target) chunk.copy(target, size);
      else chunks.push(chunk);
      size += chunk.length;
    });
    req.on('end', () => {
      const body = target ? target.subarray(0, size) : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      // ASCII bodies (almost all: JSON escapes anything else unless the client sends raw UTF-8) copy into a one-byte string.
      const text = body.toString(isAscii(body) ? 'latin1' : 'utf8');
      release();
      resolve(text);
    });
    req.on('error', (err) => {
      release();
      reject(err);
    });
  });
}

function parseJsonBody(body: string): Record<string, unknown> {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new SerializationException('Unable to parse the request body as JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SerializationException('The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

export class ApiServer {
  readonly server: Server;
  private readonly maxBodyBytes: number;

  constructor(private readonly options: ApiServerOptions) {
    this.maxBodyBytes = options.maxBodyBytes ?? MAX_REQUEST_BODY_BYTES;
    this.server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => {
      void this.handle(req, res);
    });
    // StartLiveTail sessions last up to 3 hours.
    this.server.headersTimeout = 60_000;
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    res.setHeader('x-amzn-RequestId', requestId);
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      for (const route of this.options.routes ?? []) {
        if (await route(req, res, url)) return;
      }
      if (req.method === 'GET' && url.pathname === '/health') {
        sendJson(res, 200, { status: 'ok' });
        return;
      }
      const credential = parseCredentialScope(req.headers.authorization, url.searchParams);
      const accountId = this.options.resolveAccount(credential?.accessKeyId);
      const target = req.headers['x-amz-target'];
      if (typeof target !== 'string') {
        const body = req.method === 'POST' ? await readBodyText(req, this.maxBodyBytes) : '';
        if (isStsRequest(req.headers['content-type'], body, url.searchParams)) {
          handleSts(res, body, url.searchParams, requestId, accountId, credential?.accessKeyId);
          return;
        }
        throw new UnknownOperationException('Missing X-Amz-Target header: send Logs_20140328.<Operation>.');
      }
      const dot = target.indexOf('.');
      const prefix = target.slice(0, dot);
      const operationName = target.slice(dot + 1);
      if (dot < 0 || prefix !== TARGET_PREFIX) {
        throw new UnknownOperationException(`Unknown target ${target}: expected ${TARGET_PREFIX}.<Operation>.`);
      }
      const operation = this.options.operations.get(operationName);
      const streaming = operation ? undefined : this.options.streamingOperations?.get(operationName);
      if (!operation && !streaming) {
        throw new UnknownOperationException(`Operation ${operationName} is not supported by this server.`);
      }
      const input = parseJsonBody(await readBodyText(req, this.maxBodyBytes));
      validateInput(operationName, input);
      const scope: Scope = { accountId, region: credential?.region ?? this.options.defaultRegion };
      const ctx: RequestContext = {
        requestId,
        scope,
        deps: this.options.deps,
        ...(credential ? { accessKeyId: credential.accessKeyId } : {}),
      };
      if (streaming) {
        await streaming.handle(ctx, input, req, res);
        return;
      }
      const result = await operation!.handle(ctx, input as never);
      sendJson(res, 200, result);
    } catch (err) {
      if (!(err instanceof LogsError) && res.headersSent) {
        this.options.logger.error('error after response started', { requestId, error: String(err) });
        res.destroy();
        return;
      }
      renderError(res, err, requestId, this.options.logger);
    }
  }
}
