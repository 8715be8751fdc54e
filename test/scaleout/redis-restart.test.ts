/**
 * Redis restarted under attached subscribers (issue 7 "Faults"): health goes not-ok then ok, the
 * brokers resubscribe by themselves, every message is accounted for, and because the restart
 * loses the data (--save "") the channel starts a new epoch that subscribers see.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Message } from '../../src/core/index.js';
import { eventually } from '../helpers/eventually.js';
import { assertContiguous, LIMITS, publishWithRetry, RecordingSink, startCluster, text } from './cluster.js';

const TOTAL = 300;

it('survives a Redis restart with empty data: new epoch, nothing lost or duplicated for attached subscribers', async (t) => {
  const cluster = await startCluster(2);
  t.after(() => cluster.close());
  const [a, b] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0]];
  const onA = new RecordingSink('a1');
  const onB = new RecordingSink('b1');
  await a.hub.attach(onA, LIMITS).subscribe('test:restart');
  await b.hub.attach(onB, LIMITS).subscribe('test:restart');

  // The publisher on A keeps going through the outage, retrying each message until accepted.
  const acked: Message[] = [];
  const unsure = new Set<string>(); // payloads with a failed attempt: that attempt may still have run
  let goOn: () => void = () => {};
  const outage = new Promise<void>((resolve) => (goOn = resolve));
  let failedAttempts = 0;
  const publisher = (async () => {
    for (let i = 0; i < TOTAL; i++) {
      if (i === 100) await outage; // the rest is published while Redis goes away and comes back
      const { msg, failures } = await publishWithRetry(a, 'test:restart', `m${i}`);
      if (failures > 0) unsure.add(`m${i}`);
      failedAttempts += failures;
      acked.push(msg);
    }
  })();

  await onB.count(100);
  const epochBefore = acked[0]!.epoch;
  goOn();
  await cluster.redis.stop();
  await eventually(() => !a.broker.health().ok && !b.broker.health().ok, 'both brokers to report Redis down', 20_000);
  await cluster.redis.restart();
  await eventually(() => a.broker.health().ok && b.broker.health().ok, 'both brokers to reconnect', 20_000);
  await publisher;
  assert.ok(failedAttempts >= 1, 'the publisher was publishing when Redis went away');

  const epochAfter = acked[acked.length - 1]!.epoch;
  assert.notEqual(epochAfter, epochBefore, 'the restart lost the data, so the channel has a new epoch');
  for (const sink of [onA, onB]) {
    await sink.until((got) => got.some((m) => text(m) === `m${TOTAL - 1}`), 'the last message');
    assert.deepEqual(assertContiguous(sink.got), [], `${sink.id}: offsets rise by one inside each epoch`);
    assert.deepEqual([...new Set(sink.got.map((m) => m.epoch))], [epochBefore, epochAfter], `${sink.id} saw the new epoch`);
    const keys = new Set(sink.got.map((m) => `${m.epoch}/${m.offset}`));
    assert.equal(keys.size, sink.got.length, `${sink.id}: no position delivered twice`);
    for (const m of acked) assert.ok(keys.has(`${m.epoch}/${m.offset}`), `${sink.id} missed acknowledged ${m.epoch}/${m.offset}`);
    // Every payload arrived; one arrives twice only if an attempt failed after Redis had run it.
    const counts = new Map<string, number>();
    for (const m of sink.got) counts.set(text(m), (counts.get(text(m)) ?? 0) + 1);
    for (let i = 0; i < TOTAL; i++) {
      const n = counts.get(`m${i}`) ?? 0;
      assert.ok(n === 1 || (n === 2 && unsure.has(`m${i}`)), `${sink.id}: m${i} arrived ${n} times`);
    }
  }
  for (const node of [a, b]) {
    assert.equal(node.broker.stats().dataLosses, 1, 'the broker noticed the Redis data set was replaced');
    assert.ok(node.broker.stats().resubscribes >= 1);
    assert.match(node.broker.health().detail, /data lost 1x/);
  }
});
