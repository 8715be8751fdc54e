import type { RedisOptions } from 'ioredis';
import type { Clock, IdSource, Logger } from '../core/index.js';
import { ErrorCode, StreamHubError } from '../errors.js';
import { isRedisUrl } from '../util/redis-cluster-url.js';

export interface RedisBrokerOptions {
  /** `redis://[:password@]host:port[/db]` (or `rediss://`), or `redis+cluster://host:port[?seeds=…]` for a Redis Cluster (REDIS.md "Redis Cluster"). Never logged: it may carry a password. */
  readonly url: string;
  readonly clock?: Clock;
  readonly log?: Logger;
  /** Epoch candidates for new channel generations (tests may fix them). */
  readonly ids?: IdSource;
  /** Prefix of every key and pub/sub channel, so several deployments can share one Redis. Default `streamhub:`. */
  readonly keyPrefix?: string;
  /** Hard cap on a channel's stream length, whatever its retention asks for. Default 100 000 entries. */
  readonly streamMaxLen?: number;
  /** A command without a reply after this long fails (publish, history, subscribe). Default 5 000 ms. */
  readonly commandTimeoutMs?: number;
  /** A connection attempt is given up after this long (then retried). Default 5 000 ms. */
  readonly connectTimeoutMs?: number;
  /** Longest wait between reconnect attempts (the backoff grows 100 ms per attempt up to this). Default 2 000 ms. */
  readonly reconnectMaxDelayMs?: number;
  /** Most stream entries read per gap-fill round trip. Default 1 000. */
  readonly gapFillBatch?: number;
  /** Most live messages held per channel while its gap is being filled. Default 10 000. */
  readonly maxPendingDuringFill?: number;
  /** Most publishes held after a reconnect until the data identity is checked (past it they fail). Default 10 000. */
  readonly maxPendingPublishes?: number;
  /** How long an idempotency key is remembered per channel (issue 15 item 3). Default 300 000 ms. */
  readonly idempotencyWindowMs?: number;
  /** Most idempotency keys remembered per channel (the oldest is forgotten first). Default 10 000. */
  readonly idempotencyMaxKeys?: number;
  /** Most messages of one channel per publish-script call (a turn's publishes are batched, issue 17). Default 256. */
  readonly publishBatchMessages?: number;
  /** Most payload bytes per publish-script call (a larger single message still goes alone). Default 1 MiB. */
  readonly publishBatchBytes?: number;
  /**
   * Least time between two publish-script calls of one channel whose last call carried several
   * messages (issue 17): a busy channel's publishes wait up to this long to share a call, so Redis's
   * cost per publish falls; a channel quiet for this long, or whose calls carry one message each (a
   * producer awaiting each answer), is not delayed. 0: no wait. Default 1 ms (`server.redisPublishLingerMs`).
   */
  readonly publishLingerMs?: number;
}

/** Documented defaults (src/brokers/REDIS.md "Settings"). */
export const DEFAULTS = {
  keyPrefix: 'streamhub:',
  streamMaxLen: 100_000,
  commandTimeoutMs: 5_000,
  connectTimeoutMs: 5_000,
  reconnectMaxDelayMs: 2_000,
  gapFillBatch: 1_000,
  maxPendingDuringFill: 10_000,
  maxPendingPublishes: 10_000,
  idempotencyWindowMs: 300_000,
  idempotencyMaxKeys: 10_000,
  publishBatchMessages: 256,
  publishBatchBytes: 1024 * 1024,
  publishLingerMs: 1,
} as const;

/** Lua numbers are doubles and cannot carry Infinity; anything unbounded is clamped to this. */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

/** A retention number as the Lua script takes it: a non-negative integer, Infinity clamped. */
export function bound(value: number): number {
  return Number.isFinite(value) ? Math.max(0, Math.min(UNBOUNDED, Math.floor(value))) : UNBOUNDED;
}

function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new StreamHubError(ErrorCode.config, `RedisBroker: ${name} must be a positive integer`);
  return value;
}

/** At most a second: past that a publish would wait longer than any client's patience for it. */
function lingerMs(value: number): number {
  if (!Number.isFinite(value) || value < 0 || value > 1_000) throw new StreamHubError(ErrorCode.config, 'RedisBroker: publishLingerMs must be between 0 and 1000');
  return value;
}

/** Validated settings; bad options throw at construction (STYLE.md rule 6). */
export interface RedisBrokerSettings {
  readonly keyPrefix: string;
  readonly streamMaxLen: number;
  readonly gapFillBatch: number;
  readonly maxPendingDuringFill: number;
  readonly maxPendingPublishes: number;
  readonly idempotency: { readonly windowMs: number; readonly maxKeys: number };
  readonly publishBatch: { readonly maxMessages: number; readonly maxBytes: number; readonly lingerMs: number };
  /** Options shared by both ioredis connections. */
  readonly connection: RedisOptions;
}

export function redisBrokerSettings(options: RedisBrokerOptions): RedisBrokerSettings {
  if (typeof options.url !== 'string' || !isRedisUrl(options.url)) {
    throw new StreamHubError(ErrorCode.config, 'RedisBroker: url must be a redis:// or rediss:// URL (or redis+cluster://)');
  }
  const maxDelay = positive('reconnectMaxDelayMs', options.reconnectMaxDelayMs ?? DEFAULTS.reconnectMaxDelayMs);
  return {
    keyPrefix: options.keyPrefix ?? DEFAULTS.keyPrefix,
    streamMaxLen: positive('streamMaxLen', options.streamMaxLen ?? DEFAULTS.streamMaxLen),
    gapFillBatch: positive('gapFillBatch', options.gapFillBatch ?? DEFAULTS.gapFillBatch),
    maxPendingDuringFill: positive('maxPendingDuringFill', options.maxPendingDuringFill ?? DEFAULTS.maxPendingDuringFill),
    maxPendingPublishes: positive('maxPendingPublishes', options.maxPendingPublishes ?? DEFAULTS.maxPendingPublishes),
    idempotency: {
      windowMs: positive('idempotencyWindowMs', options.idempotencyWindowMs ?? DEFAULTS.idempotencyWindowMs),
      maxKeys: positive('idempotencyMaxKeys', options.idempotencyMaxKeys ?? DEFAULTS.idempotencyMaxKeys),
    },
    publishBatch: {
      maxMessages: positive('publishBatchMessages', options.publishBatchMessages ?? DEFAULTS.publishBatchMessages),
      maxBytes: positive('publishBatchBytes', options.publishBatchBytes ?? DEFAULTS.publishBatchBytes),
      lingerMs: lingerMs(options.publishLingerMs ?? DEFAULTS.publishLingerMs),
    },
    connection: {
      lazyConnect: true,
      // Fail fast while disconnected instead of queueing without bound; publishers retry (STYLE.md rule 4).
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // A command in flight when the connection dropped may have run: resending it could publish twice.
      autoResendUnfulfilledCommands: false,
      commandTimeout: positive('commandTimeoutMs', options.commandTimeoutMs ?? DEFAULTS.commandTimeoutMs),
      connectTimeout: positive('connectTimeoutMs', options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs),
      retryStrategy: (attempt: number) => Math.min(attempt * 100, maxDelay),
    },
  };
}

