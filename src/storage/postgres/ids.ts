/**
 * Event ids are `batch * BATCH_ID_SPAN + index`: one sequence value per append names the whole
 * batch, its ids are consecutive without locking, and they still increase with ingestion.
 * 2^14 covers AWS's 10,000 events per PutLogEvents; 2^53 / 2^14 leaves 5.5e11 batches.
 */
export const BATCH_ID_SPAN = 16_384;
