/**
 * Member tables across nodes on one real redis-server (src/cluster/member-table.ts, issue 18
 * presence): every live node's entries listed, announcements heard on the other node once and in
 * order, and a node whose entries a survivor cleaned up (taken for dead: stalled past nodeTtlMs)
 * writing them again and announcing them as `add`. The ports contract (ports.contract.ts) covers
 * one node; presence-cluster.test.ts covers a SIGKILLed node.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createClusterCoordination } from '../../src/cluster/index.js';
import type { MemberEvent } from '../../src/coordination/ports.js';
import { silentLogger } from '../../src/log.js';
import { eventually } from '../helpers/eventually.js';
import { startRedis, type RedisUnderTest } from '../helpers/redis-server.js';

const FAST = { leaseTtlMs: 600, syncIntervalMs: 100, nodeTtlMs: 3_000, commandTimeoutMs: 1_000, reconnectMaxDelayMs: 100 };

let redis: RedisUnderTest;
/** The test's own look into Redis (no command timeout: a loaded machine may answer slowly). */
let admin: Redis;
before(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
});
after(async () => {
  admin.disconnect();
  await redis.stop();
});

async function engine(keyPrefix: string, nodeId: string) {
  const e = createClusterCoordination({ url: redis.url, keyPrefix, nodeId, ...FAST }, silentLogger);
  await e.ready();
  return e;
}

/** PUBSUB NUMSUB of one channel. */
async function subscribers(channel: string): Promise<number> {
  return Number(((await admin.call('PUBSUB', 'NUMSUB', channel)) as unknown[])[1]);
}

const sorted = (list: { members: readonly { id: string }[] }) => list.members.map((m) => m.id).sort();

describe('redis member tables across nodes', () => {
  it('lists every node\'s entries; an announcement reaches the other node once, in order', async (t) => {
    const [a, b] = [await engine('m1:', 'a'), await engine('m1:', 'b')];
    t.after(() => Promise.all([a.close(), b.close()]));
    const [ta, tb] = [a.ports.members('people'), b.ports.members('people')];
    const heardOnB: MemberEvent[] = [];
    const heardOnA: MemberEvent[] = [];
    tb.watch('room', (e) => heardOnB.push(e));
    ta.watch('room', (e) => heardOnA.push(e));
    await eventually(async () => (await subscribers('m1:people:e:room')) === 2, 'both nodes to subscribe');
    ta.set('room', 'x', 'vx');
    tb.set('room', 'y', 'vy');
    const events: MemberEvent[] = [];
    for (let i = 0; i < 20; i++) events.push({ type: i % 2 ? 'remove' : 'add', key: 'room', id: `m${i}`, value: String(i) });
    for (const e of events) ta.announce(e);
    await eventually(() => heardOnB.length >= events.length || null, 'B to hear A\'s events');
    assert.deepEqual(heardOnB, events, 'every event once, in the order A sent them');
    assert.deepEqual(heardOnA, events, 'A\'s own watcher heard them once (not again from Redis)');
    await eventually(async () => sorted(await ta.list('room', 10)).join() === 'x,y', 'A to list both nodes\' entries');
    assert.deepEqual(sorted(await tb.list('room', 10)), ['x', 'y']);
    const one = await tb.list('room', 1);
    assert.equal(one.members.length, 1);
    assert.equal(one.truncated, true);
    tb.delete('room', 'y');
    assert.deepEqual(sorted(await ta.list('room', 10)).join(), 'x', 'a delete is read by the other node after it');
  });

  it('a node whose entries a survivor cleaned up writes them again and announces them as add', async (t) => {
    const [a, b] = [await engine('m2:', 'a'), await engine('m2:', 'b')];
    t.after(() => Promise.all([a.close(), b.close()]));
    const [ta, tb] = [a.ports.members('people'), b.ports.members('people')];
    const heard: MemberEvent[] = [];
    tb.watch('room', (e) => heard.push(e));
    await eventually(async () => (await subscribers('m2:people:e:room')) === 1, 'B to subscribe');
    ta.set('room', 'x', 'vx');
    ta.set('hall', 'z', 'vz');
    await eventually(async () => sorted(await tb.list('room', 10)).join() === 'x', 'B to list x');
    // What a survivor's cleanup of node a leaves behind (member-table.ts #cleanUp).
    await admin.del('m2:people:m:a:room', 'm2:people:m:a:hall', 'm2:people:k:a');
    await eventually(async () => sorted(await tb.list('room', 10)).join() === 'x' && sorted(await tb.list('hall', 10)).join() === 'z', 'a to write its entries again');
    await eventually(() => heard.some((e) => e.type === 'add' && e.id === 'x') || null, 'the add announced again');
  });
});
