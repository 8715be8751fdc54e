/**
 * Frames of the streamhub protocol (PROTOCOL.md §4–§14): client commands parsed and validated,
 * server frames encoded. Pure: no sockets. A publication is encoded once per message and the same
 * bytes go to every subscriber (DESIGN.md "Encode once").
 */
import { z } from 'zod';
import { isIdempotencyKey, type Message, type StreamPosition } from '../../core/index.js';
import { parseBoundedJson, type JsonBounds } from '../../util/json-bounds.js';

/** The protocol's own application channels (PROTOCOL.md §2): the only ones a client may publish into. */
export const OWN_PREFIX = 'streamhub:';

/** Close codes (PROTOCOL.md §15): 4000–4499 reconnect, 4500–4999 do not. */
export const StreamhubClose = {
  slowClient: { code: 4001, reason: 'slow_client' },
  noPong: { code: 4002, reason: 'no_pong' },
  tokenExpired: { code: 4003, reason: 'token_expired' },
  connectTimeout: { code: 4004, reason: 'connect_timeout' },
  unauthorized: { code: 4500, reason: 'unauthorized' },
  badRequest: { code: 4501, reason: 'bad_request' },
  shuttingDown: { code: 1001, reason: 'server shutting down' },
  internal: { code: 1011, reason: 'internal error' },
} as const;

/** Error codes (PROTOCOL.md §14); codes are API. */
export type ErrorCode =
  | 'bad_request'
  | 'unknown_type'
  | 'unauthorized'
  | 'permission_denied'
  | 'bad_channel'
  | 'already_subscribed'
  | 'not_subscribed'
  | 'too_many_subscriptions'
  | 'publish_refused'
  | 'payload_too_large'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

const id = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const position = z.object({ offset: z.number().int().min(0), epoch: z.string().min(1).max(128) });
const channelName = z.string().min(1).max(1024);

const subscribeItem = z.object({
  channel: channelName,
  since: position.optional(),
  presence: z.boolean().optional(),
  delta: z.literal('fossil').optional(),
});

const commandSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('connect'),
    id,
    token: z.string().min(1).max(16_384).optional(),
    info: z.unknown().optional(),
    name: z.string().max(64).optional(),
    subscribe: z.array(subscribeItem).min(1).max(1000).optional(),
  }),
  z.object({ type: z.literal('refresh'), id, token: z.string().min(1).max(16_384) }),
  z.object({ type: z.literal('subscribe'), id, channels: z.array(subscribeItem).min(1).max(1000) }),
  z.object({ type: z.literal('unsubscribe'), id, channels: z.array(channelName).min(1).max(1000) }),
  z.object({
    type: z.literal('history'),
    id,
    channel: channelName,
    limit: z.number().int().min(0).optional(),
    since: position.optional(),
    reverse: z.boolean().optional(),
  }),
  z.object({
    type: z.literal('publish'),
    id,
    channel: channelName,
    data: z.unknown().optional(),
    b64: z.string().optional(),
    kind: z.enum(['data', 'snapshot', 'volatile']).optional(),
    idempotencyKey: z.string().optional(),
  }),
  z.object({ type: z.literal('presence'), id, channel: channelName, members: z.boolean().optional() }),
  z.object({ type: z.literal('ping'), id: id.optional() }),
  z.object({ type: z.literal('pong') }),
]);

export type Command = z.output<typeof commandSchema>;
export type SubscribeItem = z.output<typeof subscribeItem>;
const KNOWN_TYPES = new Set(['connect', 'refresh', 'subscribe', 'unsubscribe', 'history', 'publish', 'presence', 'ping', 'pong']);

export type ParseResult =
  | { readonly ok: true; readonly command: Command }
  /** A frame that is not a JSON object at all: the connection is closed 4501. */
  | { readonly ok: false; readonly fatal: true; readonly why: string }
  /** A JSON object that is not a valid command: answered with an error, the connection stays. */
  | { readonly ok: false; readonly fatal: false; readonly id: number | undefined; readonly code: ErrorCode; readonly why: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses one client text frame (PROTOCOL.md §4). */
export function parseCommand(bytes: Uint8Array, bounds?: JsonBounds): ParseResult {
  let value: unknown;
  try {
    value = parseBoundedJson(utf8.decode(bytes), bounds);
  } catch (err) {
    return { ok: false, fatal: true, why: (err as Error).message };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, fatal: true, why: 'not a JSON object' };
  const obj = value as Record<string, unknown>;
  const givenId = typeof obj.id === 'number' && Number.isSafeInteger(obj.id) ? obj.id : undefined;
  if (typeof obj.type !== 'string' || !KNOWN_TYPES.has(obj.type)) return { ok: false, fatal: false, id: givenId, code: 'unknown_type', why: `unknown type ${String(obj.type).slice(0, 32)}` };
  const parsed = commandSchema.safeParse(obj);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, fatal: false, id: givenId, code: 'bad_request', why: issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid command' };
  }
  return { ok: true, command: parsed.data };
}

const CHANNEL_RE = /^[a-z][a-z0-9_-]{0,31}:[\x21-\x7e]+$/;

/** A hub channel name a client may use (PROTOCOL.md §2). */
export function isValidChannel(channel: string, maxBytes: number): boolean {
  return channel.length <= maxBytes + 33 && CHANNEL_RE.test(channel) && channel.length - channel.indexOf(':') - 1 <= maxBytes;
}

/** Payload of a publish into a `streamhub:` channel: JSON text, or 0x00 + the bytes of a `b64` publish (PROTOCOL.md §2). */
export function encodeOwnPayload(input: { data?: unknown; b64?: string }): Uint8Array | null {
  if (input.b64 !== undefined) {
    if (input.data !== undefined || !/^[A-Za-z0-9+/]*={0,2}$/.test(input.b64) || input.b64.length % 4 !== 0) return null;
    const bytes = Buffer.from(input.b64, 'base64');
    const out = Buffer.allocUnsafe(bytes.length + 1);
    out[0] = 0;
    bytes.copy(out, 1);
    return out;
  }
  if (input.data === undefined) return null;
  return Buffer.from(JSON.stringify(input.data), 'utf8');
}

/** Binary payloads of `streamhub:` channels start with this byte, which no JSON text can. */
const BINARY_MARK = 0;

/**
 * The payload as one JSON member: `"data":<JSON text>` or `"b64":"…"`. Own channels keep the
 * publisher's choice; foreign payloads are `data` when they are a UTF-8 JSON text.
 */
export function payloadMember(channel: string, payload: Uint8Array): string {
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (channel.startsWith(OWN_PREFIX)) {
    if (buf.length > 0 && buf[0] === BINARY_MARK) return `"b64":"${buf.subarray(1).toString('base64')}"`;
    return `"data":${buf.toString('utf8')}`;
  }
  const text = jsonText(buf);
  return text === null ? `"b64":"${buf.toString('base64')}"` : `"data":${text}`;
}

/** The payload's text when it is a UTF-8 JSON text, else null. */
export function jsonText(buf: Uint8Array): string | null {
  if (buf.length === 0) return null;
  try {
    const text = utf8.decode(buf);
    JSON.parse(text);
    return text;
  } catch {
    return null;
  }
}

const pubCache = new WeakMap<Message, Buffer>();

/** `{"type":"pub",…}` of a hub message, built once per message (PROTOCOL.md §7 table). */
export function encodePub(msg: Message): Buffer {
  let frame = pubCache.get(msg);
  if (!frame) {
    frame = Buffer.from(`${pubHead(msg)},${payloadMember(msg.channel, msg.payload)}}`, 'utf8');
    pubCache.set(msg, frame);
  }
  return frame;
}

/** The payload's JSON text, or null for a binary payload (the `b64` cases of `payloadMember`). */
export function payloadJsonText(channel: string, payload: Uint8Array): string | null {
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (channel.startsWith(OWN_PREFIX)) return buf.length > 0 && buf[0] === BINARY_MARK ? null : buf.toString('utf8');
  return jsonText(buf);
}

function pubHead(msg: Message): string {
  const kind = msg.kind === 'data' ? '' : `,"kind":"${msg.kind}"`;
  return `{"type":"pub","channel":${JSON.stringify(msg.channel)},"offset":${msg.offset},"epoch":${JSON.stringify(msg.epoch)}${kind}`;
}

const jsonPubCache = new WeakMap<Message, Buffer>();

/** A pub of a delta subscription in full: `"json":"<the JSON text>"` (PROTOCOL.md §17); null for a binary payload. */
export function encodePubJson(msg: Message, text: string): Buffer {
  let frame = jsonPubCache.get(msg);
  if (!frame) {
    frame = Buffer.from(`${pubHead(msg)},"json":${JSON.stringify(text)}}`, 'utf8');
    jsonPubCache.set(msg, frame);
  }
  return frame;
}

/** A pub carrying `"delta":"<fossil delta against the previous JSON text>"`. */
export function encodePubDelta(msg: Message, delta: string): Buffer {
  return Buffer.from(`${pubHead(msg)},"delta":${JSON.stringify(delta)}}`, 'utf8');
}

/** A JSON array of already-encoded frames. */
export function joinFrames(frames: readonly Buffer[]): string {
  return `[${frames.map((f) => f.toString('utf8')).join(',')}]`;
}

export function positionJson(p: StreamPosition | null): string {
  return p === null ? 'null' : `{"offset":${p.offset},"epoch":${JSON.stringify(p.epoch)}}`;
}

/** `subscribed` (PROTOCOL.md §7); `publications` are encoded pub frames. */
export function encodeSubscribed(reqId: number | undefined, channel: string, recovered: boolean, position: StreamPosition | null, publications: readonly Buffer[]): Buffer {
  const idPart = reqId === undefined ? '' : `"id":${reqId},`;
  return Buffer.from(
    `{"type":"subscribed",${idPart}"channel":${JSON.stringify(channel)},"recovered":${recovered},"position":${positionJson(position)},"publications":${joinFrames(publications)}}`,
    'utf8',
  );
}

/** `gap` (PROTOCOL.md §8). */
export function encodeGap(channel: string, reason: 'epoch_changed' | 'offset_gap', last: StreamPosition, next: StreamPosition): Buffer {
  return Buffer.from(JSON.stringify({ type: 'gap', channel, reason, last: { offset: last.offset, epoch: last.epoch }, next: { offset: next.offset, epoch: next.epoch } }), 'utf8');
}

export function encodeError(reqId: number | undefined, code: ErrorCode, message: string, channel?: string): Buffer {
  return Buffer.from(JSON.stringify({ type: 'error', ...(reqId === undefined ? {} : { id: reqId }), ...(channel === undefined ? {} : { channel }), code, message }), 'utf8');
}

/** Any other server frame. */
export function encodeFrame(frame: Record<string, unknown>): Buffer {
  return Buffer.from(JSON.stringify(frame), 'utf8');
}

/** Valid idempotency key of a publish (issue 15 item 3). */
export function validIdempotencyKey(key: string | undefined): boolean {
  return key === undefined || isIdempotencyKey(key);
}
