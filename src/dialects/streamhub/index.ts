/**
 * StreamHub's own protocol (issue 18, PROTOCOL.md): any hub channel by its hub name, with
 * positions, exact resume, history, publish into `streamhub:` channels, presence, over WebSocket
 * (`/v1/ws`) and Server-Sent Events (`/v1/sse`) on one listener (port 4005).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { CloseReason, RetentionPolicy } from '../../core/index.js';
import { localCoordination } from '../../coordination/local.js';
import type { CoordinationPorts } from '../../coordination/ports.js';
import { clientIp, createIpMatcher } from '../../net/client-ip.js';
import { destroyOnError } from '../../net/destroy-on-error.js';
import { createHttpListener } from '../../net/http-listener.js';
import { bearerToken, rejectUpgrade, sendJson } from '../../net/http-reply.js';
import { drainWithDeadline, queueLimitsFrom, Repeat } from '../shared/lifecycle/index.js';
import type { Dialect, DialectContext, DialectStats, ListenerAddress } from '../types.js';
import { TokenVerifier, type Identity } from './auth.js';
import { StreamhubClose } from './codec.js';
import type { SessionHost } from './commands.js';
import type { StreamhubOptions } from './config.js';
import { PresenceRegistry } from './presence.js';
import { StreamhubSession } from './session.js';
import { createOriginPolicy, preflightHeaders } from './origins.js';
import { authorizeSse, parseSseRequest, SseStream } from './sse.js';
import { acceptWebSocket } from '../shared/ws-upgrade.js';

export type { StreamhubOptions };
export type StreamhubDialect = Dialect;

const WS_PATHS = new Set(['/v1/ws', '/ws']);

/** Path and query of a request target; never throws (`new URL` does on targets such as `//[`). */
interface Target {
  readonly pathname: string;
  readonly searchParams: URLSearchParams;
}

function requestTarget(req: IncomingMessage): Target {
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  return { pathname: q < 0 ? raw : raw.slice(0, q), searchParams: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}
const SSE_PATHS = new Set(['/v1/sse', '/sse']);

/** Builds the dialect; nothing listens until `listen()`. */
export function createStreamhubDialect(ctx: DialectContext, options: StreamhubOptions, ports: CoordinationPorts = localCoordination()): StreamhubDialect {
  const log = ctx.log.child({ mod: 'dialect.streamhub' });
  const sessions = new Set<StreamhubSession>();
  const streams = new Set<SseStream>();
  const slots = ports.limiter('streamhub', {
    perIpMax: options.perIpMax,
    totalMax: options.totalMax,
    ...(ctx.listener.ipv6CapPrefix !== undefined ? { ipv6CapPrefix: ctx.listener.ipv6CapPrefix } : {}),
  });
  const isTrustedProxy = createIpMatcher(ctx.listener.trustedProxies);
  const verifier = new TokenVerifier(options.auth, ctx.clock);
  const origins = createOriginPolicy(options.allowedOrigins);
  const retention: RetentionPolicy = { ...options.retention };
  let closing = false;
  /** Refusals (HTTP status) and closes (close code) since start, for the operator's metrics. */
  const closes: Record<string, number> = {};
  const countClose = (code: number) => {
    closes[code] = (closes[code] ?? 0) + 1;
  };
  const refuseUpgrade = (socket: Duplex, status: number, error: string) => {
    countClose(status);
    rejectUpgrade(socket, status, { error });
  };
  const refuseRequest = (res: ServerResponse, status: number, error: string) => {
    countClose(status);
    sendJson(res, status, { error });
  };

  const host: SessionHost = {
    hub: ctx.hub,
    log,
    clock: ctx.clock,
    settings: options,
    // PROTOCOL.md §15: a client that does not read is disconnected 4001 and resumes from history.
    queue: queueLimitsFrom(
      { maxMessages: options.queue.maxMessages, maxBytes: options.queue.maxBytes, overflow: 'close', stallTimeoutMs: 0 },
      { overflowClose: StreamhubClose.slowClient, maxPendingDuringReplay: options.maxPendingDuringReplay },
    ),
    jsonBounds: ctx.listener.jsonBounds,
    verifier,
    // Two table names: a name serves one kind of port (ports.ts), and both use node-scoped keys.
    presence: new PresenceRegistry(options.presence, ports.counters('streamhub.presence'), ports.members('streamhub.members'), ports.counters('streamhub.presence.users')),
    publish: (channel, payload, kind, idempotencyKey) =>
      ctx.hub.publish(channel, payload, { kind, retention, ...(idempotencyKey !== undefined ? { idempotencyKey } : {}) }),
    countClose,
    ended(connection) {
      sessions.delete(connection as StreamhubSession);
    },
  };

  // UTF-8 is checked by the codec (a fatal decoder → 4501, PROTOCOL.md §15 "not JSON"), not by `ws`,
  // which would fail the connection with 1007 first.
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes, perMessageDeflate: false, clientTracking: false, skipUTF8Validation: true });

  /** The token of the HTTP request (query `token` or `Authorization: Bearer`), verified; null when none was given. */
  async function requestIdentity(req: IncomingMessage, url: Target): Promise<Identity | null | 'refused'> {
    const token = url.searchParams.get('token') ?? bearerToken(req);
    if (!token) return null;
    const result = await verifier.verify(token);
    return result.ok ? result.identity : 'refused';
  }

  function acquire(req: IncomingMessage): { release: () => void } | { refused: 'per_ip' | 'total' } {
    return slots.tryAcquire(clientIp(req, isTrustedProxy));
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', destroyOnError);
    const url = requestTarget(req);
    if (!WS_PATHS.has(url.pathname)) return refuseUpgrade(socket, 404, 'not_found');
    // RFC 6455 §10.2: a page of an origin not listed is refused before the upgrade.
    if (!origins.allows(req)) return refuseUpgrade(socket, 403, 'origin_not_allowed');
    if (closing) return refuseUpgrade(socket, 503, 'shutting_down');
    const lease = acquire(req);
    if ('refused' in lease) return refuseUpgrade(socket, lease.refused === 'per_ip' ? 429 : 503, lease.refused);
    requestIdentity(req, url).then(
      (identity) => {
        if (identity === 'refused') {
          lease.release();
          return refuseUpgrade(socket, 401, 'unauthorized');
        }
        if (socket.destroyed) return lease.release();
        acceptWebSocket(wss, req, socket, head, (ws: WebSocket) => {
          const session = new StreamhubSession(host, ws, ctx.ids.next(), identity);
          sessions.add(session);
          ws.once('close', lease.release);
          if (closing) session.close(StreamhubClose.shuttingDown);
        });
      },
      () => {
        lease.release();
        refuseUpgrade(socket, 500, 'internal');
      },
    );
  }

  async function onSse(req: IncomingMessage, res: ServerResponse, url: Target): Promise<void> {
    if (!origins.allows(req)) return refuseRequest(res, 403, 'origin_not_allowed');
    // Every answer to an allowed page carries its CORS headers, so the page can read refusals too.
    const cors = origins.corsHeaders(req);
    for (const [name, value] of Object.entries(cors)) res.setHeader(name, value);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, preflightHeaders(cors));
      res.end();
      return;
    }
    if (req.method !== 'GET') return refuseRequest(res, 405, 'method_not_allowed');
    if (closing) return refuseRequest(res, 503, 'shutting_down');
    // An SSE stream is a new connection like an upgrade: the node's connection rate applies (issue 15 item 7).
    const verdict = ctx.listener.connectionRate?.tryAdmit();
    if (verdict && !verdict.admitted) {
      countClose(503);
      return sendJson(res, 503, { error: 'rate_limited' }, { 'retry-after': String(verdict.retryAfterSeconds) });
    }
    const lastEventId = req.headers['last-event-id'];
    const request = parseSseRequest(url, typeof lastEventId === 'string' ? lastEventId : undefined, options.sse.maxChannels, options.maxChannelNameBytes);
    if ('error' in request) return refuseRequest(res, 400, request.error);
    const given = await requestIdentity(req, url);
    const identity = given === null ? verifier.anonymous() : given;
    if (identity === null || identity === 'refused') return refuseRequest(res, 401, 'unauthorized');
    if (!authorizeSse(identity, request)) return refuseRequest(res, 403, 'permission_denied');
    const lease = acquire(req);
    if ('refused' in lease) return refuseRequest(res, lease.refused === 'per_ip' ? 429 : 503, lease.refused);
    if (res.destroyed) return lease.release();
    const stream = new SseStream(host, req, res, ctx.ids.next(), identity, request);
    streams.add(stream);
    stream.onEnded(() => {
      streams.delete(stream);
      lease.release();
    });
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = requestTarget(req);
    if (url.pathname === '/healthz') return sendJson(res, 200, { ok: true });
    if (SSE_PATHS.has(url.pathname)) {
      onSse(req, res, url).catch((err: unknown) => {
        log.warn({ err: (err as Error).message }, 'streamhub sse failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal' });
        else res.end();
      });
      return;
    }
    sendJson(res, 404, { error: 'not_found' });
  }

  const listener = createHttpListener({ name: 'ws', port: options.port, settings: ctx.listener, onRequest, onUpgrade, connectionRate: ctx.listener.connectionRate });
  const pings = new Repeat(ctx.clock, options.pingIntervalMs, () => {
    for (const session of sessions) session.keepalive();
  });

  return {
    name: 'streamhub',
    async listen(): Promise<ListenerAddress[]> {
      const address = await listener.listen();
      pings.start();
      log.info({ port: address.port }, 'streamhub listening');
      return [address];
    },
    stats(): DialectStats {
      let subscriptions = 0;
      for (const s of sessions) subscriptions += s.subscriptions.size;
      for (const s of streams) subscriptions += s.subscriptions;
      return { connections: sessions.size + streams.size, websocket: sessions.size, sse: streams.size, subscriptions, closes: { ...closes } };
    },
    async close(reason: CloseReason, deadlineMs: number, drainWindowMs = 0): Promise<void> {
      closing = true;
      pings.stop();
      const open = [...sessions];
      const listenerClosed = listener.close(deadlineMs);
      for (const stream of [...streams]) stream.end();
      await drainWithDeadline({
        items: open,
        end: (s, flushLimitMs) => s.drainAndShutdown(flushLimitMs, reason),
        clock: ctx.clock,
        deadlineMs,
        drainWindowMs,
        settled: () => Promise.all(open.map((s) => new Promise<void>((done) => s.onEnded(done)))),
      });
      for (const session of sessions) session.terminate();
      await listenerClosed;
      wss.close();
    },
  };
}
