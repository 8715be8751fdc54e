/**
 * The coordination connection of a node (src/cluster): one ioredis client, separate from the
 * broker's two, with the same fail-fast settings as the broker (src/brokers/REDIS.md "Faults").
 * On a Redis Cluster (a `redis+cluster://` URL, src/util/redis-cluster-url.ts) it is an ioredis
 * Cluster client: one connection per node it talks to, each named as below.
 */
import { Cluster, Redis } from 'ioredis';
import type { Logger } from '../core/index.js';
import { nodeConnectionName } from './node-table.js';
import { ErrorCode, StreamHubError } from '../errors.js';
import { isClusterUrl, isRedisUrl, parseClusterUrl } from '../util/redis-cluster-url.js';

/** The coordination client: one Redis, or a Redis Cluster (every command of one call names keys of one slot). */
export type CoordinationRedis = Redis | Cluster;

/** Documented defaults (docs/cluster.md "Settings"). */
export const CLUSTER_DEFAULTS = {
  keyPrefix: 'streamhub:',
  /** A lease or a claim expires this long after its holder stopped renewing. */
  leaseTtlMs: 10_000,
  /** Node-scoped counters (caps, counter tables) are written and read this often... */
  syncIntervalMs: 1_000,
  /** ...and expire this long after their node stopped writing (a crashed node). */
  nodeTtlMs: 5_000,
  commandTimeoutMs: 2_000,
  connectTimeoutMs: 5_000,
  reconnectMaxDelayMs: 2_000,
} as const;

export interface ClusterOptions {
  /** `redis://`, `rediss://`, or `redis+cluster://` / `rediss+cluster://` for a Redis Cluster; never logged (it may carry a password). */
  readonly url: string;
  readonly keyPrefix?: string;
  readonly leaseTtlMs?: number;
  readonly syncIntervalMs?: number;
  readonly nodeTtlMs?: number;
  readonly commandTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly reconnectMaxDelayMs?: number;
  /** This node's id in node-scoped entries; default random. */
  readonly nodeId?: string;
}

/** Everything but the URL: what `createCoordination` lets a caller (a test, an embedder) tune. */
export type ClusterTuning = Omit<ClusterOptions, 'url'>;

export type ClusterSettings = Required<ClusterOptions>;

export function clusterSettings(options: ClusterOptions): ClusterSettings {
  if (!isRedisUrl(options.url)) throw new StreamHubError(ErrorCode.config, 'cluster: url must be a redis:// or rediss:// URL (or redis+cluster://)');
  if (isClusterUrl(options.url)) parseClusterUrl(options.url); // a bad seed fails at start, not at the first connect
  const settings = { ...CLUSTER_DEFAULTS, nodeId: `${process.pid}-${Math.random().toString(36).slice(2, 10)}`, ...options };
  for (const name of ['leaseTtlMs', 'syncIntervalMs', 'nodeTtlMs', 'commandTimeoutMs', 'connectTimeoutMs', 'reconnectMaxDelayMs'] as const) {
    if (!Number.isSafeInteger(settings[name]) || settings[name] <= 0) throw new StreamHubError(ErrorCode.config, `cluster: ${name} must be a positive integer`);
  }
  // An entry must outlive at least two missed writes, or a slow tick would drop a live node.
  if (settings.nodeTtlMs < 2 * settings.syncIntervalMs) throw new StreamHubError(ErrorCode.config, 'cluster: nodeTtlMs must be at least 2 × syncIntervalMs');
  return settings;
}

/** Connects in the background: Redis down at boot is a fault like any other, retried with backoff. */
export function createRedisClient(settings: ClusterSettings, log: Logger): CoordinationRedis {
  const options = {
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
  };
  const client: CoordinationRedis = isClusterUrl(settings.url) ? clusterClient(settings, options) : new Redis(settings.url, options);
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

/**
 * An ioredis Cluster that fails a command at once while the cluster itself is not ready, as the
 * single-Redis client does (the broker has the same class: src/brokers/redis-cluster-client.ts;
 * neither folder imports the other). Its offline queue is on only so that a command to a node
 * whose connection is still opening waits for it, bounded by `connectTimeoutMs`.
 */
class FailFastCluster extends Cluster {
  override sendCommand(...args: Parameters<Cluster['sendCommand']>): unknown {
    const [command] = args;
    if (this.status !== 'ready' && command.name !== 'cluster') {
      command.reject(new StreamHubError(ErrorCode.broker, `redis cluster ${this.status}`));
      return command.promise;
    }
    return super.sendCommand(...args);
  }
}

/**
 * A Redis Cluster client with the same fail-fast node connections. A command to a slot whose
 * master just died fails (no offline queue) and its caller retries on its own timer; the slot map
 * is refreshed on MOVED and every `slotsRefreshInterval`, so after a failover the next round goes
 * to the promoted replica.
 */
function clusterClient(settings: ClusterSettings, options: Record<string, unknown>): Cluster {
  const url = parseClusterUrl(settings.url);
  // ioredis's own choices for node connections stay: they queue until connected (the first
  // command to a master must not fail) and are not retried when lost (a MOVED or the next slot
  // refresh finds the new master); the cluster itself has no offline queue.
  const { enableOfflineQueue: _queue, retryStrategy: _retry, lazyConnect: _lazy, ...nodeOptions } = options;
  const cluster = new FailFastCluster(url.seeds.map((s) => ({ ...s })), {
    lazyConnect: true,
    // With it off, ioredis fails a command to a node whose connection is still opening; nothing
    // waits in the cluster-wide queue itself (FailFastCluster).
    enableOfflineQueue: true,
    // As the broker (src/brokers/redis-cluster-client.ts NEVER_RESEND): a command in flight is not
    // resent by ioredis after a lost connection, CLUSTERDOWN or TRYAGAIN (its caller retries on its
    // own timer); the slot map is read every second and when a master's connection ends.
    retryDelayOnFailover: 0,
    retryDelayOnClusterDown: 0,
    retryDelayOnTryAgain: 0,
    slotsRefreshInterval: 1_000,
    clusterRetryStrategy: (attempt: number) => Math.min(attempt * 100, settings.reconnectMaxDelayMs),
    slotsRefreshTimeout: settings.commandTimeoutMs,
    redisOptions: {
      ...nodeOptions,
      ...(url.username ? { username: url.username } : {}),
      ...(url.password ? { password: url.password } : {}),
      ...(url.tls ? { tls: {} } : {}),
    },
  });
  cluster.on('-node', () => cluster.refreshSlotsCache(() => undefined));
  return cluster;
}
