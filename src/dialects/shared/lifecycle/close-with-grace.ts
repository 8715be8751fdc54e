/**
 * Ends one WebSocket the way its dialect's clients need, in one place:
 * - code 1006 drops the TCP connection without a close frame: RFC 6455 §7.4.1 reserves 1006 for
 *   an abnormal closure, never sent in a frame; nova's example client reconnects only then
 *   (notes §2.4.2);
 * - any other code sends the close frame, and when a grace is given, drops the TCP connection
 *   if the peer has not completed the closing handshake by then: a peer that stopped reading
 *   would otherwise hold its buffers until `ws`'s own 30 s timeout.
 */
import type { WebSocket } from 'ws';
import type { Clock, CloseReason } from '../../../core/index.js';
import { noteServerClose } from '../ws-upgrade.js';

/** RFC 6455 §7.4.1: "abnormal closure", never sent in a close frame. */
export const ABNORMAL_CLOSURE = 1006;

/** How long the peer has to answer the close frame, on the injected clock. */
export interface CloseGrace {
  readonly clock: Clock;
  readonly ms: number;
}

/** A close request from the server: the close frame's reason, or 1006 for no frame at all. Without `grace`, `ws`'s own timeout applies. */
export function closeWithGrace(ws: WebSocket, reason: CloseReason, grace: CloseGrace | null = null): void {
  if (ws.readyState === ws.CLOSED) return;
  noteServerClose(ws, reason.code);
  if (reason.code === ABNORMAL_CLOSURE) {
    ws.terminate();
    return;
  }
  if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) {
    try {
      ws.close(reason.code, reason.reason);
    } catch {
      // An invalid code or reason must not leave the connection open.
      ws.terminate();
      return;
    }
  }
  if (grace === null) return;
  const { clock } = grace;
  const timer = clock.setTimeout(() => ws.terminate(), grace.ms);
  ws.once('close', () => clock.clearTimeout(timer));
}
