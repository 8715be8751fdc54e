import type { Broker, Clock, Logger } from '../core/index.js';
import { MemoryBroker } from './memory.js';

export interface BrokerConfig {
  /** `memory` (embedded, default) or a `redis://` URL. */
  readonly redisUrl: string | null;
}

/** Picks the broker from the configuration. The Redis broker is loaded only when asked for. */
export async function createBroker(config: BrokerConfig, deps: { clock: Clock; log: Logger }): Promise<Broker> {
  if (!config.redisUrl) return new MemoryBroker({ clock: deps.clock });
  const { RedisBroker } = await import('./redis.js');
  return new RedisBroker({ url: config.redisUrl, clock: deps.clock, log: deps.log });
}

export { MemoryBroker };
