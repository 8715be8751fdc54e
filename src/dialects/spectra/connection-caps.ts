/**
 * The per-IP and total caps of one spectra Socket.IO server (PROTOCOL.md "Connection refusals"),
 * counted at two levels: Socket.IO sockets and the Engine.IO transports under them.
 */
import type { IncomingMessage } from 'node:http';
import type { Server, Socket } from 'socket.io';
import type { WebSocket } from 'ws';
import { ErrorCode, StreamHubError } from '../../errors.js';
import { clientIp } from '../../net/client-ip.js';
import type { CloseTally } from '../../net/close-tally.js';
import { ConnectionLimiter } from '../../net/connection-limiter.js';
import { onCloseCode } from '../shared/ws-upgrade.js';

/** What this dialect reads of an Engine.IO socket (engine.io's Socket, with its transport's `ws` when it is one). */
interface EngineSocket {
  readonly request: IncomingMessage;
  /** `socket` is the `ws` WebSocket of a websocket transport (engine.io transports/websocket.ts). */
  readonly transport?: { readonly name: string; readonly socket?: object };
  close(): void;
  once(event: 'close', listener: () => void): unknown;
  once(event: 'upgrade', listener: (transport: EngineSocket['transport']) => void): unknown;
}

export interface ConnectionCaps {
  readonly perIpMax: number;
  readonly totalMax: number;
}

/** What every server's caps share. */
export interface CapsGuard {
  /** Proxies whose forwarded address is believed (`server.trustedProxies`). */
  readonly isTrusted: (ip: string) => boolean;
  /**
   * Refusals and closes by code for the operator's metrics (net/close-tally.ts): a cap refusal is
   * `connect_error` (Socket.IO has no status for it), a WebSocket transport's close its close code.
   */
  readonly closes: CloseTally;
  readonly ipv6CapPrefix?: number;
}

/** Caps `io`'s sockets and its transports, and counts its WebSocket close codes. */
export function capConnections(io: Server, caps: ConnectionCaps, guard: CapsGuard): void {
  capSockets(io, new ConnectionLimiter(caps.perIpMax, caps.totalMax, undefined, guard.ipv6CapPrefix), guard);
  capTransports(io, caps, guard);
}

/** Per-listener caps, as Socket.IO middleware: a refused client gets `connect_error`. */
function capSockets(io: Server, limiter: ConnectionLimiter, guard: CapsGuard): void {
  io.use((socket: Socket, next) => {
    const lease = limiter.tryAcquire(clientIp(socket.request, guard.isTrusted));
    if ('refused' in lease) {
      guard.closes.count('connect_error');
      return next(new StreamHubError(ErrorCode.capacity, lease.refused === 'per_ip' ? 'Too many connections from this address' : 'Server is full'));
    }
    socket.once('disconnect', lease.release);
    next();
  });
}

/**
 * The caps above count Socket.IO sockets, which exist only once a client joins a namespace; an
 * Engine.IO transport that never joins would be held uncounted until connectTimeout (45 s). So
 * transports are capped too, at twice the socket caps: a well-behaved client holds one of each,
 * and the slack lets a client refused by the socket cap still receive its specified connect_error
 * (found by test/bounds/spectra-transports.test.ts).
 */
function capTransports(io: Server, caps: ConnectionCaps, guard: CapsGuard): void {
  const limiter = new ConnectionLimiter(caps.perIpMax * 2, caps.totalMax * 2, undefined, guard.ipv6CapPrefix);
  io.engine.on('connection', (transport: EngineSocket) => {
    countWebSocketClose(transport, guard.closes);
    const lease = limiter.tryAcquire(clientIp(transport.request, guard.isTrusted));
    if ('refused' in lease) return transport.close();
    transport.once('close', lease.release);
  });
}

/** Counts the close code of the Engine.IO socket's WebSocket transport, now or once it upgrades to one. */
function countWebSocketClose(socket: EngineSocket, closes: CloseTally): void {
  const watch = (transport: EngineSocket['transport']) => {
    if (transport?.socket) onCloseCode(transport.socket as unknown as WebSocket, (code) => closes.count(code));
  };
  if (socket.transport?.name === 'websocket') watch(socket.transport);
  else socket.once('upgrade', watch);
}
