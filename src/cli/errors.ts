/** Exit codes scripts can rely on (documented in docs/cli.md), and the errors that carry them. */

export const EXIT = {
  ok: 0,
  /** An API or runtime error not covered below. */
  error: 1,
  /** Bad command line, or a value the service rejected as invalid. */
  usage: 2,
  /** The log group or stream does not exist. */
  notFound: 3,
  /** No credentials, or the service rejected them. */
  credentials: 4,
  /** The endpoint could not be reached. */
  unreachable: 5,
  /** Stopped by SIGINT (128 + 2), as shells report it. */
  interrupted: 130,
} as const;

/** An error the CLI reports as is, in one or two lines, with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/** The fields of an AWS SDK error we look at; anything else stays unknown. */
export interface SdkErrorShape {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

export function asSdkError(err: unknown): SdkErrorShape | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { name?: unknown; message?: unknown; code?: unknown; $metadata?: unknown };
  if (typeof e.name !== 'string' || typeof e.message !== 'string') return undefined;
  const meta = typeof e.$metadata === 'object' && e.$metadata !== null ? (e.$metadata as { httpStatusCode?: number }) : undefined;
  return {
    name: e.name,
    message: e.message,
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(meta ? { $metadata: meta } : {}),
  };
}

export function errorName(err: unknown): string | undefined {
  return asSdkError(err)?.name;
}

export function isNotFound(err: unknown): boolean {
  return errorName(err) === 'ResourceNotFoundException';
}

export function isAlreadyExists(err: unknown): boolean {
  return errorName(err) === 'ResourceAlreadyExistsException';
}

export function isAbort(err: unknown): boolean {
  const name = errorName(err);
  return name === 'AbortError' || (typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ABORT_ERR');
}

const CREDENTIAL_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'ExpiredTokenException',
  'ExpiredToken',
  'InvalidClientTokenId',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'AccessDeniedException',
]);

const INVALID_INPUT_ERRORS = new Set(['InvalidParameterException', 'ValidationException', 'MalformedQueryException']);

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS handshake failed (is the endpoint http://?)',
};

/** The network failure behind an error (Node puts the code on the error, or on its causes). */
function networkReason(err: unknown, depth = 0): string | undefined {
  if (typeof err !== 'object' || err === null || depth > 4) return undefined;
  const e = err as { code?: unknown; name?: unknown; errors?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && e.code in NETWORK_CODES) return `${NETWORK_CODES[e.code]} (${e.code})`;
  if (e.name === 'TimeoutError') return 'connection timed out';
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const reason = networkReason(inner, depth + 1);
      if (reason) return reason;
    }
  }
  return networkReason(e.cause, depth + 1);
}

export interface ErrorContext {
  /** Where requests went: the endpoint URL, or AWS's regional endpoint. */
  readonly endpoint: string;
  readonly profile: string | undefined;
}

/** Turns any error into the message and exit code the user sees. */
export function describeError(err: unknown, context: ErrorContext | undefined): { message: string; exitCode: number } {
  if (err instanceof CliError) return { message: err.message, exitCode: err.exitCode };
  const where = context ? ` at ${context.endpoint}` : '';
  const sdk = asSdkError(err);
  const reason = networkReason(err);
  if (reason && !(sdk?.$metadata?.httpStatusCode !== undefined && sdk.$metadata.httpStatusCode > 0)) {
    return {
      message: `cannot reach ${context?.endpoint ?? 'the endpoint'}: ${reason}.\nCheck the URL given by --endpoint, LOGHARBOR_ENDPOINT or the profile's endpoint_url, and that the server is running.`,
      exitCode: EXIT.unreachable,
    };
  }
  if (sdk?.name === 'CredentialsProviderError' || sdk?.message.startsWith('Could not load credentials')) {
    const profile = context?.profile !== undefined ? ` (profile '${context.profile}')` : '';
    return {
      message: `no AWS credentials found${profile}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pass --profile NAME, or run 'aws configure'.\nA Logharbor server in development mode accepts any key, e.g. AWS_ACCESS_KEY_ID=dev AWS_SECRET_ACCESS_KEY=dev.`,
      exitCode: EXIT.credentials,
    };
  }
  if (sdk && CREDENTIAL_ERRORS.has(sdk.name)) {
    return { message: `credentials rejected${where}: ${sdk.name}: ${sdk.message}`, exitCode: EXIT.credentials };
  }
  if (sdk && sdk.message === 'Region is missing') {
    return { message: 'no AWS region: pass --region, set AWS_REGION, or set region in the profile.', exitCode: EXIT.usage };
  }
  if (sdk && sdk.name === 'ResourceNotFoundException') {
    return { message: `${sdk.message}${where}`, exitCode: EXIT.notFound };
  }
  if (sdk && INVALID_INPUT_ERRORS.has(sdk.name)) {
    return { message: `${sdk.name}: ${sdk.message}`, exitCode: EXIT.usage };
  }
  if (sdk && sdk.$metadata?.httpStatusCode !== undefined) {
    return { message: `${sdk.name}: ${sdk.message}${where}`, exitCode: EXIT.error };
  }
  if (err instanceof Error) return { message: err.message, exitCode: EXIT.error };
  return { message: String(err), exitCode: EXIT.error };
}
