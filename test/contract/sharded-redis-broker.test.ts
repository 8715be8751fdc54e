/**
 * The broker contract (broker.contract.ts, unchanged) on three standalone Redis shards behind
 * ShardedBroker (issue 17: client-side sharding by a jump consistent hash of the channel). `peer`
 * is a second node over the same three shards; `restart` flushes every shard. Then what only
 * shards have: each channel's keys live on its shard alone, and a shard that is down takes only
 * its own channels away.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ShardedBroker } from '../../src/brokers/sharded.js';
import { redisCommand, startRedis, type RedisUnderTest } from '../helpers/redis-server.js';
import { describeBroker, type BrokerDeps } from './broker.contract.js';
import { contractRedisBroker, sharedRedisSetup } from './redis-broker-factory.js';

const SHARDS = 3;
let shards: RedisUnderTest[] = [];
before(async () => {
  shards = await Promise.all(Array.from({ length: SHARDS }, () => startRedis()));
});
after(() => Promise.all(shards.map((s) => s.stop())));

const RETAIN = { maxMessages: 10, maxBytes: 1 << 20, maxAgeMs: 0, maxPinned: 0, idleTtlMs: 0 };

function sharded(deps: BrokerDeps = {}) {
  return new ShardedBroker(shards.map((s) => contractRedisBroker(s.url, deps)));
}

describeBroker('ShardedBroker over 3 Redis shards', async (deps = {}) => sharedRedisSetup(() => sharded(deps), () => Promise.all(shards.map((s) => s.flush()))), { multiNode: true });

describe('ShardedBroker', () => {
  it('keeps each channel on its own shard: channels spread over every shard, and a shard holds only its channels', async (t) => {
    const broker = sharded();
    t.after(() => broker.close());
    await broker.start(() => {});
    const channels = Array.from({ length: 30 }, (_, i) => `shardtest:c${i}-${Date.now().toString(36)}`);
    for (const ch of channels) await broker.publish(ch, new TextEncoder().encode('x'), { retention: RETAIN });
    const used = new Set(channels.map((ch) => broker.shardIndex(ch)));
    assert.equal(used.size, SHARDS, 'thirty channels use all three shards');
    for (const [i, shard] of shards.entries()) {
      // The raw RESP reply: an array header, then a `$<len>` line before each key.
      const keys = (await redisCommand(shard.port, ['KEYS', '*shardtest:*'])).split('\r\n').filter((line) => line && !/^[*$]/.test(line));
      const mine = channels.filter((ch) => broker.shardIndex(ch) === i);
      assert.ok(keys.length > 0, `shard ${i} holds keys`);
      for (const key of keys) assert.ok(mine.some((ch) => key.includes(ch)), `shard ${i} holds ${key} of another shard's channel`);
    }
  });

  it('a shard that is down fails its own channels only, and the node reports which shard', async (t) => {
    const broker = sharded();
    t.after(() => broker.close());
    await broker.start(() => {});
    const stopped = 2;
    const onStopped = Array.from({ length: 50 }, (_, i) => `down:${i}`).find((ch) => broker.shardIndex(ch) === stopped)!;
    const onOther = Array.from({ length: 50 }, (_, i) => `up:${i}`).find((ch) => broker.shardIndex(ch) !== stopped)!;
    await shards[stopped]!.stop();
    t.after(() => shards[stopped]!.restart());
    const ok = await broker.publish(onOther, new TextEncoder().encode('fine'), { retention: RETAIN });
    assert.equal(ok.offset >= 1, true);
    await assert.rejects(broker.publish(onStopped, new TextEncoder().encode('lost'), { retention: RETAIN }));
    const health = broker.health();
    assert.equal(health.ok, false);
    assert.match(health.detail, /^shard 2: /);
  });
});
