/** A RedisBroker for the broker contract on any Redis deployment (one server, a shard, a Cluster URL), with the test's deps. */
import { RedisBroker } from '../../src/brokers/redis.js';
import type { BrokerDeps } from './broker.contract.js';

export function contractRedisBroker(url: string, deps: BrokerDeps = {}): RedisBroker {
  return new RedisBroker({
    url,
    commandTimeoutMs: 2_000,
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(deps.idempotency ? { idempotencyWindowMs: deps.idempotency.windowMs, idempotencyMaxKeys: deps.idempotency.maxKeys } : {}),
  });
}
