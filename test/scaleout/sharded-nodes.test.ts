/**
 * Two StreamHub nodes over three standalone Redis shards (issue 17, `server.redisShardUrls`): a
 * producer on node A publishes six matches, which the jump hash spreads over the shards; viewers
 * of every match on node B get every frame once, in order; the node's /healthz names the broker
 * and reports coordination, which runs on the first shard when no `server.redisUrl` is set.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { MatchDialect } from '../../src/dialects/match/index.js';
import { shardOf } from '../../src/brokers/jump-hash.js';
import { eventually } from '../helpers/eventually.js';
import { startRedis } from '../helpers/redis-server.js';
import { portOf, startTestHub } from '../helpers/streamhub.js';
import { connect } from '../helpers/ws-client.js';
import { matchInit, state, stateTimes } from '../match/fixtures.js';

it('two nodes share channels spread over three Redis shards: every viewer on node B gets every frame of node A', async (t) => {
  const shards = await Promise.all([startRedis(), startRedis(), startRedis()]);
  t.after(() => Promise.all(shards.map((s) => s.stop())));
  const settings = { server: { redisShardUrls: shards.map((s) => s.url) }, match: { perIpMax: 100 } };
  const [a, b] = await Promise.all([startTestHub(settings), startTestHub(settings)]);
  t.after(() => Promise.all([a.close(), b.close()]));
  assert.equal(a.hub.broker.name, 'redis×3');

  const matches = Array.from({ length: 6 }, (_, i) => `sharded-${i}`);
  assert.ok(new Set(matches.map((m) => shardOf(`match:${m}`, 3))).size >= 2, 'the matches use several shards');
  const producer = a.dialects.get('match') as MatchDialect;
  for (const m of matches) await producer.publish(m, matchInit(m));
  const viewers = await Promise.all(matches.map((m) => connect(`ws://127.0.0.1:${portOf(b, 'match')}/v1/match/${m}`)));
  t.after(() => viewers.forEach((v) => v.close()));
  for (let time = 100; time <= 1_000; time += 100) for (const m of matches) await producer.publish(m, state(time));
  for (const v of viewers) {
    await v.until(() => stateTimes(v).at(-1) === 1_000, 10_000);
    assert.deepEqual(stateTimes(v), Array.from({ length: 10 }, (_, i) => (i + 1) * 100));
  }
  type Health = { broker: { name: string; ok: boolean }; coordination?: { ok: boolean; detail: string } };
  const body = await eventually(async () => {
    const res = await fetch(`http://127.0.0.1:${portOf(b, 'operator')}/healthz`);
    const health = (await res.json()) as Health;
    return res.status === 200 && health.coordination?.ok ? health : null;
  }, 'node B healthy with its coordination connected', 10_000);
  assert.deepEqual([body.broker.name, body.broker.ok], ['redis×3', true]);
  assert.match(body.coordination!.detail, /cluster node/);
});
