/** What the match listener's HTTP routes report (admin-routes.ts: `/healthz`, `/admin/status`; PROTOCOL.md §2). */
import type { Config } from '../../config/index.js';
import type { Clock, Hub } from '../../core/index.js';
import type { DialectStats } from '../types.js';
import type { MatchHttpState } from './admin-routes.js';
import * as codec from './codec.js';
import type { IngestEndpoint } from './ingest-endpoint.js';
import type { MatchRegistry } from './match-registry.js';

export interface MatchHttpSources {
  readonly hub: Hub;
  readonly clock: Clock;
  readonly options: Config['match'];
  /** When the dialect was built, for `uptime`. */
  readonly startedAt: number;
  readonly registry: MatchRegistry;
  readonly ingest: IngestEndpoint;
  /** Renderers connected to this node. */
  readonly renderers: () => number;
  /** The dialect's `stats()`, added to /admin/status. */
  readonly stats: () => DialectStats;
}

export function matchHttpState({ hub, clock, options, startedAt, registry, ingest, renderers, stats }: MatchHttpSources): MatchHttpState {
  return {
    adminToken: options.adminToken,
    uptimeMs: () => clock.now() - startedAt,
    matches: () =>
      registry.list().map((m) => ({
        match_id: m.matchId,
        subscribers: hub.subscriberCount(codec.matchChannel(m.matchId)),
        messages_sent: m.messagesSent,
        messages_published: m.messagesPublished,
      })),
    health: () => ({
      producers: ingest.producers.length,
      producers_up: ingest.producers.filter((p) => p.connected).length,
      subscribers: renderers(),
      ingest_connections: ingest.connections,
      broker_ok: hub.broker.health().ok,
    }),
    statusExtras: () => ({
      subscribers: renderers(),
      producer_links: ingest.producers.map((p) => ({ url: p.label, connected: p.connected })),
      ring_size: options.ringSize,
      replay_window_ms: options.replayWindowMs,
      limits: { per_ip: options.perIpMax, total: options.totalMax },
      ...stats(),
    }),
  };
}
