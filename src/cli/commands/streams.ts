/** `logharbor streams GROUP [PREFIX] [--order name|last-event]`. */
import { DescribeLogStreamsCommand, type LogStream } from '@aws-sdk/client-cloudwatch-logs';
import { parsePositiveInt } from '../args.js';
import type { Command } from '../command.js';
import { CliError, EXIT, UsageError, isNotFound } from '../errors.js';
import { formatTable } from '../format.js';
import { formatTimestamp } from '../time.js';

export const streams: Command = {
  name: 'streams',
  summary: "list a group's log streams with their first and last event times",
  usage: ['logharbor streams GROUP [PREFIX] [options]'],
  description:
    'Lists the streams of GROUP whose names start with PREFIX, by name or, with --order last-event,\n' +
    'most recently written first. (AWS reports storedBytes of streams as 0, so no size is shown.)',
  options: {
    order: { type: 'string', value: 'ORDER', description: "'name' (default) or 'last-event' (newest first)" },
    limit: { type: 'string', value: 'N', description: 'list at most N streams' },
    names: { type: 'boolean', description: 'print only the names, one per line' },
    json: { type: 'boolean', description: 'one JSON object per stream and line' },
    utc: { type: 'boolean', description: 'show times in UTC (default: local time)' },
  },
  examples: ['logharbor streams /prod/api', 'logharbor streams /prod/api i-0abc --utc', 'logharbor streams /prod/api --order last-event --limit 5'],
  positional: 'group',
  async run(ctx) {
    const [group, prefix, ...extra] = ctx.args.positionals;
    if (group === undefined) throw new UsageError("logharbor streams: give a log group (see 'logharbor streams --help')");
    if (extra.length > 0) throw new UsageError('logharbor streams: expected GROUP and at most one PREFIX');
    const order = ctx.args.strings['order'] ?? 'name';
    if (order !== 'name' && order !== 'last-event') throw new UsageError(`logharbor streams: --order is 'name' or 'last-event', not '${order}'`);
    const limit = parsePositiveInt('streams', 'limit', ctx.args.strings['limit']);
    // The API cannot order by last event within a prefix; then list by name and sort here.
    const serverOrdered = order === 'last-event' && prefix === undefined;
    const found: LogStream[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const page = await ctx.client().send(
          new DescribeLogStreamsCommand({
            logGroupName: group,
            ...(prefix !== undefined ? { logStreamNamePrefix: prefix } : {}),
            ...(serverOrdered ? { orderBy: 'LastEventTime', descending: true } : {}),
            ...(nextToken !== undefined ? { nextToken } : {}),
          }),
          { abortSignal: ctx.signal },
        );
        found.push(...(page.logStreams ?? []));
        nextToken = page.nextToken;
      } while (nextToken !== undefined && (limit === undefined || found.length < limit || (order === 'last-event' && !serverOrdered)));
    } catch (err) {
      if (isNotFound(err)) throw new CliError(`log group '${group}' does not exist at ${ctx.endpoint()}`, EXIT.notFound);
      throw err;
    }
    if (order === 'last-event' && !serverOrdered) found.sort((a, b) => (b.lastEventTimestamp ?? 0) - (a.lastEventTimestamp ?? 0));
    const shown = limit !== undefined ? found.slice(0, limit) : found;
    const utc = ctx.args.booleans['utc'] === true;
    const time = (t: number | undefined) => (t !== undefined ? formatTimestamp(t, utc) : '-');
    if (ctx.args.booleans['names']) {
      for (const s of shown) ctx.out(s.logStreamName ?? '');
    } else if (ctx.args.booleans['json']) {
      for (const s of shown) {
        ctx.out(
          JSON.stringify({
            logStreamName: s.logStreamName,
            creationTime: s.creationTime !== undefined ? time(s.creationTime) : null,
            firstEventTime: s.firstEventTimestamp !== undefined ? time(s.firstEventTimestamp) : null,
            lastEventTime: s.lastEventTimestamp !== undefined ? time(s.lastEventTimestamp) : null,
            lastIngestionTime: s.lastIngestionTime !== undefined ? time(s.lastIngestionTime) : null,
          }),
        );
      }
    } else {
      const rows = shown.map((s) => [s.logStreamName ?? '', time(s.creationTime), time(s.firstEventTimestamp), time(s.lastEventTimestamp)]);
      ctx.io.stdout.write(formatTable(['NAME', 'CREATED', 'FIRST EVENT', 'LAST EVENT'], rows, ctx.color));
    }
    return EXIT.ok;
  },
};
