/**
 * The nova wire format (seed 001 "Message Format"): every frame is one JSON object
 * `{"event": <name>, "data": {...}}`. Pure functions, tested on bytes; never several messages
 * in one frame (notes §2.4.7).
 */

import { checkJsonBounds, DEFAULT_JSON_BOUNDS, type JsonBounds } from '../../util/json-bounds.js';

/** Server → client event names (seed 001 §Message Types). */
export const ServerEvent = {
  connectionEstablished: 'connection_established',
  streamStarted: 'stream_started',
  streamEnded: 'stream_ended',
  viewerCountChanged: 'viewer_count_changed',
  qualityChanged: 'quality_changed',
  bitrateUpdate: 'bitrate_update',
  error: 'error',
  ping: 'ping',
  streamInfo: 'stream_info',
} as const;
export type ServerEvent = (typeof ServerEvent)[keyof typeof ServerEvent];

/** Seed 001 §Error Messages "Common Error Codes". */
export const ErrorCodes = {
  streamNotFound: 'STREAM_NOT_FOUND',
  streamEnded: 'STREAM_ENDED',
  connectionRejected: 'CONNECTION_REJECTED',
  protocolError: 'PROTOCOL_ERROR',
  serverError: 'SERVER_ERROR',
  bufferOverflow: 'BUFFER_OVERFLOW',
  unauthorized: 'UNAUTHORIZED',
  rateLimited: 'RATE_LIMITED',
} as const;

export type Severity = 'info' | 'warning' | 'error' | 'critical';

/** Close codes the dialect uses [RFC 6455 §7.4.1]. */
export const NovaClose = {
  /** After `stream_ended` (notes §2.4.9): clean, so the example client does not reconnect. */
  streamEnded: { code: 1000, reason: 'stream_ended' },
  /** Seed "Message Parsing Error": invalid JSON, missing field, unknown event; binary frames too (notes §2.4.4). */
  protocolError: { code: 1003, reason: 'protocol error' },
  /** Inbound rate limit exceeded. */
  rateLimited: { code: 1008, reason: 'rate limited' },
  /** Seed "Max Message Size 256 KB" (notes §2.4.5); sent by `ws` itself via maxPayload. */
  tooBig: { code: 1009, reason: 'message too big' },
  shutdown: { code: 1001, reason: 'server shutting down' },
} as const;

/** ISO-8601 UTC with milliseconds and `Z` (notes §2.4.13). */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Any RFC 4122-shaped UUID (the real server parsed `stream_id` as a Uuid, notes §2.2). */
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One message as the bytes of one text frame. */
export function encode(event: string, data: Record<string, unknown>): Buffer {
  return Buffer.from(JSON.stringify({ event, data }));
}

/** The event name of an encoded frame without parsing the rest (frames start with `{"event":"`). */
export function eventOf(frame: Uint8Array): string | null {
  const head = Buffer.from(frame.buffer, frame.byteOffset, Math.min(frame.byteLength, 64)).toString('latin1');
  const match = /^\{"event":"([a-z_]+)"/.exec(head);
  return match ? match[1]! : null;
}

/** The `error` event (seed 001 §5); `extra` carries e.g. `dropped_count` (notes §2.4.6). */
export function encodeError(
  code: string,
  message: string,
  options: { severity: Severity; recoverable: boolean; suggestedAction?: string; now: number; extra?: Record<string, unknown> },
): Buffer {
  return encode(ServerEvent.error, {
    error_code: code,
    error_message: message,
    severity: options.severity,
    recoverable: options.recoverable,
    ...(options.suggestedAction ? { suggested_action: options.suggestedAction } : {}),
    ...options.extra,
    timestamp: isoTime(options.now),
  });
}

/** What a viewer may send (seed 001 §6–7). */
export type ClientCommand =
  | { readonly event: 'pong'; readonly sequence: number | null; readonly timestamp: string | null }
  | { readonly event: 'get_stream_info'; readonly requestId: string }
  | {
      readonly event: 'report_issue';
      readonly issueType: string;
      readonly severity: string | null;
      readonly description: string | null;
      readonly clientInfo: Record<string, unknown> | null;
    };

export interface ProtocolError {
  readonly error: string;
}

/**
 * Decodes one text frame. Required (notes §2.4.4): `event` a string, `data` an object;
 * `get_stream_info` needs `data.request_id` (string); `report_issue` needs `data.issue_type`
 * (string), lenient about `client_info` (notes §2.4.14); `pong.sequence` optional (notes §2.4.1).
 * A frame past the JSON `bounds` is a protocol error too (issue 20): `client_info` is kept in reports.
 */
export function decodeClient(text: string, bounds: JsonBounds = DEFAULT_JSON_BOUNDS): ClientCommand | ProtocolError {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: 'invalid JSON' };
  }
  const check = checkJsonBounds(value, bounds);
  if (!check.ok) return { error: check.reason };
  if (!isObject(value)) return { error: 'a message must be a JSON object' };
  const { event, data } = value;
  if (typeof event !== 'string') return { error: 'missing field: event' };
  if (!isObject(data)) return { error: 'missing field: data (an object)' };
  switch (event) {
    case 'pong': {
      const seq = data.sequence;
      if (seq !== undefined && seq !== null && !(typeof seq === 'number' && Number.isInteger(seq))) {
        return { error: 'pong.sequence must be an integer' };
      }
      const ts = typeof data.timestamp === 'string' ? data.timestamp : null;
      return { event, sequence: typeof seq === 'number' ? seq : null, timestamp: ts };
    }
    case 'get_stream_info': {
      if (typeof data.request_id !== 'string') return { error: 'missing field: data.request_id' };
      return { event, requestId: data.request_id };
    }
    case 'report_issue': {
      if (typeof data.issue_type !== 'string') return { error: 'missing field: data.issue_type' };
      return {
        event,
        issueType: data.issue_type,
        severity: typeof data.severity === 'string' ? data.severity : null,
        description: typeof data.description === 'string' ? data.description : null,
        clientInfo: isObject(data.client_info) ? data.client_info : null,
      };
    }
    default:
      return { error: `unknown event: ${event.slice(0, 64)}` };
  }
}

export function isProtocolError(value: ClientCommand | ProtocolError): value is ProtocolError {
  return 'error' in value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
