/** Counts dropped events by reason; the pipeline reports them periodically and at exit. */
export class DropCounter {
  private readonly total = new Map<string, number>();
  private readonly interval = new Map<string, number>();
  private intervalCount = 0;

  add(reason: string, count = 1): void {
    if (count <= 0) return;
    this.total.set(reason, (this.total.get(reason) ?? 0) + count);
    this.interval.set(reason, (this.interval.get(reason) ?? 0) + count);
    this.intervalCount += count;
  }

  get totalCount(): number {
    let sum = 0;
    for (const n of this.total.values()) sum += n;
    return sum;
  }

  byReason(): Record<string, number> {
    return Object.fromEntries(this.total);
  }

  /** Returns the drops since the last call (and resets them), or undefined when there were none. */
  takeInterval(): { count: number; byReason: Record<string, number> } | undefined {
    if (this.intervalCount === 0) return undefined;
    const result = { count: this.intervalCount, byReason: Object.fromEntries(this.interval) };
    this.interval.clear();
    this.intervalCount = 0;
    return result;
  }
}

/** Values that hold once every event before a sequence number is durable (shipped or spooled). */
export class Marks<T> {
  private readonly seqs: number[] = [];
  private readonly values: T[] = [];
  private settledValue: T | undefined;

  constructor(initial?: T) {
    this.settledValue = initial;
  }

  /** `value` holds once all events with a sequence number below `seq` are durable. */
  add(seq: number, value: T): void {
    const last = this.seqs.length - 1;
    if (last >= 0 && this.seqs[last] === seq) {
      this.values[last] = value;
      return;
    }
    this.seqs.push(seq);
    this.values.push(value);
  }

  /** Values not yet settled. */
  get pending(): number {
    return this.seqs.length;
  }

  /** The latest value whose events are all durable, given the oldest non-durable sequence number. */
  settled(durableSeq: number): T | undefined {
    let n = 0;
    while (n < this.seqs.length && this.seqs[n]! <= durableSeq) n++;
    if (n > 0) {
      this.settledValue = this.values[n - 1];
      this.seqs.splice(0, n);
      this.values.splice(0, n);
    }
    return this.settledValue;
  }
}
