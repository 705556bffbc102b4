/**
 * Builds the agent's CloudWatch Logs client: credentials from the AWS SDK's default provider chain
 * (environment, profile, SSO, process, web identity, ECS/IMDS), region from the flags, the
 * environment or the profile, requests signed by the SDK's SigV4 signer (see transport.ts).
 */
import { endpointFromEnv } from './endpoint.js';
import type { LogsApi } from './logs-api.js';
import { LogsTransport, type Credentials } from './transport.js';

export interface ClientOptions {
  /** A Logharbor (or any CloudWatch Logs compatible) endpoint; unset means real AWS. */
  readonly endpoint?: string | undefined;
  readonly region?: string | undefined;
  readonly requestTimeoutMs: number;
  readonly connectTimeoutMs: number;
}

/** Logharbor in development mode accepts any signature; these stand in when the chain finds none. */
const DEVELOPMENT_CREDENTIALS: Credentials = { accessKeyId: 'logharbor-agent', secretAccessKey: 'logharbor-agent' };

/** Thrown (and retried, like any error without a response) when no region can be found. */
class RegionMissingError extends Error {
  override readonly name = 'RegionMissing';
}

/**
 * Static credentials from the environment: what the first link of the SDK's chain (fromEnv) returns,
 * found without loading the chain (it pulls in @aws-sdk/core and most of @smithy/core). Left to the
 * chain: AWS_PROFILE set (the chain then skips the environment) and expiring credentials
 * (AWS_CREDENTIAL_EXPIRATION, which the chain refreshes).
 */
export function staticEnvCredentials(env: NodeJS.ProcessEnv): Credentials | undefined {
  const accessKeyId = env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
  if (env['AWS_PROFILE'] || env['AWS_CREDENTIAL_EXPIRATION'] || !accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = env['AWS_SESSION_TOKEN'];
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

/** The SDK's default credential chain, loaded on first use and memoized by the SDK (refreshed before expiry). */
function defaultCredentials(env: NodeJS.ProcessEnv): () => Promise<Credentials> {
  const fixed = staticEnvCredentials(env);
  if (fixed) return () => Promise.resolve(fixed);
  let provider: Promise<() => Promise<Credentials>> | undefined;
  return async () => {
    provider ??= import('@aws-sdk/credential-provider-node').then(({ defaultProvider }) => defaultProvider());
    return (await provider)();
  };
}

/** The SDK's region chain (AWS_REGION, then the profile's `region`), loaded only when needed. */
async function regionFromProfile(): Promise<string | undefined> {
  const { loadConfig, NODE_REGION_CONFIG_OPTIONS, NODE_REGION_CONFIG_FILE_OPTIONS } = await import('@smithy/core/config');
  try {
    return await loadConfig(NODE_REGION_CONFIG_OPTIONS, NODE_REGION_CONFIG_FILE_OPTIONS)();
  } catch {
    return undefined;
  }
}

export function buildClient(options: ClientOptions, env: NodeJS.ProcessEnv = process.env): LogsApi {
  const given = options.region ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? (options.endpoint ? 'us-east-1' : undefined);
  let resolved: string | undefined = given;
  const region = async (): Promise<string> => {
    resolved ??= await regionFromProfile();
    if (resolved === undefined) throw new RegionMissingError('no region: set --region (region: in agent.yaml), AWS_REGION, or a region in the AWS profile');
    return resolved;
  };
  const chain = defaultCredentials(env);
  let credentials = chain;
  if (options.endpoint !== undefined) {
    // Against a Logharbor endpoint, use the default chain when it has credentials, else stand-ins.
    let fallback = false;
    credentials = async () => {
      if (fallback) return DEVELOPMENT_CREDENTIALS;
      try {
        return await chain();
      } catch {
        fallback = true;
        return DEVELOPMENT_CREDENTIALS;
      }
    };
  }
  const common = { region, credentials, requestTimeoutMs: options.requestTimeoutMs, connectTimeoutMs: options.connectTimeoutMs };
  if (options.endpoint !== undefined) return new LogsTransport({ endpoint: options.endpoint, ...common });
  // Real AWS: the endpoint follows the region, which may only be known after reading the profile.
  let transport: LogsTransport | undefined;
  const at = async (): Promise<LogsTransport> => (transport ??= new LogsTransport({ endpoint: endpointFromEnv(await region(), env), ...common }));
  return {
    putLogEvents: async (input, signal) => (await at()).putLogEvents(input, signal),
    createLogGroup: async (input, signal) => (await at()).createLogGroup(input, signal),
    createLogStream: async (input, signal) => (await at()).createLogStream(input, signal),
    putRetentionPolicy: async (input, signal) => (await at()).putRetentionPolicy(input, signal),
    destroy: () => transport?.destroy(),
  };
}
