import { createServer as createHttpServer, IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ListenerAddress, ListenerSettings } from './listener-settings.js';
import { AcceptGuard, type AcceptGuardCounts } from './accept-guard.js';
import { createIpMatcher } from './client-ip.js';
import type { ConnectionRateGate } from './connection-rate.js';
import { CloseTally, tagSocket } from './close-tally.js';
import { rejectUpgrade } from './http-reply.js';

export interface HttpListenerOptions {
  readonly name: string;
  readonly port: number;
  readonly settings: ListenerSettings;
  readonly onRequest?: (req: IncomingMessage, res: ServerResponse) => void;
  readonly onUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Peers exempt from the accept-time per-IP count besides trusted proxies (relay's concurrent-limit allow-list). */
  readonly acceptExempt?: (ip: string) => boolean;
  /**
   * The node's new-connection rate (issue 15 item 7), asked before `onUpgrade` sees an upgrade.
   * Over it: HTTP 503 with `Retry-After` and `rateLimitedBody` (default `{"error":"rate_limited"}`),
   * before any dialect work (auth, caps, replay). Engine.IO listeners ask it at the handshake instead.
   */
  readonly connectionRate?: ConnectionRateGate;
  /** The dialect's own refusal body for the 503 (JSON for an object, `text/plain` for a string). */
  readonly rateLimitedBody?: unknown;
}

export interface HttpListener {
  readonly server: Server;
  listen(): Promise<ListenerAddress>;
  /** Stops accepting; destroys whatever HTTP connections remain after `deadlineMs`. Upgraded sockets belong to their sessions. */
  close(deadlineMs: number): Promise<void>;
  /** Connections closed at accept by the per-IP count, and handshakes cut by the deadline. */
  acceptCounts(): AcceptGuardCounts;
  /** Open connections counted for `ip` on this listener (its /64 for IPv6). */
  acceptedFrom(ip: string): number;
  /** Refused upgrades (HTTP status) and WebSocket closes (close code) since start, by code (close-tally.ts). */
  closes(): Record<string, number>;
}

/**
 * One HTTP(S) listener with the protective defaults every dialect shares: a handshake deadline
 * from the TCP accept (TLS handshake and first request head within `handshakeTimeoutMs`, the
 * slowloris guard), a per-address connection count from accept (`acceptPerIpMax`), TLS from one
 * setting, and a 404 for requests nobody handles.
 */
export function createHttpListener(options: HttpListenerOptions): HttpListener {
  const { settings } = options;
  const onRequest =
    options.onRequest ??
    ((_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
    });
  // Node checks these deadlines on an interval (30 s by default); check often enough that the
  // handshake deadline is kept to within a quarter of itself.
  const timeouts = {
    headersTimeout: settings.handshakeTimeoutMs,
    requestTimeout: settings.handshakeTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(settings.handshakeTimeoutMs / 4))),
  };
  const isTrustedProxy = createIpMatcher(settings.trustedProxies);
  const guard = new AcceptGuard({
    deadlineMs: settings.handshakeTimeoutMs,
    perIpMax: settings.acceptPerIpMax ?? 512,
    ipv6PrefixLength: settings.ipv6CapPrefix ?? 64,
    isExempt: (ip) => isTrustedProxy(ip) || (options.acceptExempt?.(ip) ?? false),
    plaintext: !settings.tls,
  });
  // Node builds one of these when a request head is complete, for requests and upgrades alike, and
  // whoever handles the request (Engine.IO takes over 'request' on spectra's listeners): the one
  // place that sees every head.
  class HeadedMessage extends IncomingMessage {
    constructor(socket: Socket) {
      super(socket);
      guard.headArrived(socket);
    }
  }
  const serverOptions = { ...timeouts, IncomingMessage: HeadedMessage };
  const server: Server = settings.tls
    ? (createHttpsServer({ cert: settings.tls.cert, key: settings.tls.key, ...serverOptions }, onRequest) as unknown as Server)
    : createHttpServer(serverOptions, onRequest);
  server.keepAliveTimeout = 5_000;
  const closes = new CloseTally();
  if (options.onUpgrade) {
    const onUpgrade = rateLimited(options.onUpgrade, options.connectionRate, options.rateLimitedBody);
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      tagSocket(socket, closes);
      onUpgrade(req, socket, head);
    });
  }
  else server.on('upgrade', (_req, socket: Duplex) => socket.destroy());
  // A malformed request gets a 400 from Node; make sure it never throws past the listener.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    else socket.destroy();
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    guard.admit(socket);
    if (socket.destroyed) return;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  return {
    server,
    closes: () => closes.snapshot(),
    acceptCounts: () => guard.counts(),
    acceptedFrom: (ip) => guard.countFor(ip),
    listen() {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        // A burst of connects (a stadium's viewers after a goal; bench S4) must not overflow the accept
        // queue: a dropped SYN is retried by the client only after 1 s [RFC 6298 §2.1]. Node's default is 511.
        server.listen({ port: options.port, host: settings.host, backlog: settings.listenBacklog ?? 4096 }, () => {
          server.off('error', reject);
          const address = server.address();
          resolve({ name: options.name, port: typeof address === 'object' && address ? address.port : options.port });
        });
      });
    },
    close(deadlineMs) {
      return new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeIdleConnections();
        const timer = setTimeout(() => {
          for (const socket of sockets) socket.destroy();
        }, deadlineMs);
        timer.unref();
      });
    },
  };
}

/**
 * Wraps an upgrade handler with the new-connection rate: a refused upgrade gets 503 with
 * `Retry-After` [RFC 9110 §15.6.4, §10.2.3] before the handshake, which every dialect's clients
 * retry (a browser sees close 1006, wasClean false: nova's client reconnects on exactly that).
 */
function rateLimited(
  onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void,
  gate: ConnectionRateGate | undefined,
  body: unknown = { error: 'rate_limited' },
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  if (!gate) return onUpgrade;
  return (req, socket, head) => {
    const verdict = gate.tryAdmit();
    if (verdict.admitted) return onUpgrade(req, socket, head);
    // Node has removed its own error listener from an upgrade socket: a peer that resets while the
    // 503 is written must not raise an unhandled 'error' (a failure closes only that connection).
    socket.on('error', refusedSocketOnError);
    rejectUpgrade(socket, 503, body, { 'Retry-After': String(verdict.retryAfterSeconds) });
  };
}

/** A refused peer's reset or broken pipe: the socket is being closed anyway. */
function refusedSocketOnError(): void {}
