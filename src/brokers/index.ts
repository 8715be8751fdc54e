import type { Broker, Clock, Logger } from '../core/index.js';
import { IDEMPOTENCY_DEFAULTS } from './idempotency-window.js';
import type { IpcEndpoint } from './ipc/protocol.js';
import { MemoryBroker } from './memory.js';

export interface BrokerConfig {
  /** `memory` (embedded, default) or a `redis://` URL. */
  readonly redisUrl: string | null;
  /** Client-side shards (issue 17): several Redis URLs, channels spread by a jump hash (sharded.ts). Wins over `redisUrl`. */
  readonly redisShardUrls?: readonly string[];
  /** Idempotency keys per channel (issue 15 item 3): window and bound; defaults 5 min and 10 000. */
  readonly idempotencyWindowMs?: number;
  readonly idempotencyMaxKeys?: number;
  /**
   * Embedded multi-core mode (`server.workers` > 1 without Redis): this process is a worker and the
   * primary process is its broker (brokers/ipc/). Absent or false: this process keeps its own.
   */
  readonly primaryProcessBroker?: boolean;
  /** Redis: least ms between two publish-script calls of a bursting channel (`server.redisPublishLingerMs`, REDIS.md "Publish"). */
  readonly redisPublishLingerMs?: number;
  /** Shards: channels whose shard is remembered (`server.redisShardMemoMax`). */
  readonly shardMemoMax?: number;
  /** Embedded multi-core mode: a worker's call to the primary fails after this long (`server.embeddedBroker.callTimeoutMs`). */
  readonly primaryCallTimeoutMs?: number;
}

/** Picks the broker from the configuration. The Redis broker is loaded only when asked for. */
export async function createBroker(config: BrokerConfig, deps: { clock: Clock; log: Logger }): Promise<Broker> {
  const windowMs = config.idempotencyWindowMs ?? IDEMPOTENCY_DEFAULTS.windowMs;
  const maxKeys = config.idempotencyMaxKeys ?? IDEMPOTENCY_DEFAULTS.maxKeys;
  const shardUrls = config.redisShardUrls ?? [];
  const linger = config.redisPublishLingerMs === undefined ? {} : { publishLingerMs: config.redisPublishLingerMs };
  if (shardUrls.length > 0) {
    const [{ RedisBroker }, { ShardedBroker }] = await Promise.all([import('./redis.js'), import('./sharded.js')]);
    return new ShardedBroker(shardUrls.map((url) => new RedisBroker({ url, clock: deps.clock, log: deps.log, idempotencyWindowMs: windowMs, idempotencyMaxKeys: maxKeys, ...linger })), { ...(config.shardMemoMax ? { memoMax: config.shardMemoMax } : {}) });
  }
  if (!config.redisUrl && config.primaryProcessBroker) {
    const { IpcBroker } = await import('./ipc/client.js');
    return new IpcBroker(process as IpcEndpoint, {
      clock: deps.clock,
      connected: () => process.connected === true,
      ...(config.primaryCallTimeoutMs ? { callTimeoutMs: config.primaryCallTimeoutMs } : {}),
    });
  }
  if (!config.redisUrl) return new MemoryBroker({ clock: deps.clock, idempotency: { windowMs, maxKeys } });
  const { RedisBroker } = await import('./redis.js');
  return new RedisBroker({ url: config.redisUrl, clock: deps.clock, log: deps.log, idempotencyWindowMs: windowMs, idempotencyMaxKeys: maxKeys, ...linger });
}

export { MemoryBroker };
