/**
 * The relay's pure parts: URL parsing, the texts and codes of the wire contract, and the control
 * messages that travel through the hub next to the media chunks (no sockets here).
 */
import { createHash } from 'node:crypto';
import type { CloseReason } from '../../core/index.js';

/** Seed 002: the four connection kinds. */
export const ConnectionKind = {
  publish: 'publish',
  receive: 'receive',
  receiveClearCache: 'receive-clear-cache',
  probe: 'probe',
} as const;
export type ConnectionKind = (typeof ConnectionKind)[keyof typeof ConnectionKind];

const KINDS: ReadonlySet<string> = new Set(Object.values(ConnectionKind));

/** Notes §3.2: `^[A-Za-z0-9_-]+$` (uppercase allowed despite the seed's "a-z"), at most ID_MAX_LENGTH = 128. */
const ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** The plain-text HTTP bodies of the original server (notes §3.2). */
export const RefusalText = {
  notFound: 'Not found.',
  invalidChannel: 'Invalid channel.',
  invalidKey: 'Invalid key.',
  invalidKind: 'Invalid connection kind.',
  tooMany: 'Too many requests.',
  serverFull: 'Server full.',
  alreadyPublishing: 'Already publishing.',
  keyDenied: 'Invalid Key.',
  notWhitelisted: 'Cannot play: Not whitelisted.',
  shuttingDown: 'Server shutting down.',
  banner: 'Websocket streaming server - Version 1.0.0',
} as const;

/** Seed §Error: the one post-upgrade error text (notes §3.3). */
export const INVALID_KEY_ERROR = 'ERROR: Invalid streaming key';
/** Seed §Heartbeat: a TEXT message containing `h`. */
export const HEARTBEAT = 'h';

/** Close codes the relay sends [RFC 6455 §7.4.1]; PROTOCOL.md has the table. */
export const RelayClose = {
  /** Notes decision: the server closes with a close frame (1000) where the original dropped TCP. */
  publisherEnded: { code: 1000, reason: 'publisher ended' },
  probeDone: { code: 1000, reason: 'probe done' },
  invalidKey: { code: 1000, reason: 'invalid streaming key' },
  idle: { code: 1000, reason: 'no data for too long' },
  shutdown: { code: 1001, reason: 'server shutting down' },
  /** Notes §3.3 [infer]: a chunk over the size cap; `ws` sends this itself for maxPayload. */
  tooBig: { code: 1009, reason: 'message too big' },
  /** The hub or broker failed while a receiver was starting (e.g. the broker connection is down). */
  internal: { code: 1011, reason: 'internal error' },
  /** Cluster: this node lost the publisher lease of the channel (Redis unreachable too long); the publisher may reconnect. */
  leaseLost: { code: 1012, reason: 'publisher lease lost' },
  /** A receiver that cannot keep up: its bounded queue overflowed or its socket stalled. */
  slow: { code: 4008, reason: 'slow receiver' },
} as const satisfies Record<string, CloseReason>;

export type RelayRoute =
  | { readonly ok: true; readonly channel: string; readonly key: string; readonly kind: ConnectionKind }
  | { readonly ok: false; readonly status: 404; readonly body: string; readonly shape: 'path' | 'field' };

/**
 * Parses `/{channel}/{key}/{kind}` exactly as the original does (notes §3.2): the raw request
 * URI split on `/` must have 4 parts, so a trailing slash, extra segments or a query string fail.
 * `shape: 'path'` means the URI is not a relay path at all (the per-IP check comes after it).
 */
export function parseRelayPath(url: string | undefined): RelayRoute {
  const parts = (url ?? '').split('/');
  if (parts.length !== 4 || parts[0] !== '') return { ok: false, status: 404, body: RefusalText.notFound, shape: 'path' };
  const [, channel = '', key = '', kind = ''] = parts;
  if (!ID_PATTERN.test(channel)) return { ok: false, status: 404, body: RefusalText.invalidChannel, shape: 'field' };
  if (!ID_PATTERN.test(key)) return { ok: false, status: 404, body: RefusalText.invalidKey, shape: 'field' };
  if (!KINDS.has(kind)) return { ok: false, status: 404, body: RefusalText.invalidKind, shape: 'field' };
  return { ok: true, channel, key, kind: kind as ConnectionKind };
}

/** The hub channel of a relay channel (DESIGN.md "Channel": `relay:<channel>`). */
export function hubChannel(channel: string): string {
  return `relay:${channel}`;
}

/**
 * A digest of a streaming key. Only digests travel through the hub and the publisher registry,
 * so a key never sits in a broker or a log; receivers compare digests in constant time.
 */
export function keyDigest(key: string): string {
  return createHash('sha256').update(`relay-key\0${key}`).digest('hex');
}

/**
 * Control messages, published as hub `reset` messages in the channel's own stream so they are
 * ordered with the chunks on every node:
 * - `start`: a publish began (its id and key digest: idle receivers check their key against it);
 * - `end`: the publish ended: playing receivers close with 1000, the cache is discarded;
 * - `clear`: a receive-clear-cache receiver emptied the cache; the publisher disables caching.
 */
export type RelayControl =
  | { readonly type: 'start'; readonly publishId: string; readonly keyDigest: string }
  | { readonly type: 'end'; readonly publishId: string }
  | { readonly type: 'clear'; readonly publishId: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeControl(control: RelayControl): Uint8Array {
  const text =
    control.type === 'start' ? `start ${control.publishId} ${control.keyDigest}` : `${control.type} ${control.publishId}`;
  return encoder.encode(text);
}

/** Null for anything that is not a well-formed control message (never throws). */
export function decodeControl(payload: Uint8Array): RelayControl | null {
  if (payload.byteLength > 256) return null;
  const parts = decoder.decode(payload).split(' ');
  const [type, publishId, digest] = parts;
  if (!publishId) return null;
  if (type === 'start' && parts.length === 3 && digest) return { type, publishId, keyDigest: digest };
  if ((type === 'end' || type === 'clear') && parts.length === 2) return { type, publishId };
  return null;
}
