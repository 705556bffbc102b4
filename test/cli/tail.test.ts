/** tail: recent events, then following by StartLiveTail or by polling, against a real server. */
import { CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { cliEnv, lines, run, startProxyWithoutLiveTail, type CliRun } from './helpers.js';

let t: TestServer;
let logs: CloudWatchLogsClient;

async function put(group: string, stream: string, events: [number, string][]): Promise<void> {
  await logs.send(new CreateLogGroupCommand({ logGroupName: group })).catch(() => undefined);
  await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream })).catch(() => undefined);
  await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: events.map(([timestamp, message]) => ({ timestamp, message })) }));
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  t = await startTestServer();
  logs = t.client();
});
afterAll(() => t.close());

describe('tail without --follow', () => {
  it('prints the last 10 minutes, or --since, in time order across groups', async () => {
    const now = Date.now();
    await put('/t/a', 's', [[now - 20 * 60_000, 'old a'], [now - 5 * 60_000, 'recent a']]);
    await put('/t/b', 's', [[now - 4 * 60_000, 'recent b']]);
    const env = cliEnv(t.url);
    const r = await run(['tail', '/t/a', '/t/b', '--no-stream'], { env });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(lines(r.stdout)).toEqual(['/t/a recent a', '/t/b recent b']);
    const since = await run(['tail', '/t/*', '--since', '1h', '--no-group', '--no-stream'], { env });
    expect(lines(since.stdout)).toEqual(['old a', 'recent a', 'recent b']);
    expect((await run(['tail', '/t/a', '--since', 'whenever'], { env })).code).toBe(2);
    expect((await run(['tail', '/t/missing'], { env })).code).toBe(3);
  });
});

/**
 * Follows /f/<name>: checks the catch-up, events to an existing stream, a stream created while
 * following, a late event older than the newest, and that nothing is printed twice.
 */
async function followScenario(name: string, endpoint: string, extraArgs: string[]): Promise<CliRun> {
  const group = `/f/${name}`;
  const now = Date.now();
  await put(group, 'old', [[now - 60_000, 'before 1'], [now - 30_000, 'before 2']]);
  const controller = new AbortController();
  let output = '';
  const running = run(['tail', group, '--follow', '--no-group', ...extraArgs], {
    env: cliEnv(endpoint),
    signal: controller.signal,
    onStdout: (chunk) => (output += chunk),
  });
  try {
    await waitFor(() => output.includes('old before 2'), 'the catch-up');
    await put(group, 'old', [[Date.now(), 'live 1']]);
    await waitFor(() => output.includes('old live 1'), 'an event to an existing stream');
    await put(group, 'created-later', [[Date.now(), 'live 2']]);
    await waitFor(() => output.includes('created-later live 2'), 'an event to a new stream');
    await put(group, 'late', [[Date.now() - 5_000, 'late by 5s']]);
    await waitFor(() => output.includes('late late by 5s'), 'a late event');
    // A poll or two more: nothing may repeat.
    await new Promise((r) => setTimeout(r, 600));
  } finally {
    controller.abort();
  }
  const result = await running;
  expect(result.code).toBe(0);
  expect(result.stderr).toBe('');
  expect(lines(result.stdout).sort()).toEqual(['created-later live 2', 'late late by 5s', 'old before 1', 'old before 2', 'old live 1']);
  return result;
}

describe('tail --follow', () => {
  it('follows with StartLiveTail where the endpoint has it', async () => {
    const r = await followScenario('live', t.url, []);
    expect(lines(r.stdout).slice(0, 2)).toEqual(['old before 1', 'old before 2']);
  });

  it('follows by polling FilterLogEvents when asked (--no-live-tail)', async () => {
    await followScenario('polling', t.url, ['--no-live-tail', '--interval', '200ms']);
  });

  it('falls back to polling where StartLiveTail is an unknown operation', async () => {
    const proxy = await startProxyWithoutLiveTail(t.url);
    try {
      await followScenario('fallback', proxy.url, ['--interval', '200ms']);
      expect(proxy.liveTailRequests()).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('applies --filter and --stream-prefix while following', async () => {
    const group = '/f/filtered';
    await put(group, 'web-1', [[Date.now() - 1000, 'ERROR early']]);
    const expected = ['web-1 ERROR early'];
    for (const extra of [[], ['--no-live-tail', '--interval', '200ms']]) {
      const controller = new AbortController();
      let output = '';
      const running = run(['tail', group, '-f', '--filter', 'ERROR', '--stream-prefix', 'web', '--no-group', ...extra], {
        env: cliEnv(t.url),
        signal: controller.signal,
        onStdout: (chunk) => (output += chunk),
      });
      await waitFor(() => output.includes('ERROR early'), 'the catch-up');
      const tag = extra.length === 0 ? 'live' : 'poll';
      await put(group, 'web-2', [[Date.now(), `INFO ${tag}`], [Date.now(), `ERROR ${tag}`]]);
      await put(group, 'db-1', [[Date.now(), `ERROR db ${tag}`]]);
      await waitFor(() => output.includes(`web-2 ERROR ${tag}`), 'the matching event');
      await new Promise((r) => setTimeout(r, 500));
      controller.abort();
      expect((await running).code).toBe(0);
      // The second run catches up on the first run's event too.
      expected.push(`web-2 ERROR ${tag}`);
      expect(lines(output)).toEqual(expected);
    }
  });
});
