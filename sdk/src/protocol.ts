/**
 * The wire contract of StreamHub's own protocol, copied from src/dialects/streamhub/PROTOCOL.md
 * (version 1). The SDK imports nothing from src/ (DESIGN.md dependency rule: "sdk → nothing in
 * src/ (it may copy the protocol constants)"); section numbers below are that file's.
 */
import type { StreamPosition } from './position.js';

export const PROTOCOL_VERSION = 1;

/** §1: paths on the protocol's listener (port 4005 by default). */
export const WS_PATH = '/v1/ws';
export const SSE_PATH = '/v1/sse';

/** §16: the SSE event types the server sends. */
export const SSE_EVENT_TYPES = ['subscribed', 'pub', 'gap', 'unsubscribed', 'error'] as const;

/** §7: what a publication is besides plain data. */
export type PublicationKind = 'data' | 'snapshot' | 'pinned' | 'volatile' | 'reset';

/** §7 "A publication": `pub` frames, and the entries of `subscribed.publications` and `history.publications`. */
export interface PubFrame {
  readonly type: 'pub';
  readonly channel: string;
  readonly offset: number;
  readonly epoch: string;
  readonly kind?: PublicationKind;
  readonly data?: unknown;
  readonly b64?: string;
  /** §17: delta subscriptions only. */
  readonly json?: string;
  readonly delta?: string;
}

export interface ConnectedFrame {
  readonly type: 'connected';
  readonly id: number;
  readonly client: string;
  readonly user: string;
  readonly expiresAt: number | null;
  readonly pingIntervalMs: number;
  readonly version: number;
  readonly limits?: { readonly maxFrameBytes?: number; readonly maxSubscriptions?: number; readonly maxHistoryLimit?: number };
}

export interface SubscribedFrame {
  readonly type: 'subscribed';
  readonly id?: number;
  readonly channel: string;
  readonly recovered: boolean;
  readonly position: StreamPosition | null;
  readonly publications: readonly PubFrame[];
}

export interface GapFrame {
  readonly type: 'gap';
  readonly channel: string;
  readonly reason: 'epoch_changed' | 'offset_gap';
  readonly last: StreamPosition;
  readonly next: StreamPosition;
}

export interface ErrorFrame {
  readonly type: 'error';
  readonly id?: number;
  readonly channel?: string;
  readonly code: string;
  readonly message?: string;
}

export interface PresenceMember {
  readonly client: string;
  readonly user: string;
  readonly info?: unknown;
}

/** §15: close codes. 4000–4499: reconnect; 4500–4999: do not (DESIGN.md). */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  /** Never sent on the wire [RFC 6455 §7.4.1]: the connection was lost or never opened. */
  abnormal: 1006,
  tooBig: 1009,
  internal: 1011,
  slowClient: 4001,
  noPong: 4002,
  tokenExpired: 4003,
  connectTimeout: 4004,
  unauthorized: 4500,
  badRequest: 4501,
} as const;

/** Whether a close with `code` should be followed by a reconnect (§15). */
export function shouldReconnect(code: number): boolean {
  if (code === CloseCode.tooBig) return false;
  return !(code >= 4500 && code <= 4999);
}

/** §13: a client that received nothing for pingIntervalMs + this considers the connection dead. */
export const PING_GRACE_MS = 10_000;

/** §14: error codes of one channel that end the subscription (retrying the same request cannot help). */
export const FATAL_SUBSCRIBE_CODES: ReadonlySet<string> = new Set(['bad_channel', 'permission_denied', 'too_many_subscriptions']);
