/** Spectra's graceful shutdown of its Engine.IO connections (issue 14). */
import type { Server } from 'socket.io';
import type { Clock } from '../../core/index.js';
import { drainWithDeadline } from '../shared/lifecycle/index.js';
import { endTransport, type EngineConn } from './hang-up.js';

/**
 * Issue 14: every Engine.IO connection (overlays and observers) ends at its own instant of the
 * window, its buffered packets written first, as a transport close so that socket.io-client
 * reconnects (hang-up.ts endTransport). Matches keep running meanwhile.
 */
export async function drainConnections(servers: readonly Server[], clock: Clock, deadlineMs: number, drainWindowMs: number): Promise<void> {
  const conns = servers.flatMap((io) => Object.values((io.engine as unknown as { clients: Record<string, EngineConn> }).clients));
  await drainWithDeadline({ items: conns, end: (conn) => endTransport(conn, clock), clock, deadlineMs, drainWindowMs });
}
