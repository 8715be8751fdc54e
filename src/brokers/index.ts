import type { Broker, Clock, Logger } from '../core/index.js';
import { IDEMPOTENCY_DEFAULTS } from './idempotency-window.js';
import { MemoryBroker } from './memory.js';

export interface BrokerConfig {
  /** `memory` (embedded, default) or a `redis://` URL. */
  readonly redisUrl: string | null;
  /** Idempotency keys per channel (issue 15 item 3): window and bound; defaults 5 min and 10 000. */
  readonly idempotencyWindowMs?: number;
  readonly idempotencyMaxKeys?: number;
}

/** Picks the broker from the configuration. The Redis broker is loaded only when asked for. */
export async function createBroker(config: BrokerConfig, deps: { clock: Clock; log: Logger }): Promise<Broker> {
  const windowMs = config.idempotencyWindowMs ?? IDEMPOTENCY_DEFAULTS.windowMs;
  const maxKeys = config.idempotencyMaxKeys ?? IDEMPOTENCY_DEFAULTS.maxKeys;
  if (!config.redisUrl) return new MemoryBroker({ clock: deps.clock, idempotency: { windowMs, maxKeys } });
  const { RedisBroker } = await import('./redis.js');
  return new RedisBroker({ url: config.redisUrl, clock: deps.clock, log: deps.log, idempotencyWindowMs: windowMs, idempotencyMaxKeys: maxKeys });
}

export { MemoryBroker };
