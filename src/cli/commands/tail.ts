/** `logharbor tail GROUP... [--follow] [--filter P] [--stream-prefix P] [--since 10m]`. */
import type { Command } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { EVENT_OUTPUT_OPTIONS, eventFormat, filterPattern } from '../event-options.js';
import { parseSourceSpec, resolveSources, type CliEvent } from '../events.js';
import { canLiveTail, followByPolling, followLive, printSince, type FollowOptions } from '../follow.js';
import { formatEvent } from '../format.js';
import { durationOption, parseDuration, parseTime } from '../time.js';

const DEFAULT_SINCE_MS = 10 * 60_000;
/** FilterLogEvents allows 5 requests a second per account and region (AWS quota); poll gently. */
const DEFAULT_POLL_INTERVAL_MS = 2_000;
const MIN_POLL_INTERVAL_MS = 200;

export const tail: Command = {
  name: 'tail',
  summary: 'print recent events of one or more groups, then follow new ones',
  usage: ['logharbor tail GROUP[:STREAM_PREFIX]... [options]'],
  description:
    'Prints the events of the last 10 minutes (or --since), then with --follow keeps printing new\n' +
    'ones, including from streams created meanwhile, until interrupted. Follows with StartLiveTail\n' +
    'where the endpoint has it, else by polling FilterLogEvents (each event printed once).',
  options: {
    follow: { type: 'boolean', short: 'f', description: 'keep printing new events until interrupted' },
    since: { type: 'string', value: 'WHEN', description: "start this long ago ('10m', '2h', '1d') or at a time ('13:10'); default 10m" },
    'stream-prefix': { type: 'string', value: 'P', description: 'only streams whose names start with P' },
    interval: { type: 'string', value: 'DURATION', description: 'when polling, wait this long between polls (default 2s)' },
    'no-live-tail': { type: 'boolean', description: 'follow by polling even where StartLiveTail exists' },
    ...EVENT_OUTPUT_OPTIONS,
  },
  examples: [
    'logharbor tail /prod/api',
    "logharbor tail /prod/api /prod/worker -f --filter '?ERROR ?WARN'",
    "logharbor tail '/prod/*' --follow --since 1h --timestamp",
    'logharbor tail /prod/api --stream-prefix web- -f --json | jq -r .message',
  ],
  positional: 'source',
  async run(ctx) {
    if (ctx.args.positionals.length === 0) throw new UsageError("logharbor tail: give at least one log group (see 'logharbor tail --help')");
    const now = ctx.io.now();
    const utc = ctx.args.booleans['utc'] === true;
    const sinceText = ctx.args.strings['since'];
    let sinceTime = now - DEFAULT_SINCE_MS;
    if (sinceText !== undefined) {
      const duration = parseDuration(sinceText.replace(/\s+ago$/i, ''));
      const at = duration !== undefined ? now - duration : parseTime(sinceText, { now, utc });
      if (at === undefined) throw new UsageError(`logharbor tail: --since: '${sinceText}' is neither a duration ('10m', '2h', '1d') nor a time ('13:10', '2024-05-01T13:10Z')`);
      sinceTime = at;
    }
    const intervalMs = durationOption('tail', 'interval', ctx.args.strings['interval']) ?? DEFAULT_POLL_INTERVAL_MS;
    if (intervalMs < MIN_POLL_INTERVAL_MS) throw new UsageError(`logharbor tail: --interval must be at least ${MIN_POLL_INTERVAL_MS}ms`);
    const format = eventFormat(ctx.args, ctx.color);
    const streamPrefix = ctx.args.strings['stream-prefix'];
    const specs = ctx.args.positionals.map(parseSourceSpec).map((s) => (s.streamPrefix === undefined && streamPrefix !== undefined ? { ...s, streamPrefix } : s));
    const follow = ctx.args.booleans['follow'] === true;
    const useLive = follow && ctx.args.booleans['no-live-tail'] !== true;
    const client = ctx.client();
    const endpoint = ctx.endpoint();
    const sources = await resolveSources(client, specs, { endpoint, needArns: useLive, signal: ctx.signal });
    const options: FollowOptions = {
      client,
      sources,
      sinceTime,
      filterPattern: filterPattern(ctx.args),
      endpoint,
      signal: ctx.signal,
      intervalMs,
      now: () => ctx.io.now(),
      print: async (event: CliEvent) => {
        const line = formatEvent(event, format);
        if (line !== undefined) await ctx.emit(line);
      },
    };
    if (!follow) {
      await printSince(options);
      return EXIT.ok;
    }
    if (useLive && canLiveTail(sources) && (await followLive(options)) === 'stopped') return EXIT.ok;
    await followByPolling(options);
    return EXIT.ok;
  },
};
