/** Splits a byte stream into lines ('\n' or '\r\n'), counting the bytes of the lines it returned. */
export class LineSplitter {
  private carry: Buffer | undefined;
  /** Bytes consumed by complete lines (terminators included) since the splitter was created. */
  consumed = 0;

  /** Lines longer than maxLineBytes are cut into several lines. */
  constructor(private readonly maxLineBytes: number) {}

  /** Bytes held back, waiting for the end of their line. */
  get pendingBytes(): number {
    return this.carry?.length ?? 0;
  }

  push(chunk: Buffer, onLine: (line: string) => void): void {
    let buf = chunk;
    if (this.carry) {
      buf = Buffer.concat([this.carry, chunk]);
      this.carry = undefined;
    }
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
      const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
      onLine(buf.toString('utf8', start, end));
      this.consumed += nl + 1 - start;
      start = nl + 1;
    }
    while (buf.length - start > this.maxLineBytes) {
      let end = start + this.maxLineBytes;
      while (end > start && (buf[end]! & 0xc0) === 0x80) end--; // cut on a UTF-8 boundary
      onLine(buf.toString('utf8', start, end));
      this.consumed += end - start;
      start = end;
    }
    // Copy the tail: keeping a view would pin the whole read buffer.
    if (start < buf.length) this.carry = Buffer.from(buf.subarray(start));
  }

  /** Emits a final line without a terminator, if any. */
  end(onLine: (line: string) => void): void {
    if (!this.carry) return;
    const rest = this.carry;
    this.carry = undefined;
    onLine(rest.toString('utf8'));
    this.consumed += rest.length;
  }

  /** Forgets held-back bytes (after a truncation). */
  reset(): void {
    this.carry = undefined;
  }
}
