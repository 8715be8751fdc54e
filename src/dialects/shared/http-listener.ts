import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ListenerAddress, ListenerSettings } from '../types.js';

export interface HttpListenerOptions {
  readonly name: string;
  readonly port: number;
  readonly settings: ListenerSettings;
  readonly onRequest?: (req: IncomingMessage, res: ServerResponse) => void;
  readonly onUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

export interface HttpListener {
  readonly server: Server;
  listen(): Promise<ListenerAddress>;
  /** Stops accepting; destroys whatever HTTP connections remain after `deadlineMs`. Upgraded sockets belong to their sessions. */
  close(deadlineMs: number): Promise<void>;
}

/**
 * One HTTP(S) listener with the protective defaults every dialect shares: a handshake deadline
 * (headers and request within `handshakeTimeoutMs`, the slowloris guard), TLS from one setting,
 * and a 404 for requests nobody handles.
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
  const server: Server = settings.tls
    ? (createHttpsServer({ cert: settings.tls.cert, key: settings.tls.key, ...timeouts }, onRequest) as unknown as Server)
    : createHttpServer(timeouts, onRequest);
  server.keepAliveTimeout = 5_000;
  if (options.onUpgrade) server.on('upgrade', options.onUpgrade);
  else server.on('upgrade', (_req, socket: Duplex) => socket.destroy());
  // A malformed request gets a 400 from Node; make sure it never throws past the listener.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    else socket.destroy();
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  return {
    server,
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
