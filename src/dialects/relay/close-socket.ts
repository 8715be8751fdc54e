import type { WebSocket } from 'ws';
import type { Clock, CloseReason } from '../../core/index.js';

/**
 * Closes with a close frame (notes decision: 1000 rather than a dropped TCP connection), and drops
 * the TCP connection if the peer has not completed the closing handshake within `graceMs`: a peer
 * that stopped reading would otherwise hold its buffers until `ws`'s own 30 s timeout.
 */
export function closeWithGrace(ws: WebSocket, reason: CloseReason, clock: Clock, graceMs: number): void {
  if (ws.readyState === ws.CLOSED) return;
  if (ws.readyState === ws.OPEN) ws.close(reason.code, reason.reason);
  const timer = clock.setTimeout(() => ws.terminate(), graceMs);
  ws.once('close', () => clock.clearTimeout(timer));
}
