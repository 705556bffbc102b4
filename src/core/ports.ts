/**
 * What the core needs of storage, in the core's words. Every backend (storage/sqlite,
 * storage/postgres) implements LogStore and passes test/conformance/log-store.suite.ts.
 */
import type { EventPosition, InputLogEvent, LogGroup, LogGroupClass, LogStream, Scope, StoredLogEvent } from './types.js';

export interface StoreCapabilities {
  /** 'notify': the store calls onAppend listeners itself (also for other nodes' writes); 'poll': callers poll. */
  readonly tail: 'notify' | 'poll';
}

export interface NewLogGroup {
  readonly name: string;
  readonly creationTime: number;
  readonly kmsKeyId?: string;
  readonly logGroupClass: LogGroupClass;
  readonly deletionProtectionEnabled: boolean;
}

export interface LogGroupPatch {
  /** null removes the retention policy */
  readonly retentionInDays?: number | null;
  readonly kmsKeyId?: string | null;
  readonly deletionProtectionEnabled?: boolean;
}

export interface ListLogGroupsQuery {
  readonly namePrefix?: string;
  /** case-sensitive substring (DescribeLogGroups' logGroupNamePattern) */
  readonly nameContains?: string;
  readonly names?: readonly string[];
  readonly logGroupClass?: LogGroupClass;
  /** exclusive: return groups whose name sorts after this one */
  readonly afterName?: string;
  readonly limit: number;
}

export interface ListLogStreamsQuery {
  readonly namePrefix?: string;
  readonly orderBy: 'LogStreamName' | 'LastEventTime';
  readonly descending: boolean;
  /** exclusive resume point from the previous page: the sort key and name of its last stream */
  readonly after?: { readonly lastEventTime: number; readonly name: string };
  readonly limit: number;
}

export interface ReadStreamQuery {
  /** inclusive */
  readonly startTime?: number;
  /** exclusive */
  readonly endTime?: number;
  /** read events strictly after this position, ascending (forward), or strictly before it, descending (backward) */
  readonly from?: EventPosition;
  readonly direction: 'forward' | 'backward';
  readonly limit: number;
}

export interface ScanQuery {
  /** only these streams (absent: all streams of the group) */
  readonly streamNames?: readonly string[];
  readonly streamNamePrefix?: string;
  /** inclusive */
  readonly startTime?: number;
  /** inclusive */
  readonly endTime?: number;
  /** resume strictly after (ascending) or before (descending) this position */
  readonly from?: EventPosition;
  readonly descending: boolean;
  /** terms every matching message contains: a hint a store may use to skip data, never a filter it must apply */
  readonly requiredTerms?: readonly string[];
  /**
   * A filter pattern's source (as compileFilterPattern takes it, FilterLogEvents semantics) that a
   * store MAY apply itself, e.g. in another thread; each batch says whether it did (ScanBatch).
   */
  readonly filterPattern?: string;
}

/** A batch of scanned events; a store that applied ScanQuery.filterPattern says so here. */
export type ScanBatch = StoredLogEvent[] & {
  /** every event in this batch matches the query's filterPattern: the store applied it */
  readonly filterApplied?: boolean;
  /**
   * with filterApplied: every matching event up to this position (in scan order) has been yielded,
   * so a caller may resume strictly after it (a batch may then be empty)
   */
  readonly scannedThrough?: EventPosition;
};

export interface AppendResult {
  /** id of the first stored event; the others follow consecutively */
  readonly firstId: number;
}

/** What PutLogEvents measured of a batch's messages, so that a store need not measure them again. */
export interface BatchText {
  /** UTF-8 bytes of all the messages */
  readonly bytes: number;
  /** every character is ASCII (each message's UTF-8 size is its length) */
  readonly ascii: boolean;
}

/** A generic configuration record (metric filters, subscription filters, tags, policies, ...). */
export interface ResourceRecord<T = unknown> {
  readonly key: string;
  readonly value: T;
}

/**
 * One committed batch of one stream, as onAppend listeners see it. The summary fields are known
 * without building `events`, which a store may create only when first read: a listener that just
 * counts or remembers batches (the live-tail hub with nobody following a group) costs no object
 * per event.
 */
export interface AppendedEvents {
  readonly scope: Scope;
  readonly groupName: string;
  readonly streamName: string;
  readonly count: number;
  readonly firstId: number;
  readonly lastId: number;
  /** the last event's ingestion time */
  readonly lastIngestionTime: number;
  /** UTF-8 bytes of the messages */
  readonly messageBytes: number;
  /** the events, in id order */
  readonly events: readonly StoredLogEvent[];
}

/** A batch whose events are already built, with its summary computed from them. */
export function appendedEvents(scope: Scope, groupName: string, streamName: string, events: readonly StoredLogEvent[]): AppendedEvents {
  let messageBytes = 0;
  for (const event of events) messageBytes += Buffer.byteLength(event.message, 'utf8');
  const last = events[events.length - 1];
  return {
    scope,
    groupName,
    streamName,
    count: events.length,
    firstId: events[0]?.id ?? 0,
    lastId: last?.id ?? 0,
    lastIngestionTime: last?.ingestionTime ?? 0,
    messageBytes,
    events,
  };
}

export interface LogStore {
  readonly capabilities: StoreCapabilities;

  createLogGroup(scope: Scope, group: NewLogGroup): Promise<void>;
  /** Removes the group, its streams and its events (space may be reclaimed in the background). */
  deleteLogGroup(scope: Scope, name: string): Promise<void>;
  getLogGroup(scope: Scope, name: string): Promise<LogGroup | undefined>;
  updateLogGroup(scope: Scope, name: string, patch: LogGroupPatch): Promise<void>;
  /** In ASCII order of name. */
  listLogGroups(scope: Scope, query: ListLogGroupsQuery): Promise<LogGroup[]>;

  createLogStream(scope: Scope, groupName: string, name: string, creationTime: number): Promise<void>;
  deleteLogStream(scope: Scope, groupName: string, name: string): Promise<void>;
  getLogStream(scope: Scope, groupName: string, name: string): Promise<LogStream | undefined>;
  listLogStreams(scope: Scope, groupName: string, query: ListLogStreamsQuery): Promise<LogStream[]>;

  /**
   * Appends events (already validated, in chronological order) to an existing stream and commits
   * them durably before resolving. Throws ResourceNotFoundException when the group or stream is gone.
   * `text`, when given, is what the caller already computed: all messages joined, known ASCII
   * (a store may use it instead of joining and measuring them again).
   */
  appendEvents(scope: Scope, groupName: string, streamName: string, events: readonly InputLogEvent[], ingestionTime: number, text?: BatchText): Promise<AppendResult>;
  /** Events of one stream in (timestamp, id) order, in the direction asked. */
  readStream(scope: Scope, groupName: string, streamName: string, query: ReadStreamQuery): Promise<StoredLogEvent[]>;
  /** Events of a group in (timestamp, id) order, batch by batch; stops when the signal aborts. */
  scan(scope: Scope, groupName: string, query: ScanQuery, signal?: AbortSignal): AsyncIterable<ScanBatch>;

  /** Deletes events older than each group's retention; returns how many were removed. */
  enforceRetention(now: number): Promise<number>;

  putResource(scope: Scope, kind: string, key: string, value: unknown): Promise<void>;
  getResource<T>(scope: Scope, kind: string, key: string): Promise<T | undefined>;
  /** In key order; keys starting with prefix. */
  listResources<T>(scope: Scope, kind: string, prefix?: string): Promise<ResourceRecord<T>[]>;
  deleteResource(scope: Scope, kind: string, key: string): Promise<boolean>;
  /** Removes every resource of the kind whose key starts with the prefix (e.g. when its group goes). */
  deleteResources(scope: Scope, kind: string, prefix: string): Promise<void>;

  /** Called after each commit with the stored events (live tail, subscriptions). Returns an unsubscribe function. */
  onAppend(listener: (batch: AppendedEvents) => void): () => void;

  close(): Promise<void>;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
