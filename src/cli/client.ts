/**
 * Builds the CloudWatch Logs client: credentials and region through the SDK's default chain and
 * profiles, the endpoint from --endpoint, LOGHARBOR_ENDPOINT, AWS_ENDPOINT_URL(_CLOUDWATCH_LOGS)
 * or the profile's endpoint_url, else AWS itself.
 */
import { CloudWatchLogsClient, type CloudWatchLogsClientConfig } from '@aws-sdk/client-cloudwatch-logs';
import { readProfileSettings } from './aws-config.js';
import { UsageError } from './errors.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface ConnectionFlags {
  readonly endpoint?: string | undefined;
  readonly region?: string | undefined;
  readonly profile?: string | undefined;
}

export interface Connection {
  /** A custom endpoint; undefined means AWS's regional endpoint. */
  readonly endpoint: string | undefined;
  readonly region: string | undefined;
  /** The profile named by --profile or AWS_PROFILE; undefined means the default chain. */
  readonly profile: string | undefined;
  /** Static keys from the environment (the SDK's first provider), when no profile is named. */
  readonly credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
}

/** A custom endpoint without a region still needs one for SigV4; Logharbor's default is this. */
const DEFAULT_LOCAL_REGION = 'us-east-1';

/** The TCP connect timeout: an endpoint that does not answer SYNs is reported within this. */
const CONNECTION_TIMEOUT_MS = 5_000;

const nonEmpty = (v: string | undefined) => (v !== undefined && v.trim() !== '' ? v.trim() : undefined);

export function resolveConnection(flags: ConnectionFlags, env: Env): Connection {
  const profile = nonEmpty(flags.profile) ?? nonEmpty(env['AWS_PROFILE']);
  const settings = readProfileSettings(env, profile ?? 'default');
  const ignoreConfigured = env['AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'] === 'true';
  const endpoint =
    nonEmpty(flags.endpoint) ??
    nonEmpty(env['LOGHARBOR_ENDPOINT']) ??
    (ignoreConfigured ? undefined : (nonEmpty(env['AWS_ENDPOINT_URL_CLOUDWATCH_LOGS']) ?? nonEmpty(env['AWS_ENDPOINT_URL']) ?? settings.endpointUrl));
  if (endpoint !== undefined) validateEndpoint(endpoint);
  const region =
    nonEmpty(flags.region) ?? nonEmpty(env['AWS_REGION']) ?? nonEmpty(env['AWS_DEFAULT_REGION']) ?? settings.region ?? (endpoint !== undefined ? DEFAULT_LOCAL_REGION : undefined);
  const accessKeyId = nonEmpty(env['AWS_ACCESS_KEY_ID']);
  const secretAccessKey = nonEmpty(env['AWS_SECRET_ACCESS_KEY']);
  const sessionToken = nonEmpty(env['AWS_SESSION_TOKEN']);
  const credentials =
    profile === undefined && accessKeyId !== undefined && secretAccessKey !== undefined
      ? { accessKeyId, secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}) }
      : undefined;
  return { endpoint, region, profile, credentials };
}

function validateEndpoint(endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UsageError(`invalid endpoint '${endpoint}': give a URL such as http://127.0.0.1:4588`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`invalid endpoint '${endpoint}': the URL must start with http:// or https://`);
  }
}

export function createClient(connection: Connection): CloudWatchLogsClient {
  // The SDK warns on Node 20 about its releases after January 2027; Logharbor supports Node 20,
  // and a warning paragraph on every command's stderr buries the one line that matters.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const config: CloudWatchLogsClientConfig = {
    requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS },
    ...(connection.region !== undefined ? { region: connection.region } : {}),
    ...(connection.profile !== undefined ? { profile: connection.profile } : {}),
    ...(connection.credentials !== undefined ? { credentials: connection.credentials } : {}),
    // The SDK sends StartLiveTail to 'streaming-<host>'; a custom endpoint has no such host.
    ...(connection.endpoint !== undefined ? { endpoint: connection.endpoint, disableHostPrefix: true } : {}),
  };
  return new CloudWatchLogsClient(config);
}

/** Where requests go, for messages. */
export function endpointLabel(connection: Connection): string {
  if (connection.endpoint !== undefined) return connection.endpoint;
  return connection.region !== undefined ? `https://logs.${connection.region}.amazonaws.com` : 'AWS (no region set)';
}
