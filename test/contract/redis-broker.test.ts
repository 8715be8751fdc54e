/**
 * The broker contract (test/contract/broker.contract.ts, unchanged) against RedisBroker on a real
 * redis-server started on a free port. `peer` is a second node on the same Redis; `restart`
 * flushes Redis, so the next publish starts a new epoch at offset 1.
 */
import { after, before } from 'node:test';
import { startRedis, type RedisUnderTest } from '../helpers/redis-server.js';
import { describeBroker } from './broker.contract.js';
import { contractRedisBroker, sharedRedisSetup } from './redis-broker-factory.js';

let redis: RedisUnderTest;
before(async () => {
  redis = await startRedis();
});
after(() => redis.stop());

describeBroker('RedisBroker', async (deps = {}) => sharedRedisSetup(() => contractRedisBroker(redis.url, deps), () => redis.flush()), { multiNode: true });
