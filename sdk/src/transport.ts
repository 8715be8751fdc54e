/**
 * The one seam between the client's state machine and a socket (centrifuge's `Transport` idea):
 * the client never knows whether frames arrive over a WebSocket or an event stream. A transport
 * is used once: opened by its factory, closed once, then dropped.
 */

/** Why a transport ended; `code` follows WebSocket close codes (SSE uses 1006 for a lost stream). */
export interface TransportClose {
  readonly code: number;
  readonly reason: string;
  /** False when the transport never opened (refused, unreachable): the client may try the fallback. */
  readonly opened: boolean;
}

/** One frame as it arrived: WebSocket text, or an SSE event (its `event:` and `id:` fields kept). */
export interface TransportFrame {
  readonly text: string;
  readonly sseEvent?: string;
  readonly sseId?: string;
}

export interface TransportHandlers {
  onOpen(): void;
  onFrame(frame: TransportFrame): void;
  /** Something arrived that is not a frame (an SSE heartbeat comment): the connection is alive. */
  onActivity?(): void;
  /** Called exactly once, after which the transport emits nothing more. */
  onClose(close: TransportClose): void;
}

export interface Transport {
  readonly kind: 'websocket' | 'sse';
  /** False for SSE: the client may only read (subscribe), never send. */
  readonly canSend: boolean;
  /** Sends one text frame; throws when `canSend` is false or the socket is not open. */
  send(text: string): void;
  /** Idempotent; `onClose` follows (at once for SSE, after the closing handshake for WebSocket). */
  close(code?: number, reason?: string): void;
}
