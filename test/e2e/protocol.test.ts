import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

async function call(target: string | undefined, body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(t.url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      ...(target ? { 'X-Amz-Target': target } : {}),
      ...headers,
    },
    body,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

describe('the JSON 1.1 protocol', () => {
  it('answers with x-amzn-RequestId and Date on success and error', async () => {
    const ok = await call('Logs_20140328.DescribeLogGroups', '{}');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(ok.headers.get('date')).toBeTruthy();
    expect(ok.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(ok.json).toEqual({ logGroups: [] });
    const bad = await call('Logs_20140328.CreateLogGroup', '{}');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-amzn-requestid')).toBeTruthy();
    expect(bad.json).toEqual({
      __type: 'InvalidParameterException',
      message: "1 validation error detected: Value null at 'logGroupName' failed to satisfy constraint: Member must not be null",
    });
  });

  it('rejects unknown operations and targets', async () => {
    const unknown = await call('Logs_20140328.MakeCoffee', '{}');
    expect(unknown.status).toBe(400);
    expect(unknown.json!['__type']).toBe('UnknownOperationException');
    const wrongService = await call('DynamoDB_20120810.ListTables', '{}');
    expect(wrongService.json!['__type']).toBe('UnknownOperationException');
    const none = await call(undefined, '{}');
    expect(none.status).toBe(400);
    expect(none.json!['__type']).toBe('UnknownOperationException');
  });

  it('rejects malformed bodies and wrong types with SerializationException', async () => {
    const broken = await call('Logs_20140328.CreateLogGroup', '{"logGroupName": ');
    expect(broken.status).toBe(400);
    expect(broken.json!['__type']).toBe('SerializationException');
    const array = await call('Logs_20140328.CreateLogGroup', '[1]');
    expect(array.json!['__type']).toBe('SerializationException');
    const wrongType = await call('Logs_20140328.CreateLogGroup', '{"logGroupName": 5}');
    expect(wrongType.json!['__type']).toBe('SerializationException');
  });

  it('accepts bodies up to 8 MiB and refuses larger ones clearly', async () => {
    const padding = ' '.repeat(8 * 1024 * 1024 - 100);
    const ok = await call('Logs_20140328.DescribeLogGroups', `{${padding}}`);
    expect(ok.status).toBe(200);
    const tooBig = await call('Logs_20140328.DescribeLogGroups', `{${padding}${' '.repeat(200)}}`);
    expect(tooBig.status).toBe(413);
    expect(tooBig.json!['__type']).toBe('RequestEntityTooLargeException');
  });

  it('takes the region from the SigV4 credential scope', async () => {
    await call('Logs_20140328.CreateLogGroup', '{"logGroupName":"regional"}', {
      Authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20260101/ap-south-1/logs/aws4_request, SignedHeaders=host, Signature=abc',
    });
    const res = await call('Logs_20140328.DescribeLogGroups', '{}', {
      Authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20260101/ap-south-1/logs/aws4_request, SignedHeaders=host, Signature=abc',
    });
    const groups = (res.json!['logGroups'] as Array<{ arn: string }>)!;
    expect(groups[0]!.arn).toBe('arn:aws:logs:ap-south-1:000000000000:log-group:regional:*');
  });

  it('answers STS GetCallerIdentity with the configured account', async () => {
    const sts = new STSClient({ endpoint: t.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDSTS', secretAccessKey: 's' } });
    const out = await sts.send(new GetCallerIdentityCommand({}));
    expect(out.Account).toBe('000000000000');
    expect(out.Arn).toBe('arn:aws:iam::000000000000:root');
    expect(out.UserId).toBe('AKIDSTS');
    sts.destroy();
  });
});
