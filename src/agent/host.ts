/** Facts about the host that templates use: hostname and, on EC2, the instance id (IMDSv2). */
import { hostname } from 'node:os';
import { request } from 'node:http';

export interface HostFacts {
  readonly hostname: string;
  readonly instanceId: string;
}

export interface InstanceIdOptions {
  /** The IMDS base URL (default http://169.254.169.254). */
  readonly endpoint?: string;
  /** A hard bound on the whole lookup; the agent never waits longer (default 500 ms). */
  readonly timeoutMs?: number;
}

/**
 * Reads the EC2 instance id through IMDSv2 (a PUT for a session token, then a GET), bounded by a
 * short timeout so that off EC2 the agent starts at once. Returns undefined when unavailable.
 */
export async function readInstanceId(options: InstanceIdOptions = {}): Promise<string | undefined> {
  const base = new URL(options.endpoint ?? 'http://169.254.169.254');
  const deadline = AbortSignal.timeout(options.timeoutMs ?? 500);
  try {
    const token = await httpText(base, 'PUT', '/latest/api/token', { 'X-aws-ec2-metadata-token-ttl-seconds': '60' }, deadline);
    if (token === undefined) return undefined;
    const id = await httpText(base, 'GET', '/latest/meta-data/instance-id', { 'X-aws-ec2-metadata-token': token }, deadline);
    return id !== undefined && /^i-[0-9a-f]+$/.test(id.trim()) ? id.trim() : undefined;
  } catch {
    return undefined;
  }
}

function httpText(base: URL, method: string, path: string, headers: Record<string, string>, signal: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: base.hostname, port: base.port || 80, method, path, headers, signal, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < 4096) body += chunk;
        });
        res.on('end', () => resolve(res.statusCode === 200 ? body : undefined));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Resolves host facts; the instance id only when asked for, falling back to the hostname. */
export async function hostFacts(wantInstanceId: boolean, options: InstanceIdOptions & { disabled?: boolean } = {}): Promise<HostFacts> {
  const name = hostname();
  if (!wantInstanceId || options.disabled) return { hostname: name, instanceId: name };
  return { hostname: name, instanceId: (await readInstanceId(options)) ?? name };
}
