/**
 * Where events come from: `GROUP[:STREAM_PREFIX]` sources (wildcards resolved against
 * DescribeLogGroups), FilterLogEvents pages as a stream of events, and a merge in time order.
 */
import {
  DescribeLogGroupsCommand,
  FilterLogEventsCommand,
  type CloudWatchLogsClient,
  type LogGroup,
} from '@aws-sdk/client-cloudwatch-logs';
import { CliError, EXIT, isNotFound } from './errors.js';

export interface CliEvent {
  readonly logGroupName: string;
  readonly logStreamName: string;
  readonly timestamp: number;
  readonly ingestionTime: number;
  readonly message: string;
  /** FilterLogEvents' id; live tail events have none. */
  readonly eventId?: string;
}

export interface SourceSpec {
  /** A group name, an ARN, or a pattern with * and ? wildcards. */
  readonly group: string;
  readonly streamPrefix: string | undefined;
}

export interface Source {
  readonly logGroupName: string;
  /** What requests name the group by: its name, or the ARN the user gave. */
  readonly identifier: string;
  /** The group's ARN without ':*', when known (StartLiveTail needs it). */
  readonly arn: string | undefined;
  readonly streamPrefix: string | undefined;
}

/** 'GROUP', 'GROUP:STREAM_PREFIX', or an ARN (log group names never contain ':'). */
export function parseSourceSpec(text: string): SourceSpec {
  if (text.startsWith('arn:')) {
    const marker = ':log-group:';
    const at = text.indexOf(marker);
    if (at < 0) return { group: text, streamPrefix: undefined };
    const afterName = text.indexOf(':', at + marker.length);
    if (afterName < 0) return { group: text, streamPrefix: undefined };
    const rest = text.slice(afterName + 1);
    return { group: text.slice(0, afterName), streamPrefix: rest === '' || rest === '*' ? undefined : rest };
  }
  const colon = text.indexOf(':');
  if (colon < 0) return { group: text, streamPrefix: undefined };
  const prefix = text.slice(colon + 1);
  return { group: text.slice(0, colon), streamPrefix: prefix === '' ? undefined : prefix };
}

export const hasWildcard = (pattern: string) => /[*?]/.test(pattern);

/** A glob over whole names: '*' any run of characters (including '/'), '?' one character. */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

export function groupNameOfArn(arn: string): string {
  const match = /:log-group:([^:]+)/.exec(arn);
  return match ? match[1]! : arn;
}

const arnOf = (group: LogGroup) => group.logGroupArn ?? group.arn?.replace(/:\*$/, '');

/** All groups whose name starts with prefix, in the service's order. */
export async function* listGroups(client: CloudWatchLogsClient, prefix: string | undefined, signal?: AbortSignal): AsyncGenerator<LogGroup> {
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new DescribeLogGroupsCommand({
        ...(prefix !== undefined && prefix !== '' ? { logGroupNamePrefix: prefix } : {}),
        ...(nextToken !== undefined ? { nextToken } : {}),
      }),
      signal ? { abortSignal: signal } : {},
    );
    yield* page.logGroups ?? [];
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
}

export interface ResolveOptions {
  readonly endpoint: string;
  /** Look up each plain group's ARN (live tail needs ARNs). */
  readonly needArns: boolean;
  readonly signal?: AbortSignal;
}

/** Expands wildcards into the groups that exist; a pattern that matches nothing is an error. */
export async function resolveSources(client: CloudWatchLogsClient, specs: readonly SourceSpec[], options: ResolveOptions): Promise<Source[]> {
  const sources: Source[] = [];
  const seen = new Set<string>();
  const add = (source: Source) => {
    const key = `${source.identifier}\u0000${source.streamPrefix ?? ''}`;
    if (!seen.has(key)) {
      seen.add(key);
      sources.push(source);
    }
  };
  for (const spec of specs) {
    if (spec.group.startsWith('arn:')) {
      add({ logGroupName: groupNameOfArn(spec.group), identifier: spec.group, arn: spec.group.replace(/:\*$/, ''), streamPrefix: spec.streamPrefix });
      continue;
    }
    if (!hasWildcard(spec.group)) {
      let arn: string | undefined;
      if (options.needArns) {
        for await (const group of listGroups(client, spec.group, options.signal)) {
          if (group.logGroupName === spec.group) arn = arnOf(group);
          break;
        }
        if (arn === undefined) throw new CliError(`log group '${spec.group}' does not exist at ${options.endpoint}`, EXIT.notFound);
      }
      add({ logGroupName: spec.group, identifier: spec.group, arn, streamPrefix: spec.streamPrefix });
      continue;
    }
    const prefix = spec.group.split(/[*?]/)[0]!;
    const pattern = globToRegExp(spec.group);
    let matched = 0;
    for await (const group of listGroups(client, prefix, options.signal)) {
      const name = group.logGroupName;
      if (name === undefined || !pattern.test(name)) continue;
      matched++;
      add({ logGroupName: name, identifier: name, arn: arnOf(group), streamPrefix: spec.streamPrefix });
    }
    if (matched === 0) throw new CliError(`no log group matches '${spec.group}' at ${options.endpoint}`, EXIT.notFound);
  }
  return sources;
}

export interface EventQuery {
  readonly startTime: number | undefined;
  readonly endTime: number | undefined;
  readonly filterPattern: string | undefined;
  /** Events per FilterLogEvents page. */
  readonly pageLimit: number | undefined;
}

/** A group's events in time order, page after page, until the service has no more. */
export async function* filterEvents(
  client: CloudWatchLogsClient,
  source: Source,
  query: EventQuery,
  context: { endpoint: string; signal?: AbortSignal },
): AsyncGenerator<CliEvent> {
  let nextToken: string | undefined;
  do {
    let page;
    try {
      page = await client.send(
        new FilterLogEventsCommand({
          logGroupIdentifier: source.identifier,
          ...(source.streamPrefix !== undefined ? { logStreamNamePrefix: source.streamPrefix } : {}),
          ...(query.startTime !== undefined ? { startTime: query.startTime } : {}),
          ...(query.endTime !== undefined ? { endTime: query.endTime } : {}),
          ...(query.filterPattern !== undefined ? { filterPattern: query.filterPattern } : {}),
          ...(query.pageLimit !== undefined ? { limit: query.pageLimit } : {}),
          ...(nextToken !== undefined ? { nextToken } : {}),
        }),
        context.signal ? { abortSignal: context.signal } : {},
      );
    } catch (err) {
      if (isNotFound(err)) throw new CliError(`log group '${source.logGroupName}' does not exist at ${context.endpoint}`, EXIT.notFound);
      throw err;
    }
    for (const event of page.events ?? []) {
      yield {
        logGroupName: source.logGroupName,
        logStreamName: event.logStreamName ?? '',
        timestamp: event.timestamp ?? 0,
        ingestionTime: event.ingestionTime ?? 0,
        message: event.message ?? '',
        ...(event.eventId !== undefined ? { eventId: event.eventId } : {}),
      };
    }
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
}

/** Merges streams each in time order into one in time order (ties keep the sources' order). */
export async function* mergeByTime(streams: readonly AsyncIterator<CliEvent>[]): AsyncGenerator<CliEvent> {
  const heads: (CliEvent | undefined)[] = await Promise.all(streams.map(async (s) => (await s.next()).value ?? undefined));
  try {
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const head = heads[i];
        if (head !== undefined && (best < 0 || head.timestamp < heads[best]!.timestamp)) best = i;
      }
      if (best < 0) return;
      yield heads[best]!;
      const next = await streams[best]!.next();
      heads[best] = next.done ? undefined : next.value;
    }
  } finally {
    await Promise.all(streams.map((s) => s.return?.()));
  }
}
