/**
 * Every Prometheus metric StreamHub exports, in one place; the only folder that imports
 * prom-client. Labels are the dialect (and policy / close code), never a channel or a
 * connection, so cardinality stays fixed (STYLE.md "Metrics").
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CloseReason, HubObserver, HubStats, OverflowPolicy } from '../core/index.js';
import { TrafficTotals, type DialectTraffic } from './traffic.js';

export interface MetricsSources {
  hubStats(): HubStats;
  /** Open connections per dialect. */
  connections(): Record<string, number>;
  /**
   * Connections each dialect closed itself (refusals after the upgrade, protocol errors, idle
   * timeouts), by close code: what a dialect reports as `stats().closes`. Optional.
   */
  dialectCloses?(): Record<string, Record<string, number>>;
  /** New connections refused by the node's connection rate since start, by dialect (issue 15 item 7). Optional. */
  rateLimited?(): Record<string, number>;
}

/** Event-loop delay, sampled continuously (perf_hooks), in milliseconds. */
export interface LoopLag {
  readonly meanMs: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface Metrics {
  readonly registry: Registry;
  readonly observer: HubObserver;
  /** Binds the gauges that are computed on scrape. */
  bind(sources: MetricsSources): void;
  render(): Promise<string>;
  readonly contentType: string;
  /** Per-dialect running totals (for the dashboard). */
  traffic(): Record<string, DialectTraffic>;
  /** Event-loop delay since the previous call (the window restarts on every call). */
  loopLag(): LoopLag;
  /** Stops the event-loop sampler. Idempotent. */
  close(): void;
}

/** Publish-to-send latency buckets, seconds: the seed 000 budget is p95 < 250 ms. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export function createMetrics(): Metrics {
  const registry = new Registry();
  // Process metrics, including streamhub_nodejs_eventloop_lag_seconds and its percentiles.
  collectDefaultMetrics({ register: registry, prefix: 'streamhub_' });
  const traffic = new TrafficTotals();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let sources: MetricsSources | null = null;
  const counter = (name: string, help: string, labelNames: string[]) => new Counter({ name, help, labelNames, registers: [registry] });

  const published = counter('streamhub_messages_published_total', 'Messages accepted by the broker from this node', ['dialect']);
  const publishedBytes = counter('streamhub_bytes_published_total', 'Payload bytes accepted by the broker from this node', ['dialect']);
  const delivered = counter('streamhub_messages_delivered_total', 'Messages handed to client sockets (live tail; replays excluded)', ['dialect']);
  const deliveredBytes = counter('streamhub_bytes_delivered_total', 'Payload bytes handed to client sockets', ['dialect']);
  const dropped = counter('streamhub_messages_dropped_total', 'Messages dropped from slow subscribers by the overflow policy', ['dialect', 'policy']);
  const closes = counter('streamhub_hub_closes_total', 'Connections closed by the hub (slow consumer, overflow, shutdown), by close code', ['dialect', 'code']);
  const latency = new Histogram({
    name: 'streamhub_publish_to_send_seconds',
    help: 'Time from broker acceptance to the write to the client socket',
    labelNames: ['dialect'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  // Dialect-reported closes are cumulative numbers read on scrape; the counter follows them by delta.
  const seenDialectCloses = new Map<string, number>();
  new Counter({
    name: 'streamhub_connection_closes_total',
    help: 'Connections a dialect closed itself (refusal, protocol error, idle, slow consumer), by close code',
    labelNames: ['dialect', 'code'],
    registers: [registry],
    collect() {
      for (const [dialect, byCode] of Object.entries(sources?.dialectCloses?.() ?? {})) {
        for (const [code, total] of Object.entries(byCode)) {
          const key = `${dialect}\u0000${code}`;
          const delta = total - (seenDialectCloses.get(key) ?? 0);
          if (delta > 0) this.inc({ dialect, code }, delta);
          seenDialectCloses.set(key, Math.max(total, seenDialectCloses.get(key) ?? 0));
        }
      }
    },
  });
  // Cumulative, read on scrape like the dialect closes above.
  const seenRateLimited = new Map<string, number>();
  new Counter({
    name: 'streamhub_connections_rate_limited_total',
    help: 'New connections refused by the node\'s connection rate limit (503 Retry-After, or an Engine.IO handshake error), by dialect',
    labelNames: ['dialect'],
    registers: [registry],
    collect() {
      for (const [dialect, total] of Object.entries(sources?.rateLimited?.() ?? {})) {
        const delta = total - (seenRateLimited.get(dialect) ?? 0);
        if (delta > 0) this.inc({ dialect }, delta);
        seenRateLimited.set(dialect, Math.max(total, seenRateLimited.get(dialect) ?? 0));
      }
    },
  });
  const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => void) =>
    new Gauge({ name, help, labelNames, registers: [registry], collect() { collect(this); } });
  gauge('streamhub_connections', 'Open client connections', ['dialect'], (g) => {
    g.reset();
    for (const [dialect, n] of Object.entries(sources?.connections() ?? {})) g.set({ dialect }, n);
  });
  gauge('streamhub_subscribers', 'Hub subscribers (connections attached to the hub) on this node', [], (g) => {
    g.set(sources?.hubStats().subscribers ?? 0);
  });
  gauge('streamhub_queued_messages', 'Messages waiting in subscriber queues', [], (g) => {
    g.set(sources?.hubStats().queuedMessages ?? 0);
  });
  gauge('streamhub_channels', 'Channels with local subscribers', ['dialect'], (g) => {
    g.reset();
    for (const [dialect, n] of Object.entries(perDialect(sources, () => 1))) g.set({ dialect }, n);
  });
  gauge('streamhub_subscriptions', 'Channel subscriptions on this node (one connection on two channels counts two)', ['dialect'], (g) => {
    g.reset();
    for (const [dialect, n] of Object.entries(perDialect(sources, (c) => c.subscribers))) g.set({ dialect }, n);
  });
  gauge('streamhub_slow_consumer_closes', 'Subscribers the hub closed for a stall or a queue overflow since start', ['reason'], (g) => {
    const stats = sources?.hubStats();
    g.set({ reason: 'stall' }, stats?.stallCloses ?? 0);
    g.set({ reason: 'overflow' }, stats?.overflowCloses ?? 0);
  });
  gauge('streamhub_broker_up', '1 while the broker is healthy', [], (g) => {
    g.set(sources?.hubStats().broker.ok ? 1 : 0);
  });
  const lag = new Histogram({
    name: 'streamhub_event_loop_lag_seconds',
    help: 'Event-loop delay observed between scrapes (mean and max of the sampling window)',
    labelNames: ['stat'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  const scrapeLoop = monitorEventLoopDelay({ resolution: 10 });
  scrapeLoop.enable();

  const observer: HubObserver = {
    published(dialect, bytes) {
      published.inc({ dialect });
      publishedBytes.inc({ dialect }, bytes);
      traffic.published(dialect, bytes);
    },
    delivered(dialect, messages, bytes, latencyMs) {
      delivered.inc({ dialect }, messages);
      deliveredBytes.inc({ dialect }, bytes);
      latency.observe({ dialect }, Math.max(0, latencyMs) / 1000);
      traffic.delivered(dialect, messages, bytes);
    },
    dropped(dialect: string, messages: number, policy: OverflowPolicy) {
      dropped.inc({ dialect, policy }, messages);
      traffic.dropped(dialect, messages);
    },
    detached(dialect: string, reason: CloseReason) {
      closes.inc({ dialect, code: String(reason.code) });
      traffic.closed(dialect, reason.code);
    },
  };

  let closed = false;
  return {
    registry,
    observer,
    bind(next) {
      sources = next;
    },
    render: async () => {
      // One sample per scrape keeps the histogram's cost fixed whatever the scrape interval.
      if (scrapeLoop.count > 0) {
        lag.observe({ stat: 'mean' }, scrapeLoop.mean / 1e9);
        lag.observe({ stat: 'max' }, scrapeLoop.max / 1e9);
      }
      scrapeLoop.reset();
      return registry.metrics();
    },
    contentType: registry.contentType,
    traffic: () => traffic.snapshot(),
    loopLag() {
      const out = loop.count > 0 ? { meanMs: loop.mean / 1e6, p99Ms: loop.percentile(99) / 1e6, maxMs: loop.max / 1e6 } : { meanMs: 0, p99Ms: 0, maxMs: 0 };
      loop.reset();
      return out;
    },
    close() {
      if (closed) return;
      closed = true;
      loop.disable();
      scrapeLoop.disable();
    },
  };
}

function perDialect(sources: MetricsSources | null, weight: (c: HubStats['channels'][number]) => number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of sources?.hubStats().channels ?? []) out[c.dialect] = (out[c.dialect] ?? 0) + weight(c);
  return out;
}
