/**
 * `application/vnd.amazon.eventstream` framing for StartLiveTail's response: each message is
 * prelude + headers + JSON payload + CRC, as the AWS SDKs' event-stream decoders read it.
 * Events carry `:message-type: event` and `:event-type` (the union member: `initial-response`,
 * `sessionStart`, `sessionUpdate`); modelled errors carry `:message-type: exception` and
 * `:exception-type` (`SessionTimeoutException`, `SessionStreamingException`).
 */
import { EventStreamCodec, type MessageHeaders } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

export const EVENT_STREAM_CONTENT_TYPE = 'application/vnd.amazon.eventstream';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

function frame(headers: MessageHeaders, payload: unknown): Uint8Array {
  return codec.encode({ headers, body: fromUtf8(JSON.stringify(payload)) });
}

/** A modelled event of the response stream. */
export function encodeEvent(eventType: string, payload: unknown): Uint8Array {
  return frame(
    {
      ':message-type': { type: 'string', value: 'event' },
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    payload,
  );
}

/** A modelled exception of the response stream; the SDK throws it from the event iterator. */
export function encodeException(exceptionType: string, message: string): Uint8Array {
  return frame(
    {
      ':message-type': { type: 'string', value: 'exception' },
      ':exception-type': { type: 'string', value: exceptionType },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    { message },
  );
}

export interface DecodedMessage {
  readonly headers: Record<string, string>;
  readonly payload: unknown;
}

/**
 * Splits a buffer of whole frames back into messages (string headers only): used by tests and
 * the bench to read a response without an SDK. Returns the messages and the unread remainder.
 */
export function decodeMessages(buffer: Uint8Array): { messages: DecodedMessage[]; rest: Uint8Array } {
  const messages: DecodedMessage[] = [];
  let offset = 0;
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  while (buffer.byteLength - offset >= 4) {
    const total = view.getUint32(offset, false);
    if (buffer.byteLength - offset < total) break;
    const decoded = codec.decode(buffer.subarray(offset, offset + total));
    const headers: Record<string, string> = {};
    for (const [name, header] of Object.entries(decoded.headers)) headers[name] = String(header.value);
    const text = toUtf8(decoded.body);
    messages.push({ headers, payload: text === '' ? undefined : (JSON.parse(text) as unknown) });
    offset += total;
  }
  return { messages, rest: buffer.subarray(offset) };
}
