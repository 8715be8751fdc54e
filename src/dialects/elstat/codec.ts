/**
 * The elstat wire format (seed 004, protocol-notes §5.2): pure encode and decode, tested on bytes.
 * Every payload is a JSON object with an integer `op`; fields sit at the top level, except DATA
 * (`c`, `d`) and the incident ops (`d`).
 */
import type { CloseReason } from '../../core/index.js';
import { checkJsonBounds, DEFAULT_JSON_BOUNDS, type JsonBounds } from '../../util/json-bounds.js';

/** Op codes. −1 and 0 are sent by clients; 1, 2, 3 by the server; 4–6 come from the later doc version (notes §5.2). */
export const Op = {
  unsubscribe: -1,
  subscribe: 0,
  subscribed: 1,
  unsubscribed: 2,
  data: 3,
  incidentNew: 4,
  incidentUpdate: 5,
  incidentClose: 6,
} as const;
export type Op = (typeof Op)[keyof typeof Op];

/** Seed "Error codes"; 1013 and 1001 are the RFC codes used for a slow consumer and shutdown. */
export const ElstatClose = {
  invalidPayload: { code: 4200, reason: 'invalid payload' },
  tooMuch: { code: 4420, reason: 'payload too large' },
  slowConsumer: { code: 1013, reason: 'slow consumer' },
} as const satisfies Record<string, CloseReason>;

/** The two channel types of the seed ("Channel types"). */
const CHANNEL_TYPES = ['status', 'latency'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export type ClientCommand = { readonly op: typeof Op.subscribe | typeof Op.unsubscribe; readonly channels: readonly string[] };

export type DecodeResult = { readonly ok: true; readonly command: ClientCommand } | { readonly ok: false; readonly close: CloseReason; readonly why: string };

const encoder = new TextEncoder();

/**
 * Decodes one inbound frame. Order of checks (notes §5.3): size first, before parsing (4420),
 * then binary, JSON, JSON bounds (issue 20: depth and node count), object, op and channels (4200).
 * Unknown extra fields are ignored.
 */
export function decodeClientFrame(data: Uint8Array, isBinary: boolean, maxFrameBytes: number, bounds: JsonBounds = DEFAULT_JSON_BOUNDS): DecodeResult {
  if (data.byteLength > maxFrameBytes) return fail(ElstatClose.tooMuch, `frame of ${data.byteLength} bytes`);
  if (isBinary) return fail(ElstatClose.invalidPayload, 'binary frame');
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    return fail(ElstatClose.invalidPayload, 'not JSON');
  }
  const check = checkJsonBounds(value, bounds);
  if (!check.ok) return fail(ElstatClose.invalidPayload, check.reason);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(ElstatClose.invalidPayload, 'not an object');
  const { op, channels } = value as { op?: unknown; channels?: unknown };
  if (typeof op !== 'number' || !Number.isInteger(op)) return fail(ElstatClose.invalidPayload, 'op is not an integer');
  if (op !== Op.subscribe && op !== Op.unsubscribe) return fail(ElstatClose.invalidPayload, `op ${op} is not sent by clients`);
  if (!Array.isArray(channels) || !channels.every((c) => typeof c === 'string')) {
    return fail(ElstatClose.invalidPayload, 'channels is not a list of strings');
  }
  return { ok: true, command: { op, channels: channels as string[] } };
}

function fail(close: CloseReason, why: string): DecodeResult {
  return { ok: false, close, why };
}

/** SUBSCRIBED / UNSUBSCRIBED: the channels that actually changed. */
export function encodeChannelsReply(op: typeof Op.subscribed | typeof Op.unsubscribed, channels: readonly string[]): string {
  return JSON.stringify({ op, channels });
}

/** DATA `{op:3, c, d:[unix_ms, value]}` (seed "DATA"), as the bytes published to the hub: encoded once for every subscriber. */
export function encodeData(channel: string, timeMs: number, value: boolean | number): Uint8Array {
  return encoder.encode(JSON.stringify({ op: Op.data, c: channel, d: [timeMs, value] }));
}

/** INCIDENT_NEW / UPDATE / CLOSE `{op, d: incident}` (later doc version, notes §5.2). */
export function encodeIncident(op: typeof Op.incidentNew | typeof Op.incidentUpdate | typeof Op.incidentClose, incident: unknown): Uint8Array {
  return encoder.encode(JSON.stringify({ op, d: incident }));
}

/** The wire channel `status:<svc>` for a service and type. */
export function wireChannel(type: ChannelType, service: string): string {
  return `${type}:${service}`;
}

/** Splits a wire channel into type and service, or null when the type is not one of the seed's. */
export function parseWireChannel(channel: string): { type: ChannelType; service: string } | null {
  const colon = channel.indexOf(':');
  if (colon < 0) return null;
  const type = channel.slice(0, colon);
  const service = channel.slice(colon + 1);
  if (!(CHANNEL_TYPES as readonly string[]).includes(type) || service === '') return null;
  return { type: type as ChannelType, service };
}

/** The hub channel behind a wire channel (DESIGN.md: `elstat:status:<svc>`). */
export function hubChannel(wire: string): string {
  return `elstat:${wire}`;
}

/** The hub channel every streaming connection listens on for incident ops. */
export const INCIDENTS_HUB_CHANNEL = 'elstat:incidents';
