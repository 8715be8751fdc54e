/**
 * The coordination connection of a node (src/cluster): one ioredis client, separate from the
 * broker's two, with the same fail-fast settings as the broker (src/brokers/REDIS.md "Faults").
 */
import { Redis } from 'ioredis';
import type { Logger } from '../core/index.js';
import { nodeConnectionName } from './node-table.js';

/** Documented defaults (docs/cluster.md "Settings"). */
export const CLUSTER_DEFAULTS = {
  keyPrefix: 'streamhub:',
  /** A lease (relay publisher, elstat prober) expires this long after its holder stopped renewing. */
  leaseTtlMs: 10_000,
  /** Node-scoped counters (caps, viewer counts) are written and read this often... */
  syncIntervalMs: 1_000,
  /** ...and expire this long after their node stopped writing (a crashed node). */
  nodeTtlMs: 5_000,
  commandTimeoutMs: 2_000,
  connectTimeoutMs: 5_000,
  reconnectMaxDelayMs: 2_000,
  ipv6CapPrefix: 64,
} as const;

export interface ClusterOptions {
  /** `redis://` or `rediss://`; never logged (it may carry a password). */
  readonly url: string;
  readonly keyPrefix?: string;
  readonly leaseTtlMs?: number;
  readonly syncIntervalMs?: number;
  readonly nodeTtlMs?: number;
  readonly commandTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly reconnectMaxDelayMs?: number;
  /** Cluster-wide per-IP caps count an IPv6 client as its /N network (`server.ipv6CapPrefix`). */
  readonly ipv6CapPrefix?: number;
  /** This node's id in node-scoped entries; default random. */
  readonly nodeId?: string;
}

export type ClusterSettings = Required<ClusterOptions>;

export function clusterSettings(options: ClusterOptions): ClusterSettings {
  if (!/^rediss?:\/\//.test(options.url)) throw new Error('cluster: url must be a redis:// or rediss:// URL');
  const settings = { ...CLUSTER_DEFAULTS, nodeId: `${process.pid}-${Math.random().toString(36).slice(2, 10)}`, ...options };
  for (const name of ['leaseTtlMs', 'syncIntervalMs', 'nodeTtlMs', 'commandTimeoutMs', 'connectTimeoutMs', 'reconnectMaxDelayMs', 'ipv6CapPrefix'] as const) {
    if (!Number.isSafeInteger(settings[name]) || settings[name] <= 0) throw new Error(`cluster: ${name} must be a positive integer`);
  }
  // An entry must outlive at least two missed writes, or a slow tick would drop a live node.
  if (settings.nodeTtlMs < 2 * settings.syncIntervalMs) throw new Error('cluster: nodeTtlMs must be at least 2 × syncIntervalMs');
  return settings;
}

/** Connects in the background: Redis down at boot is a fault like any other, retried with backoff. */
export function createRedisClient(settings: ClusterSettings, log: Logger): Redis {
  const client = new Redis(settings.url, {
    lazyConnect: true,
    // Named, so the other nodes see this node's death as its connection closing (node-table.ts).
    connectionName: nodeConnectionName(settings.nodeId),
    // Fail fast while disconnected instead of queueing without bound; every caller retries on its own timer.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: settings.commandTimeoutMs,
    connectTimeout: settings.connectTimeoutMs,
    retryStrategy: (attempt: number) => Math.min(attempt * 100, settings.reconnectMaxDelayMs),
  });
  let down = false;
  client.on('error', (err: Error) => {
    if (!down) log.warn({ err: err.message }, 'cluster redis connection error');
    down = true;
  });
  client.on('ready', () => {
    if (down) log.info('cluster redis connection ready');
    down = false;
  });
  client.connect().catch(() => undefined); // the 'error' handler logged it; retryStrategy keeps trying
  return client;
}
