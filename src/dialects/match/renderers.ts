/**
 * Match's renderer connections on `/v1/match/<match_id>` (seed 000; PROTOCOL.md): the upgrade of a
 * known match, the caps checked after it (notes §1.3), one `MatchSession` each, and their end at
 * shutdown (issue 14).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config } from '../../config/index.js';
import type { CloseReason } from '../../core/index.js';
import type { ConnectionSlots, CoordinationPorts } from '../../coordination/ports.js';
import { clientIp, createIpMatcher } from '../../net/client-ip.js';
import { rejectUpgrade } from '../../net/http-reply.js';
import { closeWithGrace, drainWithDeadline, queueLimitsFrom } from '../shared/lifecycle/index.js';
import { acceptWebSocket } from '../shared/ws-upgrade.js';
import type { DialectContext } from '../types.js';
import * as codec from './codec.js';
import type { MatchRegistry } from './match-registry.js';
import { MatchSession, type MatchSessionHost } from './session.js';

/** The limiter match asks the coordination ports for (Redis keys `<prefix>caps:match:…`, docs/cluster.md). */
export const CAPS_LIMITER = 'match';

export function socketOnError(): void {
  // A client that resets mid-handshake must not take the process down; the socket is simply gone.
}

export interface MatchRenderersDeps {
  readonly registry: MatchRegistry;
  /** Connections besides the renderers that shutdown waits for (the producers on `/v1/ingest`). */
  readonly otherConnections: () => number;
}

export class MatchRenderers {
  readonly #ctx: DialectContext;
  readonly #o: Config['match'];
  readonly #deps: MatchRenderersDeps;
  /** Shared by every renderer session (one object, not one per connection). */
  readonly #sessionHost: MatchSessionHost;
  readonly #limiter: ConnectionSlots;
  readonly #isTrustedProxy: (ip: string) => boolean;
  readonly #clients: WebSocketServer;
  readonly #sessions = new Set<MatchSession>();
  readonly #idleWaiters = new Set<() => void>();
  #closing = false;
  readonly refused = { per_ip: 0, total: 0 };
  /** Frames dropped for clients that are gone (the live ones are summed in framesDropped()). */
  #droppedGone = 0;

  constructor(ctx: DialectContext, options: Config['match'], ports: CoordinationPorts, deps: MatchRenderersDeps) {
    this.#ctx = ctx;
    this.#o = options;
    this.#deps = deps;
    this.#sessionHost = {
      hub: ctx.hub,
      clock: ctx.clock,
      queue: queueLimitsFrom(options.queue, { overflowClose: codec.MatchClose.overrun, maxPendingDuringReplay: options.maxPendingDuringReplay }),
      ringSize: options.ringSize,
      replayWindowMs: options.replayWindowMs,
      highWaterMarkBytes: options.queue.highWaterMarkBytes,
      keepaliveMs: options.keepaliveMs,
      pingIntervalMs: options.pingIntervalMs,
      closeTimeoutMs: options.closeTimeoutMs,
      onSent: (id, frames) => deps.registry.sent(id, frames),
      onGone: (s) => {
        this.#sessions.delete(s);
        this.#droppedGone += s.droppedMessages;
        s.release();
        this.checkIdle();
      },
    };
    // seed 000 states the caps per origin: a cluster's ports count them across nodes (issue #7).
    this.#limiter = ports.limiter(CAPS_LIMITER, { perIpMax: options.perIpMax, totalMax: options.totalMax, ipv6CapPrefix: ctx.listener.ipv6CapPrefix });
    this.#isTrustedProxy = createIpMatcher(ctx.listener.trustedProxies);
    this.#clients = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false, maxPayload: options.maxClientFrameBytes });
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** True once shutdown began: upgrades are refused. */
  get closing(): boolean {
    return this.#closing;
  }

  /** Frames dropped for slow renderers, gone or still here. */
  framesDropped(): number {
    let dropped = this.#droppedGone;
    for (const s of this.#sessions) dropped += s.droppedMessages;
    return dropped;
  }

  /** Upgrades a renderer of `matchId`; a failed history lookup is a 503. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, matchId: string): void {
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
    acceptWebSocket(this.#clients, req, socket, head, (ws) => this.#acceptClient(ws, req, matchId));
  }

  /** Caps are checked after the upgrade (notes §1.3): one x_error, then close 1013. */
  #acceptClient(ws: WebSocket, req: IncomingMessage, matchId: string): void {
    const lease = this.#limiter.tryAcquire(clientIp(req, this.#isTrustedProxy));
    if ('refused' in lease) {
      this.refused[lease.refused] += 1;
      const close = lease.refused === 'per_ip' ? codec.MatchClose.perIp : codec.MatchClose.total;
      ws.on('error', socketOnError);
      ws.send(codec.encodeError(lease.refused));
      closeWithGrace(ws, close, { clock: this.#ctx.clock, ms: this.#o.closeTimeoutMs });
      return;
    }
    const session = new MatchSession(this.#sessionHost, ws, this.#ctx.ids.next(), matchId, lease.release);
    this.#sessions.add(session);
    session.start().catch((err: unknown) => {
      this.#ctx.log.warn({ err: String(err), matchId }, 'match session failed to start');
      session.shutdown({ code: 1011, reason: 'internal error' });
    });
  }

  /** Resolves the shutdown's wait once no renderer and no other connection is left. */
  checkIdle(): void {
    if (this.#sessions.size > 0 || this.#deps.otherConnections() > 0) return;
    for (const resolve of this.#idleWaiters) resolve();
    this.#idleWaiters.clear();
  }

  /** Shutdown began: every upgrade is refused from now on. */
  stopAccepting(): void {
    this.#closing = true;
  }

  /**
   * Ends the renderers one by one over the window, each after its queue is written; resolves when
   * no connection is left or at the deadline. `afterRenderers` runs once every renderer was told.
   */
  async drain(reason: CloseReason, deadlineMs: number, drainWindowMs: number, afterRenderers: () => void): Promise<void> {
    await drainWithDeadline({
      items: this.#sessions,
      end: (s, flushLimitMs) => s.drainAndShutdown(reason, flushLimitMs),
      clock: this.#ctx.clock,
      deadlineMs,
      drainWindowMs,
      settled: (drain) => {
        void drain.done.then(afterRenderers);
        return new Promise<void>((resolve) => {
          this.#idleWaiters.add(resolve);
          this.checkIdle();
        });
      },
    });
  }

  /** Past the deadline, whatever is left goes without a close handshake. */
  terminate(): void {
    for (const session of this.#sessions) session.terminate();
  }

  /** Frees the WebSocket server, after the listener has closed. */
  closeServer(): void {
    this.#clients.close();
  }
}
