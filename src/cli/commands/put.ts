/** `logharbor put GROUP STREAM`: stdin lines become events; the group and stream are created if missing. */
import { createInterface } from 'node:readline';
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  type CloudWatchLogsClient,
  type InputLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Command, CommandContext } from '../command.js';
import { CliError, EXIT, UsageError, isAlreadyExists, isNotFound } from '../errors.js';

/** AWS PutLogEvents quotas: 1,048,576 bytes a batch (message bytes + 26 per event), 10,000 events. */
const MAX_BATCH_BYTES = 1_048_576;
const EVENT_OVERHEAD_BYTES = 26;
const MAX_BATCH_EVENTS = 10_000;
/**
 * A longer line is split into events of at most this many bytes: 256 KiB including the overhead,
 * the event size every CloudWatch Logs implementation accepts (AWS raised its own limit to 1 MB in 2025).
 */
export const MAX_EVENT_MESSAGE_BYTES = 262_144 - EVENT_OVERHEAD_BYTES;
/** Lines wait at most this long before they are sent, so a slow producer's lines show up promptly. */
const FLUSH_INTERVAL_MS = 1_000;

export const put: Command = {
  name: 'put',
  summary: 'send lines from stdin as events, creating the group and stream if missing',
  usage: ['logharbor put GROUP STREAM [options]'],
  description:
    'Reads stdin line by line and sends each non-empty line as an event timestamped when it was read,\n' +
    'in batches (at most 1 s late). Creates GROUP and STREAM when they do not exist, unless --no-create.\n' +
    'Lines over 256 KiB are split into several events.',
  options: {
    'no-create': { type: 'boolean', description: 'fail (exit 3) instead of creating a missing group or stream' },
    quiet: { type: 'boolean', short: 'q', description: 'do not report the number of events sent' },
  },
  examples: [
    "echo 'hello' | logharbor put /dev/test manual",
    'tail -F /var/log/app.log | logharbor put /prod/app $(hostname)',
    'logharbor put /dev/test import < events.txt',
  ],
  positional: 'group',
  async run(ctx) {
    const [group, stream, ...extra] = ctx.args.positionals;
    if (group === undefined || stream === undefined || extra.length > 0) {
      throw new UsageError("logharbor put: give a log group and a log stream (see 'logharbor put --help')");
    }
    const sender = new BatchSender(ctx, ctx.client(), group, stream);
    const lines = createInterface({ input: ctx.io.stdin, crlfDelay: Infinity });
    let lastTimestamp = 0;
    try {
      for await (const line of lines) {
        if (line === '') continue; // AWS rejects empty messages
        // Events of a batch must be in time order; a clock step back must not break that.
        const timestamp = Math.max(ctx.io.now(), lastTimestamp);
        lastTimestamp = timestamp;
        for (const message of splitMessage(line)) await sender.add({ timestamp, message });
      }
    } finally {
      lines.close();
    }
    await sender.close();
    if (!ctx.args.booleans['quiet']) ctx.err(`logharbor put: sent ${sender.accepted} event${sender.accepted === 1 ? '' : 's'} to ${group} ${stream}`);
    if (sender.rejected > 0) {
      ctx.err(`logharbor put: ${sender.rejected} event${sender.rejected === 1 ? ' was' : 's were'} rejected (too old, too new or past retention)`);
      return EXIT.error;
    }
    return EXIT.ok;
  },
};

const utf8Bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** Splits a message into pieces of at most MAX_EVENT_MESSAGE_BYTES, never inside a character. */
export function splitMessage(message: string): string[] {
  if (message.length * 3 <= MAX_EVENT_MESSAGE_BYTES || utf8Bytes(message) <= MAX_EVENT_MESSAGE_BYTES) return [message];
  const pieces: string[] = [];
  let piece = '';
  let bytes = 0;
  for (const char of message) {
    const size = utf8Bytes(char);
    if (bytes + size > MAX_EVENT_MESSAGE_BYTES) {
      pieces.push(piece);
      piece = '';
      bytes = 0;
    }
    piece += char;
    bytes += size;
  }
  if (piece !== '') pieces.push(piece);
  return pieces;
}

/** Collects events into PutLogEvents batches and sends them one at a time, in order. */
class BatchSender {
  accepted = 0;
  rejected = 0;
  private batch: InputLogEvent[] = [];
  private batchBytes = 0;
  private sending: Promise<void> = Promise.resolve();
  private failure: unknown;
  private timer: NodeJS.Timeout | undefined;
  private ensured = false;

  constructor(
    private readonly ctx: CommandContext,
    private readonly client: CloudWatchLogsClient,
    private readonly group: string,
    private readonly stream: string,
  ) {}

  async add(event: { timestamp: number; message: string }): Promise<void> {
    this.throwIfFailed();
    const size = utf8Bytes(event.message) + EVENT_OVERHEAD_BYTES;
    if (this.batch.length >= MAX_BATCH_EVENTS || this.batchBytes + size > MAX_BATCH_BYTES) {
      this.flush();
      // One batch in flight and one filling: a fast producer waits for the service.
      await this.sending;
      this.throwIfFailed();
    }
    this.batch.push(event);
    this.batchBytes += size;
    this.timer ??= setTimeout(() => this.flush(), FLUSH_INTERVAL_MS);
  }

  async close(): Promise<void> {
    this.flush();
    await this.sending;
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    this.sending = this.sending.then(() => this.send(batch)).catch((err: unknown) => {
      this.failure ??= err;
    });
  }

  private async send(logEvents: InputLogEvent[]): Promise<void> {
    if (this.failure !== undefined) return;
    const command = () => new PutLogEventsCommand({ logGroupName: this.group, logStreamName: this.stream, logEvents });
    let response;
    try {
      response = await this.client.send(command(), { abortSignal: this.ctx.signal });
    } catch (err) {
      if (!isNotFound(err) || this.ensured) throw this.describe(err);
      await this.createMissing();
      response = await this.client.send(command(), { abortSignal: this.ctx.signal });
    }
    this.ensured = true;
    const info = response.rejectedLogEventsInfo;
    let rejected = 0;
    if (info) {
      // Events before tooOldLogEventEndIndex / expiredLogEventEndIndex and from tooNewLogEventStartIndex on.
      const oldEnd = Math.max(info.tooOldLogEventEndIndex ?? 0, info.expiredLogEventEndIndex ?? 0);
      const newStart = info.tooNewLogEventStartIndex ?? logEvents.length;
      rejected = Math.min(oldEnd, logEvents.length) + Math.max(0, logEvents.length - Math.max(newStart, oldEnd));
    }
    this.rejected += rejected;
    this.accepted += logEvents.length - rejected;
  }

  private describe(err: unknown): unknown {
    if (isNotFound(err)) return new CliError(`log group '${this.group}' or stream '${this.stream}' does not exist at ${this.ctx.endpoint()}`, EXIT.notFound);
    return err;
  }

  private async createMissing(): Promise<void> {
    if (this.ctx.args.booleans['no-create']) throw this.describe({ name: 'ResourceNotFoundException', message: '' });
    const opts = { abortSignal: this.ctx.signal };
    const ignoreExists = (err: unknown) => {
      if (!isAlreadyExists(err)) throw err;
    };
    try {
      await this.client.send(new CreateLogStreamCommand({ logGroupName: this.group, logStreamName: this.stream }), opts).catch(ignoreExists);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await this.client.send(new CreateLogGroupCommand({ logGroupName: this.group }), opts).catch(ignoreExists);
      await this.client.send(new CreateLogStreamCommand({ logGroupName: this.group, logStreamName: this.stream }), opts).catch(ignoreExists);
    }
  }
}
