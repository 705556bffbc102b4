/**
 * Versioned schema migrations for the PostgreSQL store. Each runs once, in order, inside one
 * transaction that holds an advisory lock, so nodes starting at the same moment apply them once.
 * `{s}` stands for the store's (quoted) schema. Never edit a released migration: append a new one.
 *
 * Distribution (Citus): log_groups and resources by account_id; log_streams, events and
 * event_batches by group_id, co-located. See docs/postgres.md for why.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE {s}.log_groups (
    id bigint GENERATED ALWAYS AS IDENTITY,
    account_id text COLLATE "C" NOT NULL,
    region text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    creation_time bigint NOT NULL,
    retention_in_days integer,
    kms_key_id text,
    log_group_class text NOT NULL,
    deletion_protection boolean NOT NULL DEFAULT false,
    -- retention classes (0 = never expires) in which this group may have events: the current one,
    -- plus earlier ones until the background job has moved their events (see retention.ts)
    data_classes integer[] NOT NULL DEFAULT '{0}',
    retention_changed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, id),
    UNIQUE (account_id, region, name)
  );
  CREATE INDEX log_groups_id ON {s}.log_groups (id);

  CREATE TABLE {s}.log_streams (
    group_id bigint NOT NULL,
    id bigint GENERATED ALWAYS AS IDENTITY,
    name text COLLATE "C" NOT NULL,
    creation_time bigint NOT NULL,
    first_event_timestamp bigint,
    last_event_timestamp bigint,
    last_ingestion_time bigint,
    stored_bytes bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (group_id, id),
    UNIQUE (group_id, name)
  );
  -- A group's storedBytes, kept in 16 slots (by stream id) so that appends to different streams
  -- rarely wait on the same row, and reading it never sums over a group's (maybe many) streams.
  CREATE TABLE {s}.group_stored_bytes (
    group_id bigint NOT NULL,
    slot integer NOT NULL,
    bytes bigint NOT NULL,
    PRIMARY KEY (group_id, slot)
  );
  CREATE INDEX log_streams_last_event ON {s}.log_streams (group_id, (COALESCE(last_event_timestamp, 0)), name);

  -- Events are stored in chunks (chunk-codec.ts): one row per append, or per day of an append's
  -- events. Ids are batch * 16384 + first_index + position. Chunks are range-partitioned by
  -- (retention_class, min_timestamp): every partition holds events that expire together, so
  -- retention drops whole partitions (partitions.ts names and creates them).
  CREATE TABLE {s}.event_chunks (
    retention_class integer NOT NULL,
    group_id bigint NOT NULL,
    stream_id bigint NOT NULL,
    batch bigint NOT NULL,
    first_index integer NOT NULL,
    min_timestamp bigint NOT NULL,
    max_timestamp bigint NOT NULL,
    event_count integer NOT NULL,
    ingestion_time bigint NOT NULL,
    data bytea NOT NULL
  ) PARTITION BY RANGE (retention_class, min_timestamp);
  -- forward reads walk chunks by first timestamp, backward reads by last timestamp
  CREATE INDEX event_chunks_stream_min ON {s}.event_chunks (group_id, stream_id, min_timestamp, max_timestamp);
  CREATE INDEX event_chunks_stream_max ON {s}.event_chunks (group_id, stream_id, max_timestamp);
  CREATE INDEX event_chunks_group_min ON {s}.event_chunks (group_id, min_timestamp, max_timestamp);
  CREATE INDEX event_chunks_group_max ON {s}.event_chunks (group_id, max_timestamp);
  ALTER TABLE {s}.event_chunks ALTER COLUMN data SET STORAGE EXTENDED;
  DO $$ BEGIN
    -- lz4 compresses and decompresses several times faster than pglz, where the server has it.
    IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)) THEN
      ALTER TABLE {s}.event_chunks ALTER COLUMN data SET COMPRESSION lz4;
    END IF;
  END $$;

  CREATE TABLE {s}.event_partitions (
    retention_class integer NOT NULL,
    range_start bigint NOT NULL,
    range_end bigint NOT NULL,
    table_name text NOT NULL,
    PRIMARY KEY (retention_class, range_start)
  );

  -- One row per committed append, so that other nodes can catch up on appends they missed
  -- while not listening.
  CREATE SEQUENCE {s}.event_batch_seq;
  CREATE TABLE {s}.event_batches (
    id bigint NOT NULL,
    group_id bigint NOT NULL,
    stream_id bigint NOT NULL,
    retention_class integer NOT NULL,
    min_timestamp bigint NOT NULL,
    max_timestamp bigint NOT NULL,
    event_count integer NOT NULL,
    node_id text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, id)
  );
  CREATE INDEX event_batches_id ON {s}.event_batches (id);
  CREATE INDEX event_batches_created ON {s}.event_batches (created_at);

  -- Deleted streams and groups whose events the background job still has to remove.
  CREATE TABLE {s}.reclaim_queue (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    group_id bigint NOT NULL,
    stream_id bigint
  );

  CREATE TABLE {s}.resources (
    account_id text COLLATE "C" NOT NULL,
    region text COLLATE "C" NOT NULL,
    kind text COLLATE "C" NOT NULL,
    key text COLLATE "C" NOT NULL,
    -- JSON text, not jsonb: values come back exactly as stored (jsonb reorders keys)
    value text NOT NULL,
    PRIMARY KEY (account_id, region, kind, key)
  );

  -- When each background job last ran, so that it runs once per interval across all nodes.
  CREATE TABLE {s}.job_runs (
    name text PRIMARY KEY,
    last_run_at timestamptz NOT NULL,
    node_id text NOT NULL
  );
  `,
];
