/**
 * Turns a round of queued events into PutLogEvents calls: grouped per target (group + stream),
 * sorted by timestamp (AWS rejects a batch out of chronological order), and cut so that every call
 * holds at most 10,000 events, 1,048,576 bytes (26 per event) and a 24-hour span. A message larger
 * than one event may be is split into several events with the same timestamp.
 */
import type { InputLogEvent } from './logs-api.js';
import { BLOCK_EVENTS, type EventBlock } from './block.js';
import { EVENT_OVERHEAD_BYTES, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_BATCH_SPAN_MS } from './limits.js';

export interface TargetPlan {
  readonly target: number;
  /** References to events, `block * BLOCK_EVENTS + index`, in chronological order. */
  readonly refs: number[];
  /** How many refs have been sent (acknowledged or dropped with a reason). */
  sent: number;
}

export interface PlannedCall {
  readonly logEvents: InputLogEvent[];
  /** The value of TargetPlan.sent once this call is done. */
  readonly sentAfter: number;
  /** Where the next call resumes inside an event split across calls (a UTF-8 byte offset). */
  readonly resumeByte: number;
}

export function groupByTarget(blocks: readonly EventBlock[]): TargetPlan[] {
  const byTarget = new Map<number, TargetPlan>();
  let last: TargetPlan | undefined;
  for (let b = 0; b < blocks.length; b++) {
    const block = blocks[b]!;
    for (let i = 0; i < block.length; i++) {
      const target = block.targets[i]!;
      if (last?.target !== target) {
        last = byTarget.get(target);
        if (!last) {
          last = { target, refs: [], sent: 0 };
          byTarget.set(target, last);
        }
      }
      last.refs.push(b * BLOCK_EVENTS + i);
    }
  }
  const plans = [...byTarget.values()];
  for (const plan of plans) sortChronologically(plan.refs, blocks);
  return plans;
}

function timeOf(blocks: readonly EventBlock[], ref: number): number {
  return blocks[Math.floor(ref / BLOCK_EVENTS)]!.times[ref % BLOCK_EVENTS]!;
}

/** Stable sort by timestamp; the common already-ordered case costs one pass. */
function sortChronologically(refs: number[], blocks: readonly EventBlock[]): void {
  let ordered = true;
  for (let i = 1; i < refs.length && ordered; i++) ordered = timeOf(blocks, refs[i - 1]!) <= timeOf(blocks, refs[i]!);
  if (ordered) return;
  // refs ascend in arrival order, so the ref itself is the stable tie-break.
  refs.sort((a, b) => timeOf(blocks, a) - timeOf(blocks, b) || a - b);
}

/** A call stops at targetBytes, except that its first event may take up to AWS's maximum. */
function limit(eventsInCall: number, targetBytes: number): number {
  return eventsInCall === 0 ? MAX_BATCH_BYTES : Math.min(targetBytes, MAX_BATCH_BYTES);
}

/**
 * Builds the next call for a target, starting at plan.sent (and resumeByte inside a split event).
 * Returns undefined when everything has been planned. A call holds at most targetBytes (AWS's
 * counting), unless its first event alone is larger.
 */
export function nextCall(plan: TargetPlan, blocks: readonly EventBlock[], maxEventBytes: number, resumeByte = 0, targetBytes = MAX_BATCH_BYTES): PlannedCall | undefined {
  const logEvents: InputLogEvent[] = [];
  let bytes = 0;
  let firstTime = 0;
  let i = plan.sent;
  let offset = resumeByte;
  while (i < plan.refs.length && logEvents.length < MAX_BATCH_EVENTS) {
    const ref = plan.refs[i]!;
    const block = blocks[Math.floor(ref / BLOCK_EVENTS)]!;
    const k = ref % BLOCK_EVENTS;
    const timestamp = block.times[k]!;
    if (logEvents.length === 0) firstTime = timestamp;
    else if (timestamp - firstTime > MAX_BATCH_SPAN_MS) break;
    const size = block.sizes[k]!;
    if (size <= maxEventBytes && offset === 0) {
      if (bytes + size + EVENT_OVERHEAD_BYTES > limit(logEvents.length, targetBytes)) break;
      logEvents.push({ timestamp, message: block.messages[k]! });
      bytes += size + EVENT_OVERHEAD_BYTES;
      i++;
      continue;
    }
    // An oversized event: ship it in pieces of at most maxEventBytes, cut on UTF-8 boundaries.
    const buffer = Buffer.from(block.messages[k]!, 'utf8');
    while (offset < buffer.length && logEvents.length < MAX_BATCH_EVENTS) {
      const room = limit(logEvents.length, targetBytes) - bytes - EVENT_OVERHEAD_BYTES;
      if (room <= 0) break;
      let end = Math.min(buffer.length, offset + Math.min(maxEventBytes, room));
      while (end < buffer.length && end > offset && (buffer[end]! & 0xc0) === 0x80) end--;
      if (end === offset) break;
      logEvents.push({ timestamp, message: buffer.toString('utf8', offset, end) });
      bytes += end - offset + EVENT_OVERHEAD_BYTES;
      offset = end;
    }
    if (offset < buffer.length) break; // the batch is full mid-event; resume there
    offset = 0;
    i++;
  }
  if (logEvents.length === 0) return undefined;
  return { logEvents, sentAfter: i, resumeByte: offset };
}
