/**
 * The dashboard's JSON (`GET /api/dashboard`): counts, running totals, channel names and broker
 * health. It is served without a token by default, so it carries no secret: dialect stats pass
 * through `publicStats`, which keeps numbers, booleans and short strings and drops every key that
 * looks like a credential. Channel names are listed only for the admin token (issue 20): a nova
 * stream id is what nova refuses to reveal without a JWT, and a relay channel name is half of
 * what a receiver needs; without the token the body carries counts only.
 */
import type { Hub, HubStats } from '../core/index.js';
import type { Dialect } from '../dialects/types.js';
import type { Metrics } from '../metrics/registry.js';

export interface DashboardSources {
  readonly hub: Hub;
  readonly dialects: readonly Dialect[];
  readonly metrics: Metrics;
  readonly startedAt: number;
  /** Most channels listed (busiest first). */
  readonly maxChannels: number;
}

export interface DashboardView {
  /** True only for a request with the admin token: list channels by name. */
  readonly names: boolean;
}

/** Keys never exposed, whatever a dialect puts in its stats. */
const SECRET_KEY = /token|secret|password|passwd|key|auth|cookie|credential|jwt/i;
/** Longest string value passed through; longer ones are cut (they are labels, not data). */
const MAX_STRING = 200;
/** Nested objects deeper than this are left out. */
const MAX_DEPTH = 3;
/** Array and object entries kept per level. */
const MAX_ENTRIES = 50;

/** A copy of `value` without secrets: numbers, booleans, short strings, and bounded arrays/objects of them. */
export function publicStats(value: unknown, depth = 0): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.slice(0, MAX_STRING);
  if (depth >= MAX_DEPTH || value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) return value.slice(0, MAX_ENTRIES).map((v) => publicStats(v, depth + 1) ?? null);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value).slice(0, MAX_ENTRIES)) {
    if (SECRET_KEY.test(k)) continue;
    const clean = publicStats(v, depth + 1);
    if (clean !== undefined) out[k] = clean;
  }
  return out;
}

/** The body of `GET /api/dashboard`. Cheap: no I/O, one pass over the channels. */
export function dashboardBody(src: DashboardSources, view: DashboardView) {
  const hub = src.hub.stats();
  const traffic = src.metrics.traffic();
  const perDialect = new Map<string, { channels: number; subscriptions: number }>();
  for (const c of hub.channels) {
    const d = perDialect.get(c.dialect) ?? { channels: 0, subscriptions: 0 };
    d.channels += 1;
    d.subscriptions += c.subscribers;
    perDialect.set(c.dialect, d);
  }
  const empty = { messagesIn: 0, bytesIn: 0, messagesOut: 0, bytesOut: 0, dropped: 0, closes: {} };
  const dialects = src.dialects.map((d) => {
    let stats: unknown;
    try {
      stats = publicStats(d.stats());
    } catch {
      // One dialect's failing stats must not blank the whole dashboard.
      stats = { error: 'stats unavailable' };
    }
    const queued = hub.queuedByDialect[d.name] ?? 0;
    return { name: d.name, stats, traffic: traffic[d.name] ?? empty, queued, ...(perDialect.get(d.name) ?? { channels: 0, subscriptions: 0 }) };
  });
  const channels = !view.names ? [] : [...hub.channels]
    .sort((a, b) => b.subscribers - a.subscribers || b.messagesIn - a.messagesIn || a.name.localeCompare(b.name))
    .slice(0, src.maxChannels)
    .map((c) => ({
      name: c.name,
      dialect: c.dialect,
      subscribers: c.subscribers,
      messages_in: c.messagesIn,
      messages_sent: c.messagesSent,
      last_offset: c.lastOffset,
    }));
  return {
    now: Date.now(),
    uptime_ms: Date.now() - src.startedAt,
    broker: hub.broker,
    event_loop: src.metrics.loopLag(),
    memory_rss_bytes: process.memoryUsage.rss(),
    hub: hubSummary(hub),
    dialects,
    channels,
    /** True when names were left out: `hub.channels_total` and each dialect's `channels` still count them. */
    channels_hidden: !view.names,
  };
}

/** The hub's counters as the admin API and the dashboard show them. */
export function hubSummary(hub: HubStats) {
  return {
    subscribers: hub.subscribers,
    queued_messages: hub.queuedMessages,
    queued_by_dialect: hub.queuedByDialect,
    dropped_messages: hub.droppedMessages,
    stall_closes: hub.stallCloses,
    overflow_closes: hub.overflowCloses,
    channels_total: hub.channels.length,
  };
}
