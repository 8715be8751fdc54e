/**
 * The broker contract (test/contract/broker.contract.ts, unchanged) against RedisBroker on a real
 * Redis Cluster of 3 masters + 3 replicas (issue 17 "Past one Redis" (b)), chosen by a
 * `redis+cluster://` URL: every key of a channel and its sharded pub/sub topic in one slot, the
 * publish script's SPUBLISH, one subscriber connection per master. `peer` is a second node on the
 * same cluster; `restart` flushes every master, so the next publish starts a new epoch at offset 1.
 * Then what only a Cluster has: channels spread over every master, each channel's keys and topic in
 * one slot, and a master's death (its replica promoted) under a subscribed node.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RedisBroker } from '../../src/brokers/redis.js';
import { keySlot } from '../../src/util/redis-cluster-slot.js';
import type { Message } from '../../src/core/index.js';
import { eventually } from '../helpers/eventually.js';
import { startRedisCluster, type RedisClusterUnderTest } from '../helpers/redis-cluster.js';
import { describeBroker } from './broker.contract.js';
import { contractRedisBroker, sharedRedisSetup } from './redis-broker-factory.js';

let cluster: RedisClusterUnderTest;
before(async () => {
  cluster = await startRedisCluster();
});
after(() => cluster.stop());

const url = () => `redis+cluster://127.0.0.1:${cluster.ports[0]}/?seeds=127.0.0.1:${cluster.ports[1]},127.0.0.1:${cluster.ports[2]}`;
const RETAIN = { maxMessages: 100, maxBytes: 1 << 20, maxAgeMs: 0, maxPinned: 0, idleTtlMs: 0 };
const bytes = (s: string) => new TextEncoder().encode(s);

describeBroker('RedisBroker on a Redis Cluster', async (deps = {}) => sharedRedisSetup(() => contractRedisBroker(url(), deps), () => cluster.flush()), { multiNode: true });

describe('RedisBroker on a Redis Cluster', () => {
  it('spreads channels over every master; a channel\'s keys and its sharded topic share one slot', async (t) => {
    const broker = new RedisBroker({ url: url(), commandTimeoutMs: 2_000 });
    t.after(() => broker.close());
    await broker.start(() => {});
    const channels = Array.from({ length: 30 }, (_, i) => `slots:c${i}-${Date.now().toString(36)}`);
    for (const ch of channels) await broker.publish(ch, bytes('x'), { retention: RETAIN });
    const owners = new Set(await Promise.all(channels.map((ch) => cluster.masterOf(`{${ch}}`))));
    assert.equal(owners.size, 3, 'thirty channels use all three masters');
    for (const ch of channels.slice(0, 5)) {
      const owner = await cluster.masterOf(`{${ch}}`);
      const keys = (await cluster.command(owner, 'KEYS', `*{${ch}}*`)) as string[];
      assert.ok(keys.length >= 2, `${ch} has its keys on its master`);
      const slot = Number(await cluster.command(owner, 'CLUSTER', 'KEYSLOT', `{${ch}}`));
      assert.equal(keySlot(`{${ch}}`), slot, 'our slot function agrees with Redis');
      for (const k of [...keys, `streamhub:{${ch}}:pub`]) assert.equal(Number(await cluster.command(owner, 'CLUSTER', 'KEYSLOT', k)), slot, `${k} in the channel's slot`);
    }
  });

  it('a subscribed node keeps getting every message of channels on every master when one master dies and its replica takes over', async (t) => {
    const publisher = new RedisBroker({ url: url(), commandTimeoutMs: 1_000, reconnectMaxDelayMs: 200 });
    const listener = new RedisBroker({ url: url(), commandTimeoutMs: 1_000, reconnectMaxDelayMs: 200 });
    t.after(() => Promise.all([publisher.close(), listener.close()]));
    const got = new Map<string, Message[]>();
    await publisher.start(() => {});
    await listener.start((m) => got.set(m.channel, [...(got.get(m.channel) ?? []), m]));
    const masters = await cluster.masters();
    // Two channels per master, so the dying master carries some and the others carry the rest.
    const channels: string[] = [];
    const perMaster = new Map<number, number>();
    for (let i = 0; channels.length < 2 * masters.length && i < 1_000; i++) {
      const ch = `failover:${i}`;
      const owner = await cluster.masterOf(`{${ch}}`);
      if ((perMaster.get(owner) ?? 0) >= 2) continue;
      perMaster.set(owner, (perMaster.get(owner) ?? 0) + 1);
      channels.push(ch);
    }
    await eventually(() => listener.health().ok, 'the listener connected', 10_000);
    for (const ch of channels) await listener.subscribe(ch);
    const accepted = new Map<string, Message[]>();
    let failed = 0;
    const publishRound = async (label: string) => {
      await Promise.all(
        channels.map(async (ch) => {
          try {
            const m = await publisher.publish(ch, bytes(label), { retention: RETAIN });
            accepted.set(ch, [...(accepted.get(ch) ?? []), m]);
          } catch {
            failed += 1;
          }
        }),
      );
    };
    for (let i = 0; i < 10; i++) await publishRound(`before-${i}`);
    const killing = cluster.killMaster(masters.indexOf(await cluster.masterOf(`{${channels[0]}}`)));
    let round = 0;
    let done = false;
    void killing.finally(() => (done = true));
    while (!done) {
      await publishRound(`during-${round++}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await killing;
    // After the failover every channel publishes again, and the listener is healthy again.
    await eventually(async () => {
      const before = failed;
      await publishRound(`after-${round++}`);
      return failed === before;
    }, 'every channel publishing again', 20_000, 100);
    await eventually(() => listener.health().ok, 'the listener healthy again', 20_000);
    for (const ch of channels) {
      const want = accepted.get(ch)!;
      const last = want.at(-1)!;
      await eventually(() => got.get(ch)?.some((m) => m.epoch === last.epoch && m.offset === last.offset), `${ch}: its last accepted message delivered`, 20_000);
      const seen = got.get(ch)!;
      // Never a silent gap: within an epoch the offsets delivered are consecutive and in order; a
      // new epoch (a continuity loss the clients are told of) starts at offset 1.
      for (let i = 1; i < seen.length; i++) {
        const [a, b] = [seen[i - 1]!, seen[i]!];
        if (b.epoch === a.epoch) assert.equal(b.offset, a.offset + 1, `${ch}: offset ${b.offset} follows ${a.offset}`);
        else assert.equal(b.offset, 1, `${ch}: the new epoch starts at 1`);
      }
      // Every accepted message delivered (a publish that timed out may have run too: delivered, never accepted).
      const delivered = new Set(seen.map((m) => `${m.epoch}/${m.offset}`));
      const missing = want.filter((m) => !delivered.has(`${m.epoch}/${m.offset}`));
      assert.deepEqual(missing.map((m) => m.offset), [], `${ch}: every accepted message delivered`);
    }
    // Publishes to the dying master fail (none is resent: it may have run) until its replica serves.
    t.diagnostic(`accepted ${[...accepted.values()].reduce((n, l) => n + l.length, 0)}, failed ${failed} during the failover`);
  });
});
