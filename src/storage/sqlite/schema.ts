/** Versioned schema migrations for the embedded store; applied in order inside one transaction each. */
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
];
