/** Reads the caller's access key id and region from a SigV4 Authorization header or presigned query. */
export interface CredentialScope {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
}

const CREDENTIAL = /Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;

export function parseCredentialScope(authorization: string | undefined, query?: URLSearchParams): CredentialScope | undefined {
  const source = authorization ?? (query?.get('X-Amz-Credential') ? `Credential=${query.get('X-Amz-Credential')}` : undefined);
  if (!source) return undefined;
  const match = CREDENTIAL.exec(source);
  if (!match) return undefined;
  return { accessKeyId: match[1]!, date: match[2]!, region: match[3]!, service: match[4]! };
}
