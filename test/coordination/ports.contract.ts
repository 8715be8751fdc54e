/**
 * What every coordination engine's ports do on one node (src/coordination/ports.ts, issue 16 item
 * 2), run against each engine: the in-process one (local-ports.test.ts) and Redis
 * (redis-ports.test.ts, a real redis-server). A new engine (client-side shards, a Redis Cluster,
 * issue 17) passes this file unchanged. Multi-node behaviour (sums across nodes, a node's death)
 * is in test/scaleout/cluster-services.test.ts.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { CoordinationPorts, MemberEvent } from '../../src/coordination/ports.js';
import { StreamHubError } from '../../src/errors.js';
import { eventually } from '../helpers/eventually.js';

export interface EngineUnderTest {
  readonly ports: CoordinationPorts;
  close(): Promise<void>;
}

/** `start` gives a fresh engine (its own key space) for each test. */
export function portsContract(engine: string, start: () => Promise<EngineUnderTest>): void {
  describe(`coordination ports: ${engine}`, () => {
    const open: EngineUnderTest[] = [];
    const fresh = async () => {
      const e = await start();
      open.push(e);
      return e.ports;
    };
    after(async () => {
      await Promise.all(open.map((e) => e.close()));
    });

    it('limiter: per-IP and total caps, the allow-list, idempotent release', async () => {
      const ports = await fresh();
      const caps = ports.limiter('caps', { perIpMax: 2, totalMax: 4, isExempt: (ip) => ip === '10.0.0.9' });
      const a1 = caps.tryAcquire('10.0.0.1');
      const a2 = caps.tryAcquire('10.0.0.1');
      assert.ok('release' in a1 && 'release' in a2);
      assert.deepEqual(caps.tryAcquire('10.0.0.1'), { refused: 'per_ip' });
      assert.equal(caps.countFor('10.0.0.1'), 2);
      const x1 = caps.tryAcquire('10.0.0.9');
      const x2 = caps.tryAcquire('10.0.0.9');
      const x3 = caps.tryAcquire('10.0.0.9');
      assert.ok('release' in x1 && 'release' in x2, 'an exempt address passes its per-IP cap');
      assert.deepEqual(x3, { refused: 'total' }, 'but still counts in the total');
      assert.equal(caps.total, 4);
      a1.release();
      a1.release(); // idempotent: frees one slot, not two
      assert.equal(caps.total, 3);
      assert.equal(caps.countFor('10.0.0.1'), 1);
      assert.ok('release' in caps.tryAcquire('10.0.0.1'));
      assert.deepEqual(caps.tryAcquire('10.0.0.2'), { refused: 'total' });
    });

    it('limiter: an IPv6 client counts as its /64 by default, every address apart with ipv6CapPrefix 128', async () => {
      const ports = await fresh();
      const grouped = ports.limiter('v6', { perIpMax: 1, totalMax: 10 });
      assert.ok('release' in grouped.tryAcquire('2001:db8:1:2::a'));
      assert.deepEqual(grouped.tryAcquire('2001:db8:1:2::b'), { refused: 'per_ip' }, 'same /64');
      assert.ok('release' in grouped.tryAcquire('2001:db8:1:3::a'), 'another /64');
      const apart = ports.limiter('v6-apart', { perIpMax: 1, totalMax: 10, ipv6CapPrefix: 128 });
      assert.ok('release' in apart.tryAcquire('2001:db8:1:2::a'));
      assert.ok('release' in apart.tryAcquire('2001:db8:1:2::b'), 'with /128 each address has its own cap');
    });

    it('limiter: one per name; the same name with other caps throws ERR_CONFIG; names are apart', async () => {
      const ports = await fresh();
      const caps = ports.limiter('one', { perIpMax: 1, totalMax: 5 });
      assert.equal(ports.limiter('one', { perIpMax: 1, totalMax: 5, ipv6CapPrefix: 64 }), caps, 'the same request: the same limiter');
      assert.throws(
        () => ports.limiter('one', { perIpMax: 2, totalMax: 5 }),
        (err: unknown) => err instanceof StreamHubError && err.code === 'ERR_CONFIG',
      );
      assert.ok('release' in caps.tryAcquire('10.0.0.1'));
      const other = ports.limiter('two', { perIpMax: 1, totalMax: 5 });
      assert.notEqual(other, caps);
      assert.ok('release' in other.tryAcquire('10.0.0.1'), 'another name counts apart');
    });

    it('lease: one node alone comes to hold every role; one object per role', async () => {
      const ports = await fresh();
      const lease = ports.lease('role-a');
      assert.equal(ports.lease('role-a'), lease);
      await eventually(() => lease.held(), 'the lease to be held', 5_000);
      await eventually(() => ports.lease('role-b').held(), 'another role to be held too', 5_000);
    });

    it('claims: one holder per key; current() shows it; release frees it, once, and never a later holder', async () => {
      const ports = await fresh();
      const table = ports.claims('pub');
      assert.equal(ports.claims('pub'), table);
      const first = await table.claim('k', { holderId: 'h1', digest: 'd1' });
      assert.ok(first);
      assert.deepEqual(first.claim, { holderId: 'h1', digest: 'd1' });
      assert.equal(await table.claim('k', { holderId: 'h2', digest: 'd2' }), null, 'the key is held');
      assert.deepEqual(await table.current('k'), { holderId: 'h1', digest: 'd1' });
      assert.equal(await table.current('free'), null);
      assert.ok(await table.claim('other', { holderId: 'h3', digest: 'd3' }), 'other keys are free');
      assert.ok(await ports.claims('pub-2').claim('k', { holderId: 'h4', digest: 'd4' }), 'another table is apart');
      await first.release();
      assert.equal(await table.current('k'), null);
      const second = await table.claim('k', { holderId: 'h5', digest: 'd5' });
      assert.ok(second, 'free again after the release');
      await first.release(); // idempotent, and it must not free the new holder's key
      assert.deepEqual(await table.current('k'), { holderId: 'h5', digest: 'd5' });
    });

    it('counters: adjust moves this node\'s count (never below 0), listeners hear the key, unsubscribe stops them', async () => {
      const ports = await fresh();
      const table = ports.counters('count');
      assert.equal(ports.counters('count'), table);
      const heard: string[] = [];
      const stop = table.onChange((key) => heard.push(key));
      table.adjust('s1', 2);
      table.adjust('s1', 3);
      assert.ok(heard.includes('s1'), 'a change is heard at once');
      await eventually(() => table.count('s1') === 5, 'the count 5', 3_000);
      assert.equal(table.count('s2'), 0);
      assert.equal(ports.counters('count-2').count('s1'), 0, 'another table is apart');
      table.adjust('s1', -10);
      await eventually(() => table.count('s1') === 0, 'the count to stop at 0', 3_000);
      table.adjust('s1', 1);
      await eventually(() => table.count('s1') === 1, 'a count from 0, not from -5', 3_000);
      stop();
      const before = heard.length;
      table.adjust('s3', 1);
      await eventually(() => table.count('s3') === 1, 'the count of s3', 3_000);
      assert.equal(heard.length, before, 'no call after unsubscribing');
    });
    it('members: set, replace and delete entries; list reads this node\'s writes at once, at most `max`, truncated past it', async () => {
      const ports = await fresh();
      const table = ports.members('people');
      assert.equal(ports.members('people'), table);
      table.set('room', 'a', '{"n":1}');
      table.set('room', 'b', '{"n":2}');
      table.set('room', 'a', '{"n":3}'); // replaces a
      const both = await table.list('room', 10);
      assert.deepEqual([...both.members].sort((x, y) => x.id.localeCompare(y.id)), [{ id: 'a', value: '{"n":3}' }, { id: 'b', value: '{"n":2}' }]);
      assert.equal(both.truncated, false);
      const one = await table.list('room', 1);
      assert.equal(one.members.length, 1);
      assert.equal(one.truncated, true, 'more entries than listed');
      table.delete('room', 'a');
      table.delete('room', 'a'); // idempotent
      assert.deepEqual(await table.list('room', 10), { members: [{ id: 'b', value: '{"n":2}' }], truncated: false });
      assert.deepEqual(await table.list('other-room', 10), { members: [], truncated: false });
      assert.deepEqual(await ports.members('people-2').list('room', 10), { members: [], truncated: false }, 'another table is apart');
      table.delete('room', 'b');
      assert.deepEqual(await table.list('room', 10), { members: [], truncated: false });
    });

    it('members: announce reaches this node\'s watchers of that key at once and in order; stop ends it', async () => {
      const ports = await fresh();
      const table = ports.members('watched');
      const heard: MemberEvent[] = [];
      const elsewhere: MemberEvent[] = [];
      const stop = table.watch('room', (e) => heard.push(e));
      table.watch('hall', (e) => elsewhere.push(e));
      table.announce({ type: 'add', key: 'room', id: 'a', value: 'x' });
      table.announce({ type: 'remove', key: 'room', id: 'a', value: 'x' });
      assert.deepEqual(heard, [
        { type: 'add', key: 'room', id: 'a', value: 'x' },
        { type: 'remove', key: 'room', id: 'a', value: 'x' },
      ]);
      assert.deepEqual(elsewhere, [], 'a watcher hears only its key');
      stop();
      table.announce({ type: 'add', key: 'room', id: 'b', value: 'y' });
      assert.equal(heard.length, 2, 'no event after stop');
    });
  });
}
