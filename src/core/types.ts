/** Domain types, in CloudWatch Logs' words. Times are epoch milliseconds. */

/** Every resource lives in one account and one region. */
export interface Scope {
  readonly accountId: string;
  readonly region: string;
}

export type LogGroupClass = 'STANDARD' | 'INFREQUENT_ACCESS' | 'DELIVERY';

export interface LogGroup {
  readonly name: string;
  readonly creationTime: number;
  readonly retentionInDays?: number;
  readonly kmsKeyId?: string;
  readonly logGroupClass: LogGroupClass;
  readonly deletionProtectionEnabled: boolean;
  /** Bytes of message text stored, as AWS counts storedBytes (uncompressed). */
  readonly storedBytes: number;
}

export interface LogStream {
  readonly groupName: string;
  readonly name: string;
  readonly creationTime: number;
  readonly firstEventTimestamp?: number;
  readonly lastEventTimestamp?: number;
  readonly lastIngestionTime?: number;
  readonly storedBytes: number;
}

/** An event as the client sends it. */
export interface InputLogEvent {
  readonly timestamp: number;
  readonly message: string;
}

/** An event as stored: `id` is unique within the store and increases with ingestion (a safe integer). */
export interface StoredLogEvent {
  readonly id: number;
  readonly streamName: string;
  readonly timestamp: number;
  readonly ingestionTime: number;
  readonly message: string;
}

/** A position in (timestamp, id) order; events sort by timestamp, then by id. */
export interface EventPosition {
  readonly timestamp: number;
  readonly id: number;
}
