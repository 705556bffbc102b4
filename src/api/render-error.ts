import type { ServerResponse } from 'node:http';
import { isLogsError } from '../core/errors.js';

export interface Logger {
  error(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
}

/** Turns any error into AWS's JSON error response; unknown errors are logged, never leaked. */
export function renderError(res: ServerResponse, err: unknown, requestId: string, logger: Logger): void {
  let type = 'ServiceUnavailableException';
  let message = 'The service cannot complete the request.';
  let status = 503;
  if (isLogsError(err)) {
    type = err.type;
    message = err.message;
    status = err.httpStatus;
  } else {
    logger.error('unhandled error', { requestId, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
  sendJson(res, status, { __type: type, message }, { 'x-amzn-ErrorType': type });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.1',
    'Content-Length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}
