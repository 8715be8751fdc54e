/**
 * The match dialect (seed 000, protocol-notes §1): renderers connect to `/v1/match/<match_id>`
 * and get hello → MatchInit → sticky events → ring replay → live tail; producers feed matches
 * over `/v1/ingest` (or the server dials out to them). Listener wiring only: the wire format is
 * in codec.ts, renderers in renderers.ts (one connection in session.ts), producers in
 * ingest-endpoint.ts / ingest.ts, the publish path in publish.ts, the HTTP routes in
 * admin-routes.ts / http-state.ts, the spec in spec.ts. The contract is PROTOCOL.md.
 */
import type { Config } from '../../config/index.js';
import type { CloseReason } from '../../core/index.js';
import { createHttpListener, type HttpListener } from '../../net/http-listener.js';
import type { Dialect, DialectContext, DialectStats, ListenerAddress } from '../types.js';
import { localCoordination } from '../../coordination/local.js';
import type { CoordinationPorts } from '../../coordination/ports.js';
import { matchRoutes, serveRoutes, type RouteHandler } from './admin-routes.js';
import * as codec from './codec.js';
import { IngestEndpoint } from './ingest-endpoint.js';
import { MatchRegistry } from './match-registry.js';
import { matchHttpState } from './http-state.js';
import { MatchPublisher, type MatchPublished, type MatchPublishOptions } from './publish.js';
import { MatchRenderers } from './renderers.js';
import { matchUpgradeHandler } from './upgrade-routes.js';

export type MatchOptions = Config['match'];

export type { MatchPublishOptions, MatchPublished } from './publish.js';
export { CAPS_LIMITER } from './renderers.js';

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

class WsMatchDialect implements MatchDialect {
  readonly name = 'match';
  readonly routes: Map<string, RouteHandler>;
  readonly #ctx: DialectContext;
  readonly #o: MatchOptions;
  readonly #publisher: MatchPublisher;
  readonly #renderers: MatchRenderers;
  readonly #ingest: IngestEndpoint;
  #listener: HttpListener | null = null;

  constructor(ctx: DialectContext, options: MatchOptions, ports: CoordinationPorts) {
    this.#ctx = ctx;
    this.#o = options;
    const registry = new MatchRegistry(ctx.clock, options.idleTtlMs, (id) => ctx.hub.subscriberCount(codec.matchChannel(id)));
    this.#publisher = new MatchPublisher(ctx.hub, options, registry);
    this.#renderers = new MatchRenderers(ctx, options, ports, { registry, otherConnections: () => this.#ingest.connections });
    this.#ingest = new IngestEndpoint({
      settings: options.ingest,
      clock: ctx.clock,
      log: ctx.log,
      handshakeTimeoutMs: ctx.listener.handshakeTimeoutMs,
      jsonBounds: ctx.listener.jsonBounds,
      publish: (matchId, message, idempotencyKey) => this.#publisher.publishValid(matchId, message, idempotencyKey),
      onGone: () => this.#renderers.checkIdle(),
    });
    const sources = { hub: ctx.hub, clock: ctx.clock, options, startedAt: ctx.clock.now(), registry, ingest: this.#ingest };
    this.routes = matchRoutes(matchHttpState({ ...sources, renderers: () => this.#renderers.size, stats: () => this.stats() }));
  }

  async listen(): Promise<ListenerAddress[]> {
    this.#listener = createHttpListener({
      name: 'ws',
      port: this.#o.port,
      settings: this.#ctx.listener,
      onRequest: (req, res) => serveRoutes(this.routes, req, res),
      onUpgrade: matchUpgradeHandler(this.#renderers, this.#ingest),
      // Issue 15 item 7: 503 `{"error":"rate_limited"}` + Retry-After; spec-client retries any failure with backoff.
      connectionRate: this.#ctx.listener.connectionRate,
    });
    const address = await this.#listener.listen();
    this.#ingest.start();
    return [address];
  }

  publish(matchId: string, message: object, options: MatchPublishOptions = {}): Promise<MatchPublished> {
    return this.#publisher.publish(matchId, message, options);
  }

  stats(): DialectStats {
    return {
      connections: this.#renderers.size,
      ingestConnections: this.#ingest.connections,
      producers: this.#ingest.producers.length,
      producersUp: this.#ingest.producers.filter((p) => p.connected).length,
      framesDropped: this.#renderers.framesDropped(),
      refusedPerIp: this.#renderers.refused.per_ip,
      refusedTotal: this.#renderers.refused.total,
      closes: this.#listener?.closes() ?? {},
    };
  }

  async close(reason: CloseReason, deadlineMs: number, drainWindowMs = 0): Promise<void> {
    this.#renderers.stopAccepting();
    // Issue 14: renderers end one by one over the window, each after its queue is written. The
    // spec-client reconnects on any close (tournamental packages/spec-client ws.ts), so the close
    // frame stays: 1001 tells it why. Producers go last, so the renderers still here stay live.
    const listenerClosed = this.#listener?.close(deadlineMs);
    await this.#renderers.drain(reason, deadlineMs, drainWindowMs, () => this.#ingest.close());
    await listenerClosed;
    this.#ingest.close();
    // Past the deadline, whatever is left goes without a close handshake.
    this.#renderers.terminate();
    this.#ingest.terminate();
    this.#renderers.closeServer();
  }
}

/** Builds the match dialect; bad options (e.g. a malformed trusted proxy) throw here, at construction. */
export function createMatchDialect(ctx: DialectContext, options: MatchOptions, ports: CoordinationPorts = localCoordination()): MatchDialect {
  return new WsMatchDialect(ctx, options, ports);
}
