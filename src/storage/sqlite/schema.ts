/**
 * Versioned schema migrations for the embedded store; applied in order inside one transaction each.
 *
 * Version 2 replaced one row per event (`events`, about 200 bytes per event) by the chunked layout
 * described in docs/storage.md: `head_batches` (the durable write-ahead of each PutLogEvents call,
 * uncompressed) sealed into `chunks` (zstd-compressed columns of one stream) with a 4-gram filter
 * each in `chunk_filters`. Blob columns come last so that reading a row's bounds never touches
 * the blob's overflow pages.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE log_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    creation_time INTEGER NOT NULL,
    retention_in_days INTEGER,
    kms_key_id TEXT,
    log_group_class TEXT NOT NULL,
    deletion_protection INTEGER NOT NULL DEFAULT 0,
    stored_bytes INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account_id, region, name)
  );
  CREATE TABLE log_streams (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    creation_time INTEGER NOT NULL,
    first_event_timestamp INTEGER,
    last_event_timestamp INTEGER,
    last_ingestion_time INTEGER,
    stored_bytes INTEGER NOT NULL DEFAULT 0,
    UNIQUE (group_id, name)
  );
  CREATE INDEX log_streams_last_event ON log_streams (group_id, last_event_timestamp, name);
  CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    group_id INTEGER NOT NULL,
    stream_id INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    ingestion_time INTEGER NOT NULL,
    message TEXT NOT NULL
  );
  CREATE INDEX events_by_stream ON events (stream_id, timestamp, id);
  CREATE INDEX events_by_group ON events (group_id, timestamp, id);
  CREATE TABLE resources (
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (account_id, region, kind, key)
  ) WITHOUT ROWID;
  `,
  `
  CREATE TABLE head_batches (
    id INTEGER PRIMARY KEY,
    group_id INTEGER NOT NULL,
    stream_id INTEGER NOT NULL,
    first_event_id INTEGER NOT NULL,
    event_count INTEGER NOT NULL,
    min_ts INTEGER NOT NULL,
    max_ts INTEGER NOT NULL,
    ingestion_time INTEGER NOT NULL,
    raw_bytes INTEGER NOT NULL,
    data BLOB NOT NULL
  );
  CREATE INDEX head_batches_by_stream ON head_batches (stream_id, id);
  CREATE INDEX head_batches_by_group ON head_batches (group_id, min_ts);
  CREATE TABLE chunks (
    id INTEGER PRIMARY KEY,
    group_id INTEGER NOT NULL,
    stream_id INTEGER NOT NULL,
    min_ts INTEGER NOT NULL,
    max_ts INTEGER NOT NULL,
    min_id INTEGER NOT NULL,
    max_id INTEGER NOT NULL,
    event_count INTEGER NOT NULL,
    raw_bytes INTEGER NOT NULL,
    level INTEGER NOT NULL,
    data BLOB NOT NULL
  );
  CREATE INDEX chunks_by_stream ON chunks (stream_id, min_ts);
  CREATE INDEX chunks_by_group ON chunks (group_id, min_ts);
  CREATE INDEX chunks_by_level ON chunks (level, id);
  CREATE TABLE chunk_filters (
    chunk_id INTEGER PRIMARY KEY,
    filter BLOB NOT NULL
  );
  CREATE TABLE store_meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // Version 3: reads select chunks by (stream or group, time) from the index alone. A chunk row
  // fills its own page (the blob starts in it), so reading min_ts/max_ts from the table cost one
  // page per chunk of the stream: 250 pages for a GetLogEvents page at 10M events.
  `
  CREATE INDEX chunks_by_stream_time ON chunks (stream_id, max_ts, min_ts);
  CREATE INDEX chunks_by_group_time ON chunks (group_id, max_ts, min_ts, stream_id);
  DROP INDEX chunks_by_stream;
  DROP INDEX chunks_by_group;
  `,
];
