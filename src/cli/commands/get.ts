/** `logharbor get GROUP[:STREAM_PREFIX]... [--start T] [--end T] [--filter P] [--limit N]`. */
import { parsePositiveInt } from '../args.js';
import type { Command } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { EVENT_OUTPUT_OPTIONS, eventFormat, filterPattern } from '../event-options.js';
import { filterEvents, mergeByTime, parseSourceSpec, resolveSources } from '../events.js';
import { formatEvent } from '../format.js';
import { timeOption } from '../time.js';

/** AWS FilterLogEvents: at most 10,000 events a page. */
const MAX_PAGE_EVENTS = 10_000;

export const get: Command = {
  name: 'get',
  summary: 'print the events of one or more groups, interleaved in time order',
  usage: ['logharbor get GROUP[:STREAM_PREFIX]... [options]'],
  description:
    'Prints the events of every GROUP (a name, an ARN, or a pattern with * and ?, e.g. \'/prod/*\'),\n' +
    'restricted to streams starting with STREAM_PREFIX when given, merged in time order.\n' +
    "Times: '10m', '10mins ago', '2h', '2d1h20m', '13:10' (the latest past 13:10), '2024-05-01',\n" +
    "'2024-05-01T13:10:00Z', 'today', 'now'; local time unless --utc or a zone is given.",
  options: {
    start: { type: 'string', short: 's', value: 'TIME', description: 'events at or after TIME (default: the first event)' },
    end: { type: 'string', short: 'e', value: 'TIME', description: 'events at or before TIME (default: no end)' },
    limit: { type: 'string', short: 'n', value: 'N', description: 'stop after N events' },
    ...EVENT_OUTPUT_OPTIONS,
  },
  examples: [
    "logharbor get /prod/api --start '10mins ago'",
    "logharbor get '/prod/*' --start 2h --filter ERROR --timestamp",
    'logharbor get /prod/api:web-1 /prod/worker --start 13:10 --end 13:20 --utc',
    "logharbor get /prod/api --start 1d --query 'request.path' --no-group",
    'logharbor get /prod/api --start 2024-05-01T00:00:00Z --json | jq .message',
  ],
  positional: 'source',
  async run(ctx) {
    if (ctx.args.positionals.length === 0) throw new UsageError("logharbor get: give at least one log group (see 'logharbor get --help')");
    const timeOptions = { now: ctx.io.now(), utc: ctx.args.booleans['utc'] === true };
    const startTime = timeOption('get', 'start', ctx.args.strings['start'], timeOptions);
    const endTime = timeOption('get', 'end', ctx.args.strings['end'], timeOptions);
    if (startTime !== undefined && endTime !== undefined && endTime < startTime) {
      throw new UsageError('logharbor get: --end is before --start');
    }
    const limit = parsePositiveInt('get', 'limit', ctx.args.strings['limit']);
    const format = eventFormat(ctx.args, ctx.color);
    const specs = ctx.args.positionals.map(parseSourceSpec);
    const client = ctx.client();
    const endpoint = ctx.endpoint();
    const sources = await resolveSources(client, specs, { endpoint, needArns: false, signal: ctx.signal });
    const query = {
      startTime,
      endTime,
      filterPattern: filterPattern(ctx.args),
      pageLimit: limit !== undefined ? Math.min(limit, MAX_PAGE_EVENTS) : undefined,
    };
    const merged = mergeByTime(sources.map((s) => filterEvents(client, s, query, { endpoint, signal: ctx.signal })));
    let printed = 0;
    for await (const event of merged) {
      const line = formatEvent(event, format);
      if (line === undefined) continue;
      await ctx.emit(line);
      if (limit !== undefined && ++printed >= limit) break;
    }
    return EXIT.ok;
  },
};
