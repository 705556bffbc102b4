/**
 * The four CloudWatch Logs operations the agent uses, in AWS's names and shapes (service model
 * Logs_20140328). The transport in transport.ts implements them over JSON 1.1; tests may fake them.
 */

export interface InputLogEvent {
  readonly timestamp: number;
  readonly message: string;
}

export interface RejectedLogEventsInfo {
  readonly tooNewLogEventStartIndex?: number;
  readonly tooOldLogEventEndIndex?: number;
  readonly expiredLogEventEndIndex?: number;
}

export interface PutLogEventsResponse {
  readonly nextSequenceToken?: string;
  readonly rejectedLogEventsInfo?: RejectedLogEventsInfo;
}

export interface LogsApi {
  putLogEvents(input: { logGroupName: string; logStreamName: string; logEvents: readonly InputLogEvent[] }, signal: AbortSignal): Promise<PutLogEventsResponse>;
  createLogGroup(input: { logGroupName: string }, signal: AbortSignal): Promise<void>;
  createLogStream(input: { logGroupName: string; logStreamName: string }, signal: AbortSignal): Promise<void>;
  putRetentionPolicy(input: { logGroupName: string; retentionInDays: number }, signal: AbortSignal): Promise<void>;
  /** Closes kept-alive connections. */
  destroy(): void;
}

/**
 * An error response of the service, shaped as the AWS SDK shapes it (name = the short error code,
 * $metadata.httpStatusCode), so that retry decisions read the same whichever client produced it.
 */
export class LogsServiceError extends Error {
  override readonly name: string;
  readonly $metadata: { readonly httpStatusCode: number; readonly requestId?: string };
  /** From a Retry-After header (seconds or an HTTP date), if the server sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(name: string, message: string, httpStatusCode: number, requestId: string | undefined, retryAfterMs: number | undefined) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode, ...(requestId !== undefined ? { requestId } : {}) };
    this.retryAfterMs = retryAfterMs;
  }
}

/** No complete response in time (connect or request timeout); retried like the SDK's TimeoutError. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}
