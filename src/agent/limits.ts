/**
 * PutLogEvents limits, each with its source (the PutLogEvents API reference). The agent keeps its
 * own copy because it speaks only the wire protocol and must hold to AWS's limits, not ours.
 */

/** AWS PutLogEvents: the maximum batch size, counted as message bytes (UTF-8) + 26 per event. */
export const MAX_BATCH_BYTES = 1_048_576;
/** AWS PutLogEvents: bytes of per-event overhead counted towards MAX_BATCH_BYTES. */
export const EVENT_OVERHEAD_BYTES = 26;
/**
 * Ours, not AWS's: the agent sends a request once this many bytes (counted as AWS counts them) are
 * queued, and cuts calls at this size. MAX_BATCH_BYTES is a ceiling, not a target: lines shipped
 * sooner mostly die in V8's young generation instead of being promoted, and bodies stay small.
 * Measured with bench/agent.ts at 10,000 lines/s (mean / peak RSS, CPU of one core): 1 MiB 64 / 68
 * MB; 256 KiB 57 / 61 MB, 12-13%; 128 KiB 55.5-56.5 / 58-60.4 MB, 12-13%; 96 KiB (chosen) 54.5-54.8 / 56-56.6 MB,
 * 11-13%; 64 KiB 53.5 / 54 MB but 14.5% (more requests to sign and send). A single larger event is still sent, alone, up to
 * MAX_BATCH_BYTES.
 */
export const REQUEST_TARGET_BYTES = 98_304;
/** AWS PutLogEvents: at most 10,000 events per batch. */
export const MAX_BATCH_EVENTS = 10_000;
/** AWS PutLogEvents: the events of one batch may span at most 24 hours. */
export const MAX_BATCH_SPAN_MS = 24 * 60 * 60 * 1000;
/** AWS PutLogEvents: "Each log event can be no larger than 1 MB"; a lone event must also fit a batch. */
export const MAX_EVENT_MESSAGE_BYTES = MAX_BATCH_BYTES - EVENT_OVERHEAD_BYTES;
/** AWS InputLogEvent.message: at least one character. */
export const MIN_MESSAGE_LENGTH = 1;
/** AWS: events older than 14 days are rejected (tooOldLogEventEndIndex). */
export const MAX_EVENT_AGE_MS = 14 * 24 * 60 * 60 * 1000;
/** AWS: events more than 2 hours in the future are rejected (tooNewLogEventStartIndex). */
export const MAX_EVENT_FUTURE_MS = 2 * 60 * 60 * 1000;
/** AWS PutRetentionPolicy: the accepted retentionInDays values. */
export const RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];
/** AWS LogGroupName: 1..512 characters of [\.\-_/#A-Za-z0-9]. */
export const MAX_GROUP_NAME_LENGTH = 512;
/** AWS LogStreamName: 1..512 characters, no ':' or '*'. */
export const MAX_STREAM_NAME_LENGTH = 512;
