/** Limits, each with its source. */

/** AWS PutLogEvents quota: message bytes (UTF-8) + 26 per event. */
export const MAX_BATCH_BYTES = 1_048_576;
/** AWS: bytes of per-event overhead counted towards MAX_BATCH_BYTES. */
export const EVENT_OVERHEAD_BYTES = 26;
/** AWS PutLogEvents quota. */
export const MAX_BATCH_EVENTS = 10_000;
/** AWS: the events of one PutLogEvents call may span at most 24 hours. */
export const MAX_BATCH_SPAN_MS = 24 * 60 * 60 * 1000;
/** AWS: events more than 2 hours in the future are rejected (tooNewLogEventStartIndex). */
export const MAX_FUTURE_MS = 2 * 60 * 60 * 1000;
/** AWS: events older than 14 days are rejected (tooOldLogEventEndIndex). */
export const MAX_AGE_MS = 14 * 24 * 60 * 60 * 1000;
/** AWS GetLogEvents/FilterLogEvents: a page holds at most 10,000 events or 1 MB. */
export const MAX_PAGE_EVENTS = 10_000;
export const MAX_PAGE_BYTES = 1_048_576;
/** AWS: the retention values PutRetentionPolicy accepts. */
export const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;
/** AWS: at most 50 tags per resource. */
export const MAX_TAGS = 50;
/** AWS: at most 100 metric filters per log group (quota), 2 subscription filters per log group. */
export const MAX_METRIC_FILTERS_PER_GROUP = 100;
export const MAX_SUBSCRIPTION_FILTERS_PER_GROUP = 2;
/** Request bodies we accept: a full 1 MiB batch is 3 to 6 times larger once JSON-escaped. */
export const MAX_REQUEST_BODY_BYTES = 8 * 1024 * 1024;
