/**
 * The public shapes of StreamHubClient: its options, its events, and what its commands resolve with
 * (PROTOCOL.md §5, §10, §11, §12).
 */
import type { BackoffOptions } from './backoff.js';
import type { Clock, Random } from './clock.js';
import type { StreamPosition } from './position.js';
import type { PresenceMember } from './protocol.js';
import type { Publication } from './publication.js';
import type { EventSourceConstructor, FetchLike } from './sse-transport.js';
import type { StreamHubError } from './errors.js';
import type { WebSocketConstructor } from './ws-transport.js';

export type TransportKind = 'websocket' | 'sse';
export type ClientState = 'disconnected' | 'connecting' | 'connected';

export interface ClientOptions {
  /** A JWT (PROTOCOL.md §3). Without it and without `getToken`, the server must allow anonymous access. */
  readonly token?: string;
  /** Called for a token before connecting when there is none or it expires soon, and before `exp` to refresh it. */
  readonly getToken?: () => string | Promise<string>;
  /** Default `globalThis.WebSocket`; Node 20 has none, pass the `ws` package's. */
  readonly WebSocket?: WebSocketConstructor;
  /** An EventSource for the SSE fallback (token then in the query string). Default: `fetch`, which sends headers. */
  readonly EventSource?: EventSourceConstructor;
  /** Default `globalThis.fetch`. */
  readonly fetch?: FetchLike;
  /** Transports in order of preference (default `['websocket', 'sse']`). */
  readonly transports?: readonly TransportKind[];
  /** WebSocket attempts that fail before opening, in a row, before the next attempt uses SSE (default 2). */
  readonly sseFallbackAfter?: number;
  readonly backoff?: BackoffOptions;
  /** Wait for the `connected` reply and for each command's reply, ms (default 10 000). */
  readonly timeoutMs?: number;
  /** Commands waiting for a reply or for a connection, at most (default 1 000). */
  readonly maxPendingCommands?: number;
  /** Refresh the token this long before it expires, ms (default 30 000). */
  readonly refreshLeadMs?: number;
  /** Extra silence allowed past the server's ping interval before the connection is deemed dead (default 10 000, §13). */
  readonly pingGraceMs?: number;
  /** Presence info, used when the token carries none (§5). */
  readonly info?: unknown;
  /** Client name for the server's logs (§5). */
  readonly name?: string;
  /**
   * A fetch-based SSE stream that brings nothing, not even the server's `: hb` heartbeat comment
   * (every 15 s by default, §16), for this long is deemed dead and reopened, ms (default 45 000).
   * An EventSource hides comments; the browser watches that stream itself.
   */
  readonly sseIdleTimeoutMs?: number;
  /** Longest SSE line accepted, characters (default 1 MiB). */
  readonly maxSseLineLength?: number;
  readonly clock?: Clock;
  readonly random?: Random;
}

export interface ConnectedEvent {
  readonly transport: TransportKind;
  /** Server-given connection id (WebSocket only). */
  readonly client?: string;
  readonly user?: string;
  readonly expiresAt?: number | null;
}

export interface DisconnectedEvent {
  readonly code: number;
  readonly reason: string;
  /** True when the client will reconnect by itself. */
  readonly reconnect: boolean;
}

export interface ClientEvents {
  state: ClientState;
  connecting: { readonly transport: TransportKind; readonly attempt: number; readonly delayMs: number };
  connected: ConnectedEvent;
  disconnected: DisconnectedEvent;
  error: StreamHubError;
  /** The token was refreshed on the open connection; `expiresAt` in ms. */
  refreshed: { readonly expiresAt: number | null };
}

export interface PublishOptions {
  /** Repeats of a key within the server's window publish nothing and answer the original position (§11). Default: a random key, so the SDK's own retry after a reconnect is safe. */
  readonly idempotencyKey?: string;
  readonly kind?: 'data' | 'snapshot' | 'volatile';
}

export interface PublishResult extends StreamPosition {
  readonly channel: string;
  /** True when the key was already published: the position is the original one. */
  readonly duplicate: boolean;
  readonly idempotencyKey: string;
}

export interface HistoryOptions {
  readonly limit?: number;
  readonly since?: StreamPosition;
  readonly reverse?: boolean;
}

export interface HistoryResult {
  readonly position: StreamPosition | null;
  readonly recovered?: boolean;
  readonly snapshot: Publication | null;
  readonly publications: readonly Publication[];
}

export interface PresenceResult {
  readonly count: number;
  readonly users: number;
  readonly members?: readonly PresenceMember[];
  readonly truncated?: boolean;
}
