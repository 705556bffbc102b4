/** Builds the CloudWatch Logs client: credentials and region from the AWS SDK's default chain. */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';

export interface ClientOptions {
  /** A Logharbor (or any CloudWatch Logs compatible) endpoint; unset means real AWS. */
  readonly endpoint?: string | undefined;
  readonly region?: string | undefined;
  readonly requestTimeoutMs: number;
  readonly connectTimeoutMs: number;
}

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

/** Logharbor in development mode accepts any signature; these stand in when the chain finds none. */
const DEVELOPMENT_CREDENTIALS: Credentials = { accessKeyId: 'logharbor-agent', secretAccessKey: 'logharbor-agent' };

export function buildClient(options: ClientOptions, env: NodeJS.ProcessEnv = process.env): CloudWatchLogsClient {
  const region = options.region ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? (options.endpoint ? 'us-east-1' : undefined);
  const base = {
    ...(region !== undefined ? { region } : {}),
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    // The pipeline retries with its own backoff and never gives up; the SDK must not retry inside a call.
    maxAttempts: 1,
    requestHandler: { connectionTimeout: options.connectTimeoutMs, requestTimeout: options.requestTimeoutMs },
  };
  if (options.endpoint === undefined) return new CloudWatchLogsClient(base);
  // Against a Logharbor endpoint, use the default chain when it has credentials, else stand-ins.
  const chain = new CloudWatchLogsClient(base).config.credentials;
  let fallback = false;
  const credentials = async (): Promise<Credentials> => {
    if (fallback) return DEVELOPMENT_CREDENTIALS;
    try {
      return await chain();
    } catch {
      fallback = true;
      return DEVELOPMENT_CREDENTIALS;
    }
  };
  return new CloudWatchLogsClient({ ...base, credentials });
}
