/** `logharbor groups [PREFIX]`, `groups create NAME...`, `groups delete NAME...`. */
import {
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DescribeLogStreamsCommand,
  PutRetentionPolicyCommand,
  type CloudWatchLogsClient,
  type LogGroup,
} from '@aws-sdk/client-cloudwatch-logs';
import { parsePositiveInt } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { CliError, EXIT, UsageError, isAlreadyExists, isNotFound } from '../errors.js';
import { globToRegExp, hasWildcard, listGroups } from '../events.js';
import { formatBytes, formatTable } from '../format.js';
import { formatTimestamp } from '../time.js';

/** Last-event lookups run this many at a time: quick, and well under DescribeLogStreams' quota. */
const LAST_EVENT_CONCURRENCY = 4;

export const groups: Command = {
  name: 'groups',
  summary: 'list log groups with stored size, retention and last event; create or delete them',
  usage: ['logharbor groups [PREFIX|PATTERN] [options]', 'logharbor groups create NAME... [--retention DAYS]', 'logharbor groups delete NAME...'],
  description:
    'Lists the log groups whose names start with PREFIX (or match a PATTERN with * and ?), with stored\n' +
    'size, retention and the time of the last event (the newest stream\'s). `create` and `delete` manage groups.',
  options: {
    names: { type: 'boolean', description: 'print only the names, one per line' },
    json: { type: 'boolean', description: 'one JSON object per group and line' },
    utc: { type: 'boolean', description: 'show times in UTC (default: local time)' },
    'no-last-event': { type: 'boolean', description: 'skip looking up each group\'s last event time' },
    retention: { type: 'string', value: 'DAYS', description: 'with create: set the retention in days' },
  },
  examples: [
    'logharbor groups',
    "logharbor groups /prod/ --utc",
    "logharbor groups '/prod/*api*' --json",
    'logharbor groups create /dev/api --retention 7',
    'logharbor groups delete /dev/api',
  ],
  positional: 'group',
  subcommands: ['create', 'delete'],
  async run(ctx) {
    const [first, ...rest] = ctx.args.positionals;
    if (first === 'create') return create(ctx, rest);
    if (first === 'delete') return remove(ctx, rest);
    if (rest.length > 0) throw new UsageError(`logharbor groups: one PREFIX at most, got ${ctx.args.positionals.length} arguments`);
    return list(ctx, first);
  },
};

async function lastEventTime(client: CloudWatchLogsClient, name: string, signal: AbortSignal): Promise<number | undefined> {
  try {
    const { logStreams } = await client.send(
      new DescribeLogStreamsCommand({ logGroupName: name, orderBy: 'LastEventTime', descending: true, limit: 1 }),
      { abortSignal: signal },
    );
    return logStreams?.[0]?.lastEventTimestamp;
  } catch (err) {
    if (isNotFound(err)) return undefined; // deleted while we listed
    throw err;
  }
}

/** Runs fn over items, at most `limit` at once, keeping the results in order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

async function list(ctx: CommandContext, prefixOrPattern: string | undefined): Promise<number> {
  const client = ctx.client();
  const wildcard = prefixOrPattern !== undefined && hasWildcard(prefixOrPattern);
  const prefix = wildcard ? prefixOrPattern.split(/[*?]/)[0] : prefixOrPattern;
  const pattern = wildcard ? globToRegExp(prefixOrPattern) : undefined;
  const found: LogGroup[] = [];
  for await (const group of listGroups(client, prefix, ctx.signal)) {
    if (pattern && !pattern.test(group.logGroupName ?? '')) continue;
    found.push(group);
  }
  if (ctx.args.booleans['names']) {
    for (const g of found) ctx.out(g.logGroupName ?? '');
    return EXIT.ok;
  }
  const utc = ctx.args.booleans['utc'] === true;
  const lastEvents = ctx.args.booleans['no-last-event']
    ? found.map(() => undefined)
    : await mapLimited(found, LAST_EVENT_CONCURRENCY, (g) => lastEventTime(client, g.logGroupName ?? '', ctx.signal));
  if (ctx.args.booleans['json']) {
    found.forEach((g, i) => {
      const last = lastEvents[i];
      ctx.out(
        JSON.stringify({
          logGroupName: g.logGroupName,
          ...(g.logGroupArn ?? g.arn ? { arn: g.logGroupArn ?? g.arn?.replace(/:\*$/, '') } : {}),
          creationTime: g.creationTime !== undefined ? formatTimestamp(g.creationTime, utc) : null,
          storedBytes: g.storedBytes ?? null,
          retentionInDays: g.retentionInDays ?? null,
          lastEventTime: last !== undefined ? formatTimestamp(last, utc) : null,
          ...(g.logGroupClass !== undefined ? { logGroupClass: g.logGroupClass } : {}),
        }),
      );
    });
    return EXIT.ok;
  }
  const rows = found.map((g, i) => {
    const last = lastEvents[i];
    return [
      g.logGroupName ?? '',
      formatBytes(g.storedBytes),
      g.retentionInDays !== undefined ? `${g.retentionInDays} days` : 'never expire',
      last !== undefined ? formatTimestamp(last, utc) : '-',
    ];
  });
  ctx.io.stdout.write(formatTable(['NAME', 'STORED', 'RETENTION', 'LAST EVENT'], rows, ctx.color));
  return EXIT.ok;
}

async function create(ctx: CommandContext, names: readonly string[]): Promise<number> {
  if (names.length === 0) throw new UsageError("logharbor groups create: give the name of the group to create (see 'logharbor groups --help')");
  const retention = parsePositiveInt('groups create', 'retention', ctx.args.strings['retention']);
  const client = ctx.client();
  for (const name of names) {
    try {
      await client.send(new CreateLogGroupCommand({ logGroupName: name }), { abortSignal: ctx.signal });
    } catch (err) {
      if (isAlreadyExists(err)) throw new CliError(`log group '${name}' already exists at ${ctx.endpoint()}`, EXIT.error);
      throw err;
    }
    if (retention !== undefined) {
      await client.send(new PutRetentionPolicyCommand({ logGroupName: name, retentionInDays: retention }), { abortSignal: ctx.signal });
    }
  }
  return EXIT.ok;
}

async function remove(ctx: CommandContext, names: readonly string[]): Promise<number> {
  if (names.length === 0) throw new UsageError("logharbor groups delete: give the name of the group to delete (see 'logharbor groups --help')");
  if (ctx.args.strings['retention'] !== undefined) throw new UsageError('logharbor groups delete: --retention goes with create');
  const client = ctx.client();
  for (const name of names) {
    try {
      await client.send(new DeleteLogGroupCommand({ logGroupName: name }), { abortSignal: ctx.signal });
    } catch (err) {
      if (isNotFound(err)) throw new CliError(`log group '${name}' does not exist at ${ctx.endpoint()}`, EXIT.notFound);
      throw err;
    }
  }
  return EXIT.ok;
}
