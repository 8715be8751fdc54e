/**
 * Redis-backed coordination for a cluster of StreamHub nodes (issue #7, DESIGN.md § Scale-out),
 * next to the RedisBroker: relay's one-publisher-per-channel lease, the elstat prober's
 * once-per-cluster lease, cluster-wide connection caps and nova's summed viewer counts. Dialects
 * only see their own small interfaces; the server passes these implementations in when
 * `server.redisUrl` is set. See docs/cluster.md.
 */
import type { Logger } from '../core/index.js';
import { ClusterConnectionLimiter } from './connection-caps.js';
import { RedisLeadership } from './leadership.js';
import { NodeTable } from './node-table.js';
import { RedisPublisherRegistry } from './publisher-registry.js';
import { clusterSettings, createRedisClient, type ClusterOptions, type ClusterSettings } from './redis-client.js';
import { ClusterViewerCounts } from './viewer-counts.js';

export { CLUSTER_DEFAULTS, type ClusterOptions } from './redis-client.js';
export { clusterDialectDeps, type ClusterDialectDeps } from './dialect-deps.js';
export { ClusterConnectionLimiter, ClusterViewerCounts, NodeTable, RedisLeadership, RedisPublisherRegistry };

export interface ClusterServices {
  readonly nodeId: string;
  readonly settings: Omit<ClusterSettings, 'url'>;
  /** relay: `createRelayDialect(ctx, options, { registry })`. */
  readonly relayRegistry: RedisPublisherRegistry;
  /** elstat: `createElstatDialect(ctx, options, { proberLeader: () => proberLeadership.isLeader() })`. Competes from its first use. */
  readonly proberLeadership: RedisLeadership;
  /** nova: `createNovaDialect(ctx, options, { viewerCounts })`. Syncs from its first use. */
  readonly viewerCounts: ClusterViewerCounts;
  /** A cluster-wide limiter for `dialect` (one per dialect; the same call twice returns the same one). */
  limiter(dialect: string, perIpMax: number, totalMax: number, isExempt?: (ip: string) => boolean): ClusterConnectionLimiter;
  /** Resolves once the coordination connection is ready (first connect); optional for callers. */
  ready(): Promise<void>;
  /** `ok` is false while the coordination connection is down (for /healthz). */
  health(): { ok: boolean; detail: string };
  /** Releases leases, deletes this node's counters, closes the connection. Idempotent. */
  close(): Promise<void>;
}

export function createClusterServices(options: ClusterOptions, log: Logger): ClusterServices {
  const settings = clusterSettings(options);
  const redis = createRedisClient(settings, log);
  const { keyPrefix, nodeId, leaseTtlMs, syncIntervalMs, nodeTtlMs } = settings;
  let closed = false;
  const ready = (): Promise<void> =>
    redis.status === 'ready' ? Promise.resolve() : new Promise((done) => redis.once('ready', () => done()));
  // Issue 15 item 6: a service starts when a dialect first asks for it (so a disabled dialect's
  // table or lease never runs) and only once the connection is ready (a command sent before would
  // fail at once: "Stream isn't writeable and enableOfflineQueue options is false").
  const whenReady = (start: () => void) => void ready().then(() => closed || start());
  const tables: NodeTable[] = [];
  const table = (name: string) => {
    const t = new NodeTable(redis, { keyPrefix, table: name, nodeId, syncIntervalMs, nodeTtlMs, log });
    tables.push(t);
    whenReady(() => t.start());
    return t;
  };
  const relayRegistry = new RedisPublisherRegistry(redis, { keyPrefix, leaseTtlMs });
  let proberLeadership: RedisLeadership | null = null;
  let viewerCounts: ClusterViewerCounts | null = null;
  const limiters = new Map<string, ClusterConnectionLimiter>();
  let closing: Promise<void> | null = null;
  const { url: _url, ...visible } = settings; // the URL may carry a password: never exposed
  return {
    nodeId,
    settings: visible,
    relayRegistry,
    get proberLeadership() {
      if (!proberLeadership) {
        const leadership = new RedisLeadership(redis, { keyPrefix, role: 'elstat-prober', nodeId, leaseTtlMs, log });
        whenReady(() => leadership.start());
        proberLeadership = leadership;
      }
      return proberLeadership;
    },
    get viewerCounts() {
      viewerCounts ??= new ClusterViewerCounts(table('nova-viewers'));
      return viewerCounts;
    },
    limiter(dialect, perIpMax, totalMax, isExempt) {
      let limiter = limiters.get(dialect);
      if (!limiter) limiters.set(dialect, (limiter = new ClusterConnectionLimiter(table(`caps:${dialect}`), perIpMax, totalMax, isExempt, settings.ipv6CapPrefix)));
      return limiter;
    },
    ready,
    health() {
      const ok = redis.status === 'ready';
      return { ok, detail: ok ? `cluster node ${nodeId}` : `cluster redis ${redis.status}` };
    },
    close() {
      closing ??= (async () => {
        closed = true;
        await Promise.all([relayRegistry.close(), proberLeadership?.stop(), ...tables.map((t) => t.stop())]);
        redis.disconnect();
      })();
      return closing;
    },
  };
}
