/**
 * Ends one Socket.IO connection after what was emitted to it has been flushed (the failure ack of
 * notes §4.3 must arrive before the disconnect).
 */
import type { Socket } from 'socket.io';
import { systemClock, type Clock } from '../../core/index.js';

/** Longest wait for an in-flight transport upgrade before the connection is closed anyway. */
const UPGRADE_WAIT_MS = 10_000;

export interface EngineConn {
  readonly upgrading?: boolean;
  readonly transport?: { readonly name: string; readonly writable: boolean };
  once(event: 'upgrade' | 'close', fn: () => void): void;
  /** engine.io Socket#close(discard): `true` closes the transport now instead of after the next flush. */
  close(discard?: boolean): void;
}

/**
 * Disconnects the socket and closes its Engine.IO connection. Mid-upgrade (the client starts
 * with long-polling), closing the polling transport at once would leave it waiting 30 s for a
 * GET the client never sends, so the close waits for the upgrade to finish (bounded).
 */
export function hangUp(socket: Socket): void {
  const conn = socket.conn as unknown as EngineConn;
  if (!conn.upgrading) {
    socket.disconnect(true);
    return;
  }
  socket.disconnect(false);
  endTransport(conn);
}

/**
 * Graceful shutdown (issue 14): ends the Engine.IO connection itself, after its write buffer has
 * drained (engine.io `Socket.close()` waits for it), with no Socket.IO DISCONNECT packet. The
 * client then sees "transport close" and reconnects by itself; after an explicit server-side
 * `disconnect()` ("io server disconnect") socket.io-client never reconnects, so the overlay
 * (Spectra-Frontend SocketService: `reconnection: true`, logon again on "reconnect") would stay blank.
 * Mid-upgrade the close waits for the upgrade (bounded), as in `hangUp`.
 */
export function endTransport(conn: EngineConn, clock: Clock = systemClock): void {
  if (!conn.upgrading) {
    // A long-polling transport with no poll pending would hold the close packet until the client's
    // next poll (engine.io waits up to 30 s, keeping the process alive after shutdown): discard it;
    // that poll then gets 400 "Session ID unknown", on which socket.io-client reconnects as on a close.
    conn.close(conn.transport?.name === 'polling' && !conn.transport.writable);
    return;
  }
  const timer = clock.setTimeout(() => conn.close(), UPGRADE_WAIT_MS);
  conn.once('upgrade', () => {
    clock.clearTimeout(timer);
    conn.close();
  });
  conn.once('close', () => clock.clearTimeout(timer));
}
