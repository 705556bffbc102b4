/**
 * STS GetCallerIdentity on the same port (Query protocol, XML), because shippers call it to
 * build ARNs before writing logs.
 */
import type { ServerResponse } from 'node:http';

export function isStsRequest(contentType: string | undefined, body: string, query: URLSearchParams): boolean {
  if (query.get('Action') === 'GetCallerIdentity') return true;
  return (contentType ?? '').startsWith('application/x-www-form-urlencoded') && /(^|&)Action=/.test(body);
}

function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function handleSts(res: ServerResponse, body: string, query: URLSearchParams, requestId: string, accountId: string, accessKeyId: string | undefined): void {
  const params = new URLSearchParams(body);
  const action = params.get('Action') ?? query.get('Action');
  const ns = 'https://sts.amazonaws.com/doc/2011-06-15/';
  if (action !== 'GetCallerIdentity') {
    const xml = `<ErrorResponse xmlns="${ns}"><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>Could not find operation ${xmlEscape(action ?? '')} for version 2011-06-15</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
    res.writeHead(400, { 'Content-Type': 'text/xml', 'x-amzn-RequestId': requestId });
    res.end(xml);
    return;
  }
  const userId = accessKeyId ?? 'AKIAIOSFODNN7EXAMPLE';
  const xml =
    `<GetCallerIdentityResponse xmlns="${ns}"><GetCallerIdentityResult>` +
    `<Arn>arn:aws:iam::${accountId}:root</Arn><UserId>${xmlEscape(userId)}</UserId><Account>${accountId}</Account>` +
    `</GetCallerIdentityResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`;
  res.writeHead(200, { 'Content-Type': 'text/xml', 'x-amzn-RequestId': requestId });
  res.end(xml);
}
