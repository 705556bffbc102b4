/**
 * The log group and log stream rows both backends keep (same column names in SQLite and
 * PostgreSQL), and their mapping to the core's types.
 */
import type { LogGroup, LogGroupClass, LogStream } from '../core/types.js';

export interface GroupRow {
  id: number;
  name: string;
  creation_time: number;
  retention_in_days: number | null;
  kms_key_id: string | null;
  log_group_class: string;
  /** SQLite stores 0/1, PostgreSQL a boolean */
  deletion_protection: boolean | number;
  stored_bytes: number;
}

export interface StreamRow {
  name: string;
  creation_time: number;
  first_event_timestamp: number | null;
  last_event_timestamp: number | null;
  last_ingestion_time: number | null;
  stored_bytes: number;
}

export function toGroup(row: GroupRow): LogGroup {
  return {
    name: row.name,
    creationTime: row.creation_time,
    ...(row.retention_in_days !== null ? { retentionInDays: row.retention_in_days } : {}),
    ...(row.kms_key_id !== null ? { kmsKeyId: row.kms_key_id } : {}),
    logGroupClass: row.log_group_class as LogGroupClass,
    deletionProtectionEnabled: row.deletion_protection === true || row.deletion_protection === 1,
    storedBytes: row.stored_bytes,
  };
}

export function toStream(groupName: string, row: StreamRow): LogStream {
  return {
    groupName,
    name: row.name,
    creationTime: row.creation_time,
    ...(row.first_event_timestamp !== null ? { firstEventTimestamp: row.first_event_timestamp } : {}),
    ...(row.last_event_timestamp !== null ? { lastEventTimestamp: row.last_event_timestamp } : {}),
    ...(row.last_ingestion_time !== null ? { lastIngestionTime: row.last_ingestion_time } : {}),
    storedBytes: row.stored_bytes,
  };
}
