/**
 * The composition root: config → broker → hub → dialects, operator listener, metrics and demo
 * producers. Wiring only, no logic.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createOperatorListener, type Publisher } from './admin/operator.js';
import { createBroker } from './brokers/index.js';
import type { Config } from './config/index.js';
import { effectiveAcceptPerIpMax } from './config/server.js';
import { createCoordination } from './coordination/index.js';
import { Hub, randomIds, systemClock, type Clock, type Logger } from './core/index.js';
import { startDemos } from './demos.js';
import { DIALECT_MODULES, type AnyDialectModule } from './dialects/index.js';
import type { Dialect, DialectContext, ListenerAddress, ListenerSettings } from './dialects/types.js';
import { CloseReasons } from './errors.js';
import { createMetrics, type Metrics } from './metrics/registry.js';
import { ConnectionRate } from './net/connection-rate.js';
import type { HttpListener } from './net/http-listener.js';
import { throttleRepeats } from './util/throttled-log.js';
import { usesPrimaryBroker } from './workers.js';

export interface StreamHub {
  readonly config: Config;
  readonly hub: Hub;
  readonly metrics: Metrics;
  readonly dialects: ReadonlyMap<string, Dialect>;
  /** The node's new-connection rate (`server.connectionRate`): refusals and admissions per dialect and second. */
  readonly connectionRate: ConnectionRate;
  /** Bound ports, by dialect name (and `operator`). */
  readonly addresses: Readonly<Record<string, readonly ListenerAddress[]>>;
  /**
   * Stops accepting, ends the clients spread over `server.shutdownDrainWindowMs` (each dialect the way
   * its real clients reconnect: docs/deployment.md "Rolling deploys"), within the deadline, then
   * closes the broker. Idempotent.
   */
  close(): Promise<void>;
}

export interface StartOptions {
  readonly log: Logger;
  readonly clock?: Clock;
  /** The dialects to run (default: the registry, src/dialects/index.ts); the config must have been parsed with the same list. */
  readonly modules?: readonly AnyDialectModule[];
}

export const PROJECT_ROOT = resolve(import.meta.dirname, '..');

export async function startStreamHub(config: Config, options: StartOptions): Promise<StreamHub> {
  const clock = options.clock ?? systemClock;
  // Issue 15 item 4: warnings that repeat per message or per connection are logged once, then counted.
  const log = throttleRepeats(options.log, clock);
  const startedAt = Date.now();
  const modules = options.modules ?? DIALECT_MODULES;
  // Each dialect's own section of the configuration (config/index.ts builds it from the same list).
  const sectionOf = (m: AnyDialectModule): unknown => (config as unknown as Record<string, unknown>)[m.name];
  const metrics = createMetrics();
  const listener: ListenerSettings = {
    host: config.server.host,
    handshakeTimeoutMs: config.server.handshakeTimeoutMs,
    listenBacklog: config.server.listenBacklog,
    // Never below twice a dialect's own per-IP cap, so the dialect gives its specified refusal first.
    acceptPerIpMax: effectiveAcceptPerIpMax(config.server.acceptPerIpMax, modules.flatMap((m) => m.perIpCaps(sectionOf(m)))),
    ipv6CapPrefix: config.server.ipv6CapPrefix,
    trustedProxies: config.server.trustedProxies,
    jsonBounds: { maxDepth: config.server.jsonMaxDepth, maxNodes: config.server.jsonMaxNodes },
    tls: config.server.tls
      ? { cert: readFileSync(config.server.tls.certFile), key: readFileSync(config.server.tls.keyFile) }
      : null,
  };
  const broker = await createBroker({ redisUrl: config.server.redisUrl, redisShardUrls: config.server.redisShardUrls, primaryProcessBroker: usesPrimaryBroker(config), idempotencyWindowMs: config.server.idempotencyWindowMs, idempotencyMaxKeys: config.server.idempotencyMaxKeys, shardMemoMax: config.server.redisShardMemoMax, redisPublishLingerMs: config.server.redisPublishLingerMs, primaryCallTimeoutMs: config.server.embeddedBroker.callTimeoutMs }, { clock, log: log.child({ mod: 'broker' }) });
  // Scale-out: leases, caps and counter tables (DESIGN.md § Scale-out), chosen apart from the broker.
  const coordination = await createCoordination(
    { redisUrl: config.server.redisUrl, redisShardUrls: config.server.redisShardUrls, primaryProcess: usesPrimaryBroker(config), primaryCallTimeoutMs: config.server.embeddedBroker.callTimeoutMs },
    log.child({ mod: 'cluster' }),
  );
  const hubLog = log.child({ mod: 'hub' });
  const hub = new Hub({
    broker,
    clock,
    // A sink that throws is a defect: its connection alone is closed 1011 (issue 20), and it is logged.
    observer: { ...metrics.observer, sinkFailed: (dialect, err) => hubLog.error({ dialect, err }, 'delivery to a connection failed; connection closed') },
    flushSliceSize: config.server.flushSliceSize,
    channelBatchLimit: config.server.channelBatchLimit,
  });
  await hub.start();

  // Issue 15 item 7: one new-connection budget per node; workers share the node's ports, so each takes its share.
  const connectionRate = new ConnectionRate(connectionRateOptions(config, clock));
  const context = (name: string): DialectContext => ({
    hub,
    clock,
    ids: randomIds,
    listener: { ...listener, connectionRate: connectionRate.gate(name) },
    log: log.child({ mod: `dialect.${name}` }),
    demo: config.server.demo,
  });
  const dialects = new Map<string, Dialect>();
  // POST /api/publish goes through a dialect's own validated publish where it has one.
  const publishers: Record<string, Publisher> = {};
  const running: { module: AnyDialectModule; dialect: Dialect }[] = [];
  for (const module of modules) {
    const section = sectionOf(module);
    if (!module.enabled(section)) continue;
    const dialect = await module.create(context(module.name), section, coordination.ports);
    dialects.set(module.name, dialect);
    running.push({ module, dialect });
    if (module.publisher) publishers[module.name] = module.publisher(dialect);
  }

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
      publishInflight: config.operator.publishInflight,
      publishers,
      settings: listener,
      hub,
      coordination,
      dialects: [...dialects.values()],
      metrics,
      log: log.child({ mod: 'operator' }),
      startedAt,
    });
    addresses.operator = [await operator.listen()];
  }
  metrics.bind({
    hubStats: () => hub.stats(),
    rateLimited: () => connectionRate.refusedByDialect(),
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
    startDemos(running, {
      addresses,
      tls: config.server.tls !== null,
      dataDir: join(PROJECT_ROOT, 'data'),
      clock,
      log: log.child({ mod: 'demo' }),
      signal: demos.signal,
      sectionOf,
    });
  }

  let closing: Promise<void> | null = null;
  return {
    config,
    hub,
    metrics,
    dialects,
    connectionRate,
    addresses,
    close() {
      closing ??= (async () => {
        demos.abort();
        const deadline = config.server.shutdownDeadlineMs;
        const window = Math.min(config.server.shutdownDrainWindowMs, deadline);
        await Promise.all([
          ...[...dialects.values()].map((d) => d.close(CloseReasons.shutdown, deadline, window)),
          operator?.close(deadline),
        ]);
        await hub.close(CloseReasons.shutdown);
        await coordination.close();
        metrics.close();
        log.close();
      })();
      return closing;
    },
  };
}

/** `server.connectionRate` for one process: with N workers sharing the node's ports, each admits 1/N. */
function connectionRateOptions(config: Config, clock: Clock): ConstructorParameters<typeof ConnectionRate>[0] {
  const { perSecond, burst, retryAfterMaxSeconds, byDialect } = config.server.connectionRate;
  const share = (r: { perSecond: number; burst: number }) => ({
    perSecond: r.perSecond / config.server.workers,
    burst: Math.max(1, Math.floor(r.burst / config.server.workers)),
  });
  return {
    node: perSecond > 0 ? share({ perSecond, burst }) : null,
    byDialect: Object.fromEntries(Object.entries(byDialect).flatMap(([name, r]) => (r ? [[name, share(r)]] : []))),
    retryAfterMaxSeconds,
    clock,
  };
}
