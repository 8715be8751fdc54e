/**
 * The match dialect (seed 000, protocol-notes §1): renderers connect to `/v1/match/<match_id>`
 * and get hello → MatchInit → sticky events → ring replay → live tail; producers feed matches
 * over `/v1/ingest` (or the server dials out to them). Listener wiring only: the wire format is
 * in codec.ts, one renderer connection in session.ts, producers in ingest-endpoint.ts / ingest.ts,
 * the HTTP routes in admin-routes.ts, the spec in spec.ts. The contract is PROTOCOL.md.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config } from '../../config/index.js';
import { isIdempotencyKey, type CloseReason, type QueueLimits, type RetentionPolicy } from '../../core/index.js';
import { StreamHubError } from '../../errors.js';
import { clientIp, createIpMatcher } from '../shared/client-ip.js';
import { ConnectionLimiter, type CapExceeded } from '../shared/connection-limiter.js';
import { spreadDrain } from '../shared/drain.js';
import { createHttpListener, type HttpListener } from '../shared/http-listener.js';
import { rejectUpgrade } from '../shared/http-reply.js';
import type { Dialect, DialectContext, DialectStats, ListenerAddress } from '../types.js';
import { matchRoutes, serveRoutes, type MatchHttpState, type RouteHandler } from './admin-routes.js';
import * as codec from './codec.js';
import { IngestEndpoint } from './ingest-endpoint.js';
import { MatchRegistry } from './match-registry.js';
import { MatchSession } from './session.js';
import { parseSpecMessage, type SpecMessage } from './spec.js';

export type MatchOptions = Config['match'];

/** Per-publish options (issue 15 item 3). */
export interface MatchPublishOptions {
  /** The producer's id of the message: a repeat inside the broker's window is not published again. */
  readonly idempotencyKey?: string;
}

/** Where a message was published (for a repeated idempotency key: where the original was). */
export interface MatchPublished {
  readonly offset: number;
  readonly epoch: string;
  readonly duplicate?: boolean;
}

/** The match dialect, plus the publish path producers and control planes use. */
export interface MatchDialect extends Dialect {
  /**
   * Validates `message` as spec 0.1.1 and publishes it to match `matchId` (MatchInit as the
   * snapshot, sticky events pinned, the rest to the ring, windowed on `t`). Rejects with
   * StreamHubError('ERR_INVALID_MESSAGE') on invalid input; nothing is published then.
   */
  publish(matchId: string, message: object, options?: MatchPublishOptions): Promise<MatchPublished>;
  /** The HTTP routes of the match listener, by path; add or replace entries (e.g. a viewer page at `/`). */
  readonly routes: Map<string, RouteHandler>;
}

function socketOnError(): void {
  // A client that resets mid-handshake must not take the process down; the socket is simply gone.
}

/** The subscriber caps, as `ConnectionLimiter` has them; a cluster-wide one has the same shape. */
export interface MatchLimiter {
  tryAcquire(ip: string): { release: () => void } | { refused: CapExceeded };
}

/** Replaceable parts (issue #7). */
export interface MatchDeps {
  /** Default: this node's own `ConnectionLimiter(perIpMax, totalMax)`. */
  readonly limiter?: MatchLimiter;
}

class WsMatchDialect implements MatchDialect {
  readonly name = 'match';
  readonly routes: Map<string, RouteHandler>;
  readonly #ctx: DialectContext;
  readonly #o: MatchOptions;
  readonly #retention: RetentionPolicy;
  readonly #queue: QueueLimits;
  readonly #limiter: MatchLimiter;
  readonly #isTrustedProxy: (ip: string) => boolean;
  readonly #clients: WebSocketServer;
  readonly #sessions = new Set<MatchSession>();
  readonly #ingest: IngestEndpoint;
  readonly #registry: MatchRegistry;
  readonly #startedAt: number;
  readonly #idleWaiters = new Set<() => void>();
  #listener: HttpListener | null = null;
  #closing = false;
  #refused = { per_ip: 0, total: 0 };
  /** Frames dropped for clients that are gone (the live ones are summed in stats()). */
  #droppedGone = 0;

  constructor(ctx: DialectContext, options: MatchOptions, deps: MatchDeps = {}) {
    this.#ctx = ctx;
    this.#o = options;
    this.#startedAt = ctx.clock.now();
    // seed 000: ring_size 1024 and replay_window_ms 60 s, windowed on match time `t` (notes §1.2).
    this.#retention = {
      maxMessages: options.ringSize,
      maxBytes: options.ringMaxBytes,
      maxAgeMs: options.replayWindowMs,
      maxPinned: options.maxStickyEvents,
      idleTtlMs: options.idleTtlMs,
    };
    this.#queue = {
      maxMessages: options.queue.maxMessages,
      maxBytes: options.queue.maxBytes,
      overflow: options.queue.overflow,
      overflowClose: codec.MatchClose.overrun,
      stallTimeoutMs: options.queue.stallTimeoutMs,
      stallClose: codec.MatchClose.overrun,
      maxPendingDuringReplay: options.maxPendingDuringReplay,
    };
    // seed 000 states the caps per origin: a cluster passes a limiter counted across nodes (issue #7).
    this.#limiter = deps.limiter ?? new ConnectionLimiter(options.perIpMax, options.totalMax, undefined, ctx.listener.ipv6CapPrefix);
    this.#isTrustedProxy = createIpMatcher(ctx.listener.trustedProxies);
    this.#clients = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false, maxPayload: options.maxClientFrameBytes });
    this.#registry = new MatchRegistry(ctx.clock, options.idleTtlMs, (id) => ctx.hub.subscriberCount(codec.matchChannel(id)));
    this.#ingest = new IngestEndpoint({
      settings: options.ingest,
      clock: ctx.clock,
      log: ctx.log,
      handshakeTimeoutMs: ctx.listener.handshakeTimeoutMs,
      jsonBounds: ctx.listener.jsonBounds,
      publish: (matchId, message, idempotencyKey) => this.#publishValid(matchId, message, idempotencyKey),
      onGone: () => this.#checkIdle(),
    });
    this.routes = matchRoutes(this.#httpState());
  }

  async listen(): Promise<ListenerAddress[]> {
    this.#listener = createHttpListener({
      name: 'ws',
      port: this.#o.port,
      settings: this.#ctx.listener,
      onRequest: (req, res) => this.#onRequest(req, res),
      onUpgrade: (req, socket, head) => this.#onUpgrade(req, socket, head),
      // Issue 15 item 7: 503 `{"error":"rate_limited"}` + Retry-After; spec-client retries any failure with backoff.
      connectionRate: this.#ctx.listener.connectionRate,
    });
    const address = await this.#listener.listen();
    this.#ingest.start();
    return [address];
  }

  async publish(matchId: string, message: object, options: MatchPublishOptions = {}): Promise<MatchPublished> {
    if (!codec.isMatchId(matchId)) throw new StreamHubError('ERR_INVALID_MESSAGE', `invalid match id ${JSON.stringify(matchId.slice(0, 64))}`);
    const parsed = parseSpecMessage(message);
    if (!parsed.ok) throw new StreamHubError('ERR_INVALID_MESSAGE', parsed.error);
    if (parsed.message.type === 'match.init' && parsed.message.match_id !== matchId) {
      throw new StreamHubError('ERR_INVALID_MESSAGE', `match_id: ${parsed.message.match_id} is not ${matchId}`);
    }
    if (options.idempotencyKey !== undefined && !isIdempotencyKey(options.idempotencyKey)) {
      throw new StreamHubError('ERR_INVALID_MESSAGE', 'idempotency key: expected 1-128 printable ASCII characters');
    }
    return this.#publishValid(matchId, parsed.message, options.idempotencyKey);
  }

  stats(): DialectStats {
    let dropped = this.#droppedGone;
    for (const s of this.#sessions) dropped += s.droppedMessages;
    return {
      connections: this.#sessions.size,
      ingestConnections: this.#ingest.connections,
      producers: this.#ingest.producers.length,
      producersUp: this.#ingest.producers.filter((p) => p.connected).length,
      framesDropped: dropped,
      refusedPerIp: this.#refused.per_ip,
      refusedTotal: this.#refused.total,
    };
  }

  async close(reason: CloseReason, deadlineMs: number, drainWindowMs = 0): Promise<void> {
    this.#closing = true;
    // Issue 14: renderers end one by one over the window, each after its queue is written. The
    // spec-client reconnects on any close (tournamental packages/spec-client ws.ts), so the close
    // frame stays: 1001 tells it why. Producers go last, so the renderers still here stay live.
    const flushLimitMs = Math.max(0, deadlineMs - drainWindowMs);
    const drain = spreadDrain(this.#sessions, (s) => s.drainAndShutdown(reason, flushLimitMs), { windowMs: drainWindowMs, clock: this.#ctx.clock });
    void drain.done.then(() => this.#ingest.close());
    let timer: unknown = null;
    const deadline = new Promise<void>((resolve) => (timer = this.#ctx.clock.setTimeout(resolve, deadlineMs)));
    const idle = new Promise<void>((resolve) => this.#whenIdle(resolve));
    await Promise.all([this.#listener?.close(deadlineMs), Promise.race([idle, deadline])]);
    this.#ctx.clock.clearTimeout(timer);
    drain.endNow();
    this.#ingest.close();
    // Past the deadline, whatever is left goes without a close handshake.
    for (const session of this.#sessions) session.terminate();
    this.#ingest.terminate();
    this.#clients.close();
  }

  /** Publishes an already validated message: encoded once, the same bytes go to every subscriber. */
  async #publishValid(matchId: string, message: SpecMessage, idempotencyKey?: string): Promise<MatchPublished> {
    let payload: Uint8Array;
    try {
      payload = codec.encodeSpecMessage(message);
    } catch (cause) {
      // Unknown fields are forwarded as they are; one nested beyond the stack cannot be encoded.
      throw new StreamHubError('ERR_INVALID_MESSAGE', '(root): message cannot be encoded (nested too deeply)', { cause });
    }
    this.#registry.published(matchId);
    const msg = await this.#ctx.hub.publish(codec.matchChannel(matchId), payload, {
      kind: codec.kindOf(message, this.#o.stickyEvents),
      time: codec.timeOf(message),
      retention: this.#retention,
      ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
    });
    return msg.duplicate ? { offset: msg.offset, epoch: msg.epoch, duplicate: true } : { offset: msg.offset, epoch: msg.epoch };
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    serveRoutes(this.routes, req, res);
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', socketOnError);
    if (this.#closing) return rejectUpgrade(socket, 503, { error: 'shutting_down' });
    if (codec.pathOf(req.url) === codec.INGEST_PATH) return this.#ingest.handleUpgrade(req, socket, head);
    const matchId = codec.parseMatchPath(req.url);
    // notes §1.3: a path that fails the regex gets a raw 404 before the upgrade.
    if (matchId === null) return rejectUpgrade(socket, 404);
    this.#upgradeClient(req, socket, head, matchId).catch((err: unknown) => {
      this.#ctx.log.warn({ err: String(err) }, 'match upgrade failed');
      rejectUpgrade(socket, 503, { error: 'unavailable' });
    });
  }

  /** seed 000: "Unknown match IDs are rejected at the upgrade with HTTP 404" (no MatchInit retained). */
  async #upgradeClient(req: IncomingMessage, socket: Duplex, head: Buffer, matchId: string): Promise<void> {
    const history = await this.#ctx.hub.history(codec.matchChannel(matchId), { limit: 0 });
    if (socket.destroyed) return;
    if (!history.snapshot || this.#closing) return rejectUpgrade(socket, 404);
    this.#clients.handleUpgrade(req, socket, head, (ws) => this.#acceptClient(ws, req, matchId));
  }

  /** Caps are checked after the upgrade (notes §1.3): one x_error, then close 1013. */
  #acceptClient(ws: WebSocket, req: IncomingMessage, matchId: string): void {
    const lease = this.#limiter.tryAcquire(clientIp(req, this.#isTrustedProxy));
    if ('refused' in lease) {
      this.#refused[lease.refused] += 1;
      const close = lease.refused === 'per_ip' ? codec.MatchClose.perIp : codec.MatchClose.total;
      ws.on('error', socketOnError);
      ws.send(codec.encodeError(lease.refused));
      ws.close(close.code, close.reason);
      const timer = this.#ctx.clock.setTimeout(() => ws.terminate(), this.#o.closeTimeoutMs);
      ws.once('close', () => this.#ctx.clock.clearTimeout(timer));
      return;
    }
    const session = new MatchSession({
      id: this.#ctx.ids.next(),
      ws,
      hub: this.#ctx.hub,
      clock: this.#ctx.clock,
      hello: { matchId, serverTimeMs: 0, ringSize: this.#o.ringSize, replayWindowMs: this.#o.replayWindowMs },
      queue: this.#queue,
      highWaterMarkBytes: this.#o.queue.highWaterMarkBytes,
      keepaliveMs: this.#o.keepaliveMs,
      pingIntervalMs: this.#o.pingIntervalMs,
      closeTimeoutMs: this.#o.closeTimeoutMs,
      onSent: (id, frames) => this.#registry.sent(id, frames),
      onGone: (s) => {
        this.#sessions.delete(s);
        this.#droppedGone += s.droppedMessages;
        lease.release();
        this.#checkIdle();
      },
    });
    this.#sessions.add(session);
    session.start().catch((err: unknown) => {
      this.#ctx.log.warn({ err: String(err), matchId }, 'match session failed to start');
      session.shutdown({ code: 1011, reason: 'internal error' });
    });
  }

  #whenIdle(resolve: () => void): void {
    this.#idleWaiters.add(resolve);
    this.#checkIdle();
  }

  #checkIdle(): void {
    if (this.#sessions.size > 0 || this.#ingest.connections > 0) return;
    for (const resolve of this.#idleWaiters) resolve();
    this.#idleWaiters.clear();
  }

  #httpState(): MatchHttpState {
    const hub = this.#ctx.hub;
    return {
      adminToken: this.#o.adminToken,
      uptimeMs: () => this.#ctx.clock.now() - this.#startedAt,
      matches: () =>
        this.#registry.list().map((m) => ({
          match_id: m.matchId,
          subscribers: hub.subscriberCount(codec.matchChannel(m.matchId)),
          messages_sent: m.messagesSent,
          messages_published: m.messagesPublished,
        })),
      health: () => ({
        producers: this.#ingest.producers.length,
        producers_up: this.#ingest.producers.filter((p) => p.connected).length,
        subscribers: this.#sessions.size,
        ingest_connections: this.#ingest.connections,
        broker_ok: hub.broker.health().ok,
      }),
      statusExtras: () => ({
        subscribers: this.#sessions.size,
        producer_links: this.#ingest.producers.map((p) => ({ url: p.label, connected: p.connected })),
        ring_size: this.#o.ringSize,
        replay_window_ms: this.#o.replayWindowMs,
        limits: { per_ip: this.#o.perIpMax, total: this.#o.totalMax },
        ...this.stats(),
      }),
    };
  }
}

/** Builds the match dialect; bad options (e.g. a malformed trusted proxy) throw here, at construction. */
export function createMatchDialect(ctx: DialectContext, options: MatchOptions, deps: MatchDeps = {}): MatchDialect {
  return new WsMatchDialect(ctx, options, deps);
}
