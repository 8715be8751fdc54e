/** A RedisBroker for the broker contract on any Redis deployment (one server, a shard, a Cluster URL), with the test's deps. */
import { RedisBroker } from '../../src/brokers/redis.js';
import type { Broker } from '../../src/core/index.js';
import type { BrokerDeps, BrokerUnderTest } from './broker.contract.js';

export function contractRedisBroker(url: string, deps: BrokerDeps = {}): RedisBroker {
  return new RedisBroker({
    url,
    commandTimeoutMs: 2_000,
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(deps.idempotency ? { idempotencyWindowMs: deps.idempotency.windowMs, idempotencyMaxKeys: deps.idempotency.maxKeys } : {}),
  });
}

/**
 * The broker contract's setup on a shared Redis deployment: `make` builds a node's broker (the
 * first is the one under test, each `peer` another node on the same data), `flush` loses the data
 * (the contract's restart), and cleanup closes every broker made.
 */
export function sharedRedisSetup<B extends Broker & { close(): Promise<void> }>(make: () => B, flush: () => Promise<unknown>): BrokerUnderTest {
  const brokers: B[] = [];
  const node = () => {
    const b = make();
    brokers.push(b);
    return b;
  };
  const broker = node();
  return {
    broker,
    peer: async () => node(),
    restart: async () => {
      await flush();
      return broker;
    },
    cleanup: async () => {
      await Promise.all(brokers.map((b) => b.close()));
    },
  };
}
