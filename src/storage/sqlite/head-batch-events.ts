/**
 * A committed batch as onAppend listeners see it: the summary is known at once, the events are
 * built from the request's own objects only when a listener reads them (a live-tail follower of
 * the group). A listener that merely counts batches (the hub when nobody tails the group) keeps
 * nothing alive, so the request's objects die young.
 */
import type { AppendedEvents } from '../../core/ports.js';
import type { InputLogEvent, Scope, StoredLogEvent } from '../../core/types.js';

export class HeadBatchEvents implements AppendedEvents {
  private built: StoredLogEvent[] | undefined;

  constructor(
    readonly scope: Scope,
    readonly groupName: string,
    readonly streamName: string,
    readonly firstId: number,
    readonly lastIngestionTime: number,
    readonly messageBytes: number,
    private input: readonly InputLogEvent[] | undefined,
  ) {
    this.count = input?.length ?? 0;
  }

  readonly count: number;

  get lastId(): number {
    return this.firstId + this.count - 1;
  }

  get events(): readonly StoredLogEvent[] {
    if (this.built) return this.built;
    const input = this.input ?? [];
    const events = new Array<StoredLogEvent>(input.length);
    for (let i = 0; i < input.length; i++) {
      const e = input[i]!;
      events[i] = { id: this.firstId + i, streamName: this.streamName, timestamp: e.timestamp, ingestionTime: this.lastIngestionTime, message: e.message };
    }
    this.built = events;
    this.input = undefined;
    return events;
  }
}
