/**
 * The Redis broker's connections on a Redis Cluster (issue 17 "Past one Redis" (b); REDIS.md
 * "Redis Cluster"): chosen by a `redis+cluster://` URL (src/util/redis-cluster-url.ts). Every key
 * of a channel already shares the hash tag `{<channel>}` (redis-keys.ts), so the publish and
 * history scripts stay atomic on the channel's slot; here the pub/sub topic joins that slot too
 * (`<prefix>{<channel>}:pub`) and is published with SPUBLISH from inside the script, so a
 * message goes only to the subscribers of its shard's master instead of the whole cluster bus.
 */
import { Cluster, type RedisOptions } from 'ioredis';
import { parseClusterUrl } from '../util/redis-cluster-url.js';
import type { LuaScript } from './redis-scripts.js';
import { ShardedPubSub } from './redis-sharded-pubsub.js';
import { ErrorCode, StreamHubError } from '../errors.js';

export { isClusterUrl } from '../util/redis-cluster-url.js';

/** A channel's sharded pub/sub topic: in the slot of its keys (`<prefix>{<channel>}:…`). */
export function clusterTopic(prefix: string, channel: string): string {
  return `${prefix}{${channel}}:pub`;
}

/** The channel of a sharded topic, or null when the topic is not ours. */
export function channelOfClusterTopic(prefix: string, topic: string): string | null {
  const head = `${prefix}{`;
  const tail = '}:pub';
  return topic.startsWith(head) && topic.endsWith(tail) && topic.length > head.length + tail.length
    ? topic.slice(head.length, topic.length - tail.length)
    : null;
}

/**
 * The publish script with SPUBLISH for PUBLISH (registered under its own name). A script on a
 * Cluster may only touch its slot: SPUBLISH's topic is in the channel's slot, PUBLISH's would be
 * broadcast to every node of the cluster bus. Throws if the source has no PUBLISH call to replace,
 * so a rewrite of the script cannot silently lose its delivery.
 */
export function shardedPublishScript(script: LuaScript): LuaScript {
  const call = /redis\.call\('PUBLISH',/g;
  if (!call.test(script.source)) throw new StreamHubError(ErrorCode.internal, `${script.command}: no redis.call('PUBLISH', …) to shard`);
  return { command: `${script.command}Sharded`, source: script.source.replace(call, "redis.call('SPUBLISH',"), keys: script.keys };
}

/**
 * ioredis Cluster options that keep the broker's rule "a command in flight is never resent: it
 * may have run". ioredis resends a command after "Connection is closed" (its default
 * `retryDelayOnFailover` of 100 ms, up to 16 times), after CLUSTERDOWN and after TRYAGAIN; a
 * resend still queued when our `commandTimeout` rejected the call ran later, after the channel's
 * next batch: measured as a frame delivered out of order after a master's SIGKILL, and a publish
 * the producer was told had failed. Only MOVED and ASK (the command did not run) are followed.
 * The slot map is read every second and when a master's connection ends, so a promoted replica
 * is found without waiting for a MOVED.
 */
export const NEVER_RESEND = {
  retryDelayOnFailover: 0,
  retryDelayOnClusterDown: 0,
  retryDelayOnTryAgain: 0,
  slotsRefreshInterval: 1_000,
} as const;

/**
 * An ioredis Cluster that fails a command at once while the cluster itself is not ready (no slot
 * map: connecting, reconnecting, closed), as the broker's connections do on one Redis. Its offline
 * queue is on only so that a command to a node whose connection is still opening (the first
 * commands to each master, a promoted replica) waits for that connection, bounded by the node's
 * `connectTimeout`: with it off, ioredis failed those with "Connection is closed" (measured: 7–20
 * of 30 first publishes after a start). The cluster-wide queue itself has no bound and no timeout,
 * so nothing may wait in it.
 */
export class FailFastCluster extends Cluster {
  override sendCommand(...args: Parameters<Cluster['sendCommand']>): unknown {
    const [command] = args;
    if (this.status !== 'ready' && command.name !== 'cluster') {
      command.reject(new StreamHubError(ErrorCode.broker, `redis cluster ${this.status}`));
      return command.promise;
    }
    return super.sendCommand(...args);
  }
}

export interface ClusterConnections {
  /** Commands (publish and history scripts, reads): routed by key slot. */
  readonly cmd: Cluster;
  /** Sharded pub/sub: one connection per master serving a wanted topic. */
  readonly sub: ShardedPubSub;
}

/**
 * Both connections of a broker on a Cluster, with the broker's fail-fast options on every node
 * connection (no offline queue, no resend of a command in flight: it may have run). `natMap` is
 * not set: nodes are reached at the addresses they announce.
 */
export function createClusterConnections(url: string, common: RedisOptions, reconnectMaxDelayMs: number): ClusterConnections {
  const parsed = parseClusterUrl(url);
  // ioredis's own choices for cluster node connections stay: they queue until connected (so the
  // first command to a master does not fail) and are not retried when lost (a MOVED or the next
  // slot refresh finds the new master). Everything else fails fast as on one Redis.
  const { enableOfflineQueue: _queue, retryStrategy: _retry, lazyConnect: _lazy, ...nodeOptions } = common;
  const redisOptions: RedisOptions = {
    ...nodeOptions,
    ...(parsed.username ? { username: parsed.username } : {}),
    ...(parsed.password ? { password: parsed.password } : {}),
    ...(parsed.tls ? { tls: {} } : {}),
  };
  const seeds = parsed.seeds.map((s) => ({ ...s }));
  const cmd = new FailFastCluster(seeds, {
    lazyConnect: true,
    enableOfflineQueue: true,
    ...NEVER_RESEND,
    // Off on a Cluster: ioredis does not follow a MOVED inside an auto-pipeline that mixes slots,
    // and after a failover every publish of the moved slots failed with it (measured: seconds of
    // MOVED errors). The publish batcher already sends one script call per channel per turn.
    enableAutoPipelining: false,
    clusterRetryStrategy: (attempt: number) => Math.min(attempt * 100, reconnectMaxDelayMs),
    slotsRefreshTimeout: common.commandTimeout ?? 5_000,
    redisOptions: { ...redisOptions, connectionName: 'streamhub-cmd' },
  });
  // A master lost for good (its connection ended): read the map now, not at the next interval.
  cmd.on('-node', () => cmd.refreshSlotsCache(() => undefined));
  const sub = new ShardedPubSub({ seeds, redisOptions: { ...redisOptions, enableOfflineQueue: false, retryStrategy: common.retryStrategy }, reconnectMaxDelayMs });
  return { cmd, sub };
}
