/**
 * The broker's wire format between nodes (DESIGN.md § Scale-out): one message as bytes, as it is
 * PUBLISHed to every node and stored in the channel's Redis Stream, snapshot key and pinned list.
 * Pure: no I/O. The Lua publish script (redis-publish.lua) builds the same bytes with
 * `struct.pack`, so a change here is a change there and a new version number.
 *
 * Layout, version 1 (all integers big-endian, doubles IEEE 754 big-endian):
 *
 * | at  | size | field                                            |
 * | --- | ---- | ------------------------------------------------ |
 * | 0   | 1    | version (1)                                      |
 * | 1   | 1    | kind: 0 data, 1 snapshot, 2 pinned, 3 volatile, 4 reset |
 * | 2   | 8    | offset (f64, an integer below 2^53)              |
 * | 10  | 8    | time (f64, ms)                                   |
 * | 18  | 8    | publishedAt (f64, ms)                            |
 * | 26  | 1    | epoch length E (bytes, ≤ 255)                    |
 * | 27  | E    | epoch (UTF-8)                                    |
 * | 27+E| 2    | channel length C (bytes, ≤ 65535)                |
 * | 29+E| C    | channel (UTF-8)                                  |
 * | 29+E+C | …  | payload (the rest, opaque)                     |
 *
 * On pub/sub, the publish script sends one message as its envelope and several (one batch of
 * one channel, issue 17) as a batch frame: byte 2 (BATCH_FRAME), then per message its envelope's
 * length (u32 big-endian) and the envelope, in offset order.
 */
import type { Message, MessageKind } from '../core/index.js';
import { ErrorCode, StreamHubError } from '../errors.js';

export const ENVELOPE_VERSION = 1;
/** First byte of a pub/sub batch frame (envelopes with u32 length prefixes). */
export const BATCH_FRAME = 2;
/** Bytes before the epoch: version, kind, offset, time, publishedAt, epoch length. */
export const FIXED_HEADER_BYTES = 27;
export const MAX_EPOCH_BYTES = 255;
export const MAX_CHANNEL_BYTES = 65_535;

/** Kind ↔ code. The codes are part of the wire format and shared with the Lua script. */
export const KIND_CODES = { data: 0, snapshot: 1, pinned: 2, volatile: 3, reset: 4 } as const satisfies Record<
  MessageKind,
  number
>;
const KINDS: readonly MessageKind[] = ['data', 'snapshot', 'pinned', 'volatile', 'reset'];

/** The kind of a code (as the publish script returns it for a repeated idempotency key); `data` for an unknown one. */
export function kindOfCode(code: number): MessageKind {
  return KINDS[code] ?? 'data';
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Why bytes were refused; decoding never throws anything else. */
export class EnvelopeError extends StreamHubError {
  constructor(message: string) {
    super(ErrorCode.envelope, message);
    this.name = 'EnvelopeError';
  }
}

/** Header length for a channel and epoch (what a stored entry costs on top of its payload). */
export function headerBytes(epoch: string, channel: string): number {
  return FIXED_HEADER_BYTES + encoder.encode(epoch).byteLength + 2 + encoder.encode(channel).byteLength;
}

/** Encodes one message. Throws EnvelopeError when the epoch or channel name is too long to fit. */
export function encodeEnvelope(msg: Message): Uint8Array {
  const epoch = encoder.encode(msg.epoch);
  const channel = encoder.encode(msg.channel);
  if (epoch.byteLength > MAX_EPOCH_BYTES) throw new EnvelopeError(`epoch longer than ${MAX_EPOCH_BYTES} bytes`);
  if (channel.byteLength > MAX_CHANNEL_BYTES) throw new EnvelopeError(`channel longer than ${MAX_CHANNEL_BYTES} bytes`);
  const out = new Uint8Array(FIXED_HEADER_BYTES + epoch.byteLength + 2 + channel.byteLength + msg.payload.byteLength);
  const view = new DataView(out.buffer);
  out[0] = ENVELOPE_VERSION;
  out[1] = KIND_CODES[msg.kind];
  view.setFloat64(2, msg.offset);
  view.setFloat64(10, msg.time);
  view.setFloat64(18, msg.publishedAt);
  out[26] = epoch.byteLength;
  out.set(epoch, 27);
  let at = 27 + epoch.byteLength;
  view.setUint16(at, channel.byteLength);
  at += 2;
  out.set(channel, at);
  out.set(msg.payload, at + channel.byteLength);
  return out;
}

/**
 * Decodes one envelope. The payload is a view into `bytes` (no copy), so the caller must not
 * reuse the buffer. Throws EnvelopeError on an unknown version or kind, truncation or bad UTF-8;
 * the broker logs and skips such a message rather than crashing (STYLE.md rule 6).
 */
export function decodeEnvelope(bytes: Uint8Array): Message {
  if (bytes.byteLength < FIXED_HEADER_BYTES + 2) throw new EnvelopeError('envelope truncated');
  if (bytes[0] !== ENVELOPE_VERSION) throw new EnvelopeError(`unknown envelope version ${bytes[0]}`);
  const kind = KINDS[bytes[1]!];
  if (kind === undefined) throw new EnvelopeError(`unknown message kind ${bytes[1]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const offset = view.getFloat64(2);
  const time = view.getFloat64(10);
  const publishedAt = view.getFloat64(18);
  if (!Number.isSafeInteger(offset) || offset < 1) throw new EnvelopeError('bad offset');
  const epochLength = bytes[26]!;
  let at = 27 + epochLength;
  if (bytes.byteLength < at + 2) throw new EnvelopeError('envelope truncated');
  const channelLength = view.getUint16(at);
  at += 2;
  if (bytes.byteLength < at + channelLength) throw new EnvelopeError('envelope truncated');
  let epoch: string;
  let channel: string;
  try {
    epoch = decoder.decode(bytes.subarray(27, 27 + epochLength));
    channel = decoder.decode(bytes.subarray(at, at + channelLength));
  } catch {
    throw new EnvelopeError('envelope text is not UTF-8');
  }
  const payload = bytes.subarray(at + channelLength);
  return Object.freeze({ channel, offset, epoch, kind, time, publishedAt, payload });
}

/**
 * Decodes what the publish script PUBLISHes: one envelope, or a batch frame of several. All or
 * nothing: throws EnvelopeError when any part does not decode, so a bad frame is counted once.
 */
export function decodePublished(bytes: Uint8Array): Message[] {
  if (bytes[0] !== BATCH_FRAME) return [decodeEnvelope(bytes)];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Message[] = [];
  let at = 1;
  while (at < bytes.byteLength) {
    if (at + 4 > bytes.byteLength) throw new EnvelopeError('batch frame truncated');
    const length = view.getUint32(at);
    at += 4;
    if (at + length > bytes.byteLength) throw new EnvelopeError('batch frame truncated');
    out.push(decodeEnvelope(bytes.subarray(at, at + length)));
    at += length;
  }
  if (out.length === 0) throw new EnvelopeError('empty batch frame');
  return out;
}
