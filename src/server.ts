/**
 * The composition root: config → broker → hub → dialects, operator listener, metrics and demo
 * producers. Wiring only, no logic.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createOperatorListener, type Publisher } from './admin/operator.js';
import { createBroker } from './brokers/index.js';
import type { ClusterDialectDeps, ClusterServices } from './cluster/index.js';
import type { Config } from './config/index.js';
import { Hub, randomIds, systemClock, type Clock, type Logger } from './core/index.js';
import {
  createElstatDialect,
  createMatchDialect,
  createNovaDialect,
  createRelayDialect,
  createSpectraDialect,
  type ElstatDialect,
  type MatchDialect,
  type SpectraDialect,
} from './dialects/index.js';
import type { HttpListener } from './dialects/shared/http-listener.js';
import type { Dialect, DialectContext, ListenerAddress, ListenerSettings } from './dialects/types.js';
import { CloseReasons } from './errors.js';
import { createMetrics, type Metrics } from './metrics/registry.js';
import { startDemos } from './demos.js';
import { matchViewerRoutes } from './web/match-viewer/index.js';

export interface StreamHub {
  readonly config: Config;
  readonly hub: Hub;
  readonly metrics: Metrics;
  readonly dialects: ReadonlyMap<string, Dialect>;
  /** Bound ports, by dialect name (and `operator`). */
  readonly addresses: Readonly<Record<string, readonly ListenerAddress[]>>;
  /** Stops accepting, closes clients with 1001, drains within the deadline, closes the broker. Idempotent. */
  close(): Promise<void>;
}

export interface StartOptions {
  readonly log: Logger;
  readonly clock?: Clock;
}

export const PROJECT_ROOT = resolve(import.meta.dirname, '..');

export async function startStreamHub(config: Config, options: StartOptions): Promise<StreamHub> {
  const { log } = options;
  const clock = options.clock ?? systemClock;
  const startedAt = Date.now();
  const metrics = createMetrics();
  const listener: ListenerSettings = {
    host: config.server.host,
    handshakeTimeoutMs: config.server.handshakeTimeoutMs,
    listenBacklog: config.server.listenBacklog,
    trustedProxies: config.server.trustedProxies,
    tls: config.server.tls
      ? { cert: readFileSync(config.server.tls.certFile), key: readFileSync(config.server.tls.keyFile) }
      : null,
  };
  const broker = await createBroker({ redisUrl: config.server.redisUrl }, { clock, log: log.child({ mod: 'broker' }) });
  // Scale-out: cluster-wide leases (relay publisher, elstat prober), caps and nova viewer counts in Redis.
  let cluster: ClusterServices | null = null;
  let deps: ClusterDialectDeps | null = null;
  if (config.server.redisUrl) {
    const { createClusterServices, clusterDialectDeps } = await import('./cluster/index.js');
    cluster = createClusterServices({ url: config.server.redisUrl }, log.child({ mod: 'cluster' }));
    deps = clusterDialectDeps(cluster, config);
  }
  const hub = new Hub({
    broker,
    clock,
    observer: metrics.observer,
    flushSliceSize: config.server.flushSliceSize,
    channelBatchLimit: config.server.channelBatchLimit,
  });
  await hub.start();

  const context = (name: string): DialectContext => ({ hub, clock, ids: randomIds, listener, log: log.child({ mod: `dialect.${name}` }) });
  const dialects = new Map<string, Dialect>();
  if (config.match.enabled) dialects.set('match', createMatchDialect(context('match'), config.match, deps?.match));
  if (config.nova.enabled) {
    // Demo tokens are issued only while the demo producers run (and never when a secret or key is configured).
    const demo = { ...config.nova.demo, enabled: config.nova.demo.enabled && config.server.demo };
    dialects.set('nova', createNovaDialect(context('nova'), { ...config.nova, demo }, deps?.nova));
  }
  if (config.relay.enabled) dialects.set('relay', createRelayDialect(context('relay'), config.relay, deps?.relay));
  if (config.spectra.enabled) dialects.set('spectra', createSpectraDialect(context('spectra'), config.spectra));
  if (config.elstat.enabled) dialects.set('elstat', createElstatDialect(context('elstat'), config.elstat, deps?.elstat));

  // The match viewer page on the match listener: `/` serves browsers the page, API clients the descriptor.
  const match = dialects.get('match') as MatchDialect | undefined;
  if (match) for (const [path, handler] of matchViewerRoutes(match.routes.get('/'))) match.routes.set(path, handler);
  // POST /api/publish goes through a dialect's own validated publish where it has one.
  const publishers: Record<string, Publisher> = {};
  if (match) publishers.match = (name, data) => match.publish(name, data as object);

  const addresses: Record<string, ListenerAddress[]> = {};
  for (const [name, dialect] of dialects) addresses[name] = await dialect.listen();

  let operator: HttpListener | null = null;
  if (config.operator.enabled) {
    operator = createOperatorListener({
      port: config.operator.port,
      adminToken: config.operator.adminToken,
      publicDashboard: config.operator.publicDashboard,
      dashboardMaxChannels: config.operator.dashboardMaxChannels,
      maxPublishBytes: config.operator.maxPublishBytes,
      publishRetention: config.operator.publishRetention,
      publishers,
      settings: listener,
      hub,
      dialects: [...dialects.values()],
      metrics,
      log: log.child({ mod: 'operator' }),
      startedAt,
    });
    addresses.operator = [await operator.listen()];
  }
  metrics.bind({
    hubStats: () => hub.stats(),
    connections: () => Object.fromEntries([...dialects].map(([name, d]) => [name, d.stats().connections])),
    dialectCloses: () =>
      Object.fromEntries(
        [...dialects].flatMap(([name, d]) => {
          const closes = d.stats().closes;
          return closes && typeof closes === 'object' && !Array.isArray(closes) ? [[name, closes as Record<string, number>]] : [];
        }),
      ),
  });

  const demos = new AbortController();
  if (config.server.demo) {
    startDemos({
      config,
      addresses,
      match,
      nova: dialects.get('nova'),
      elstat: dialects.get('elstat') as ElstatDialect | undefined,
      spectra: dialects.get('spectra') as SpectraDialect | undefined,
      dataDir: join(PROJECT_ROOT, 'data'),
      clock,
      log: log.child({ mod: 'demo' }),
      signal: demos.signal,
    });
  }

  let closing: Promise<void> | null = null;
  return {
    config,
    hub,
    metrics,
    dialects,
    addresses,
    close() {
      closing ??= (async () => {
        demos.abort();
        const deadline = config.server.shutdownDeadlineMs;
        await Promise.all([
          ...[...dialects.values()].map((d) => d.close(CloseReasons.shutdown, deadline)),
          operator?.close(deadline),
        ]);
        await hub.close(CloseReasons.shutdown);
        await cluster?.close();
        metrics.close();
      })();
      return closing;
    },
  };
}
