/**
 * Sends PutLogEvents (through transport.ts, signed by the AWS SDK's signer): creates groups and streams on demand (setting retention
 * when configured), retries throttling, 5xx and connection errors with exponential backoff and
 * jitter until the call succeeds or the caller aborts, and reports rejected events.
 */
import type { InputLogEvent, LogsApi } from './logs-api.js';

export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
}

export interface ShipperOptions {
  readonly client: LogsApi;
  readonly backoff: BackoffOptions;
  /** retentionInDays for a group the agent ships to, if configured. */
  readonly retentionFor: (group: string) => number | undefined;
  /** One line for the operator (stderr). */
  readonly log: (line: string) => void;
  readonly random?: () => number;
}

export type SendOutcome =
  | { readonly ok: true; readonly tooOld: number; readonly tooNew: number; readonly expired: number }
  | { readonly ok: false; readonly reason: string; readonly message: string };

interface AwsError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  /** From a Retry-After header (transport.ts). */
  retryAfterMs?: number;
}

/** A server's Retry-After is honoured up to this long; beyond it our own backoff goes on. */
const MAX_RETRY_AFTER_MS = 60_000;

const RETRYABLE_NAMES = new Set([
  'ThrottlingException',
  'ServiceUnavailableException',
  'LimitExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'InternalFailure',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'CredentialsProviderError',
  // Credentials that are wrong now may be rotated or fixed; spool rather than drop.
  'UnrecognizedClientException',
  'ExpiredTokenException',
  'AccessDeniedException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  // AWS no longer returns it, but old servers might: resend without a token.
  'InvalidSequenceTokenException',
]);

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED', 'ENETDOWN', 'EPROTO']);

export function isRetryable(err: unknown): boolean {
  const e = err as AwsError;
  if (e.name === 'AbortError') return false;
  if (e.name !== undefined && RETRYABLE_NAMES.has(e.name)) return true;
  if (e.code !== undefined && NETWORK_CODES.has(e.code)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status === undefined) return true; // no HTTP response at all: a connection problem
  return status >= 500 || status === 429;
}

function describe(err: unknown): string {
  const e = err as AwsError;
  return e.code ?? e.name ?? String(err);
}

export class AbortedError extends Error {
  override readonly name = 'AbortError';
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new AbortedError('aborted'));
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export class Shipper {
  private readonly retentionSet = new Set<string>();
  private failingSince: number | undefined;
  private readonly random: () => number;
  /** Calls made and events accepted, for stats. */
  calls = 0;
  accepted = 0;

  constructor(private readonly options: ShipperOptions) {
    this.random = options.random ?? Math.random;
  }

  /** Exponential backoff with jitter: half the capped delay, plus a random part of the other half. */
  backoffMs(attempt: number): number {
    const capped = Math.min(this.options.backoff.maxMs, this.options.backoff.baseMs * 2 ** Math.min(attempt, 30));
    return capped / 2 + this.random() * (capped / 2);
  }

  /** Sends one batch, retrying until it is accepted, fails for good, or signal aborts (throws). */
  async send(group: string, stream: string, logEvents: readonly InputLogEvent[], signal: AbortSignal): Promise<SendOutcome> {
    let attempt = 0;
    let creations = 0;
    for (;;) {
      if (signal.aborted) throw new AbortedError('aborted');
      try {
        if (this.options.retentionFor(group) !== undefined && !this.retentionSet.has(group)) await this.ensureRetention(group, signal);
        const response = await this.options.client.putLogEvents({ logGroupName: group, logStreamName: stream, logEvents }, signal);
        this.recovered();
        this.calls++;
        const info = response.rejectedLogEventsInfo;
        const tooOld = info?.tooOldLogEventEndIndex ?? 0;
        const expired = info?.expiredLogEventEndIndex !== undefined ? info.expiredLogEventEndIndex - tooOld : 0;
        const tooNew = info?.tooNewLogEventStartIndex !== undefined ? logEvents.length - info.tooNewLogEventStartIndex : 0;
        this.accepted += logEvents.length - tooOld - expired - tooNew;
        return { ok: true, tooOld, tooNew, expired };
      } catch (caught) {
        if (signal.aborted) throw new AbortedError('aborted');
        let err = caught;
        const e = err as AwsError;
        if (e.name === 'DataAlreadyAcceptedException') return { ok: true, tooOld: 0, tooNew: 0, expired: 0 };
        if (e.name === 'ResourceNotFoundException' && creations < 3) {
          creations++;
          try {
            await this.createStream(group, stream, signal);
            continue;
          } catch (createErr) {
            if (signal.aborted) throw new AbortedError('aborted');
            err = createErr;
          }
        }
        if (!isRetryable(err)) {
          const failure = err as AwsError;
          return { ok: false, reason: failure.name ?? 'Error', message: failure.message ?? String(err) };
        }
        this.failing(err);
        const retryAfter = Math.min((err as AwsError).retryAfterMs ?? 0, MAX_RETRY_AFTER_MS);
        await sleep(Math.max(this.backoffMs(attempt++), retryAfter), signal);
      }
    }
  }

  private async createStream(group: string, stream: string, signal: AbortSignal): Promise<void> {
    try {
      await this.options.client.createLogStream({ logGroupName: group, logStreamName: stream }, signal);
    } catch (err) {
      const name = (err as AwsError).name;
      if (name === 'ResourceAlreadyExistsException') return;
      if (name !== 'ResourceNotFoundException') throw err;
      await this.createGroup(group, signal);
      try {
        await this.options.client.createLogStream({ logGroupName: group, logStreamName: stream }, signal);
      } catch (again) {
        if ((again as AwsError).name !== 'ResourceAlreadyExistsException') throw again;
      }
    }
  }

  private async createGroup(group: string, signal: AbortSignal): Promise<void> {
    try {
      await this.options.client.createLogGroup({ logGroupName: group }, signal);
    } catch (err) {
      if ((err as AwsError).name !== 'ResourceAlreadyExistsException') throw err;
    }
    const retentionInDays = this.options.retentionFor(group);
    if (retentionInDays === undefined) return;
    await this.options.client.putRetentionPolicy({ logGroupName: group, retentionInDays }, signal);
    this.retentionSet.add(group);
  }

  /** Sets the configured retention once per group and process (creating the group if needed). */
  private async ensureRetention(group: string, signal: AbortSignal): Promise<void> {
    const retentionInDays = this.options.retentionFor(group);
    if (retentionInDays === undefined) return;
    try {
      await this.options.client.putRetentionPolicy({ logGroupName: group, retentionInDays }, signal);
    } catch (err) {
      if ((err as AwsError).name !== 'ResourceNotFoundException') throw err;
      await this.createGroup(group, signal);
      return;
    }
    this.retentionSet.add(group);
  }

  private failing(err: unknown): void {
    if (this.failingSince !== undefined) return;
    this.failingSince = Date.now();
    this.options.log(`cannot reach CloudWatch Logs (${describe(err)}); buffering events and retrying`);
  }

  private recovered(): void {
    if (this.failingSince === undefined) return;
    const seconds = ((Date.now() - this.failingSince) / 1000).toFixed(1);
    this.failingSince = undefined;
    this.options.log(`CloudWatch Logs reachable again after ${seconds}s; sending buffered events`);
  }
}
