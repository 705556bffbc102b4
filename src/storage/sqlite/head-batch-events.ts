/**
 * A committed head batch as onAppend listeners see it: the summary is known at once, the events
 * are decoded from the batch's bytes only when a listener reads them (a live-tail follower of the
 * group). The bytes are off V8's heap, so a listener that merely keeps recent batches (the hub's
 * resume window) keeps no object per event for the garbage collector to promote and trace.
 */
import type { AppendedEvents } from '../../core/ports.js';
import type { Scope, StoredLogEvent } from '../../core/types.js';
import { decodeHeadBatch, messageAt } from './codec.js';

export class HeadBatchEvents implements AppendedEvents {
  private decoded: StoredLogEvent[] | undefined;

  constructor(
    readonly scope: Scope,
    readonly groupName: string,
    readonly streamName: string,
    readonly firstId: number,
    readonly count: number,
    readonly lastIngestionTime: number,
    readonly messageBytes: number,
    private readonly data: Buffer,
  ) {}

  get lastId(): number {
    return this.firstId + this.count - 1;
  }

  get events(): readonly StoredLogEvent[] {
    if (this.decoded) return this.decoded;
    const columns = decodeHeadBatch(this.data, this.firstId, this.lastIngestionTime);
    const events = new Array<StoredLogEvent>(columns.count);
    for (let i = 0; i < columns.count; i++) {
      events[i] = { id: columns.ids[i]!, streamName: this.streamName, timestamp: columns.timestamps[i]!, ingestionTime: this.lastIngestionTime, message: messageAt(columns, i) };
    }
    this.decoded = events;
    return events;
  }
}
