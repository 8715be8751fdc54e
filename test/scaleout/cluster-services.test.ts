/**
 * src/cluster against a real redis-server (issue #7, issue 16 item 2): the Redis coordination
 * ports as the dialects ask for them (relay's publisher claims through its registry, elstat's
 * prober lease, match's caps, nova's viewer counts) across several nodes' engines, on the Redis
 * keys docs/cluster.md lists, and what happens when a node is SIGKILLed or Redis goes away.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClusterCoordination, type ClusterCoordination } from '../../src/cluster/index.js';
import { PROBER_LEASE } from '../../src/dialects/elstat/index.js';
import { CAPS_LIMITER } from '../../src/dialects/match/index.js';
import { VIEWER_COUNTS_TABLE } from '../../src/dialects/nova/viewer-counts.js';
import { PUBLISHER_CLAIMS, publisherRegistry } from '../../src/dialects/relay/publisher-registry.js';
import { silentLogger } from '../../src/log.js';
import { eventually } from '../helpers/eventually.js';
import { startRedis, type RedisUnderTest } from '../helpers/redis-server.js';

const FAST = { leaseTtlMs: 600, syncIntervalMs: 100, nodeTtlMs: 400, commandTimeoutMs: 500, reconnectMaxDelayMs: 100 };

describe('cluster coordination (the Redis ports) on a real Redis', () => {
  let redis: RedisUnderTest;
  const open: ClusterCoordination[] = [];
  const node = (keyPrefix = 'a:', ipv6CapPrefix?: number) => {
    const s = createClusterCoordination({ url: redis.url, keyPrefix, ...FAST }, silentLogger);
    open.push(s);
    // What each dialect asks its ports for (the dialects' own names: the Redis keys stay theirs).
    return {
      engine: s,
      health: () => s.health(),
      relayRegistry: publisherRegistry(s.ports.claims(PUBLISHER_CLAIMS)),
      prober: s.ports.lease(PROBER_LEASE),
      limiter: (perIpMax: number, totalMax: number) => s.ports.limiter(CAPS_LIMITER, { perIpMax, totalMax, ...(ipv6CapPrefix ? { ipv6CapPrefix } : {}) }),
      viewerCounts: s.ports.counters(VIEWER_COUNTS_TABLE),
    };
  };
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await Promise.all(open.map((s) => s.close()));
    await redis.stop();
  });

  it('relay: one publisher per channel across nodes; current() shows the claim everywhere; release frees it', async () => {
    const [a, b] = [node('r1:'), node('r1:')];
    await eventually(() => a.health().ok && b.health().ok, 'both connected');
    const claim = { publishId: 'p1', keyDigest: 'digest' };
    const lease = await a.relayRegistry.reserve('relay:c', claim);
    assert.ok(lease);
    assert.equal(await b.relayRegistry.reserve('relay:c', { publishId: 'p2', keyDigest: 'x' }), null);
    assert.deepEqual(await b.relayRegistry.current('relay:c'), claim);
    assert.ok(await b.relayRegistry.reserve('relay:other', { publishId: 'p3', keyDigest: 'x' }), 'other channels are free');
    await lease.release();
    await lease.release(); // idempotent
    assert.equal(await b.relayRegistry.current('relay:c'), null);
    assert.ok(await b.relayRegistry.reserve('relay:c', { publishId: 'p4', keyDigest: 'y' }));
  });

  it('relay: the lease is renewed past its TTL, and lost (listener called) when another value takes the key', async () => {
    const a = node('r2:');
    await eventually(() => a.health().ok, 'connected');
    const lease = await a.relayRegistry.reserve('relay:c', { publishId: 'p1', keyDigest: 'd' });
    assert.ok(lease?.onLost);
    let lost = false;
    lease.onLost(() => (lost = true));
    // Three TTLs later the key is still ours: renewal works.
    const until = Date.now() + 3 * FAST.leaseTtlMs;
    await eventually(() => Date.now() > until, 'three lease TTLs', 5_000);
    assert.equal(lost, false);
    assert.match(await redis.command('PTTL', 'r2:relay-pub:relay:c'), /^:\d+/);
    await redis.command('SET', 'r2:relay-pub:relay:c', '{"publishId":"intruder","keyDigest":"z"}');
    await eventually(() => lost, 'the lost listener', 3_000);
    await lease.release(); // must not delete the intruder's key
    assert.match(await redis.command('GET', 'r2:relay-pub:relay:c'), /intruder/);
  });

  it('elstat: exactly one of three nodes leads; when it stops, another takes over', async () => {
    const nodes = [node('l1:'), node('l1:'), node('l1:')];
    await eventually(() => nodes.filter((n) => n.prober.held()).length === 1, 'one leader', 5_000);
    const leader = nodes.find((n) => n.prober.held())!;
    await leader.engine.close(); // the node leaves: it hands its lease back
    const rest = nodes.filter((n) => n !== leader);
    await eventually(() => rest.filter((n) => n.prober.held()).length === 1, 'a new leader', 5_000);
    assert.equal(leader.prober.held(), false);
  });

  it('caps: per-IP and total counted across nodes; a release frees the slot cluster-wide', async () => {
    const [a, b] = [node('c1:'), node('c1:')];
    const la = a.limiter(2, 3);
    const lb = b.limiter(2, 3);
    assert.equal(a.limiter(2, 3), la, 'one limiter per name');
    assert.throws(() => a.limiter(5, 3), /other caps/, 'the same name with other caps is a wiring mistake');
    const s1 = la.tryAcquire('10.0.0.1');
    const s2 = la.tryAcquire('10.0.0.1');
    assert.ok('release' in s1 && 'release' in s2);
    await eventually(() => lb.countFor('10.0.0.1') === 2, 'node B to see node A\'s two connections', 3_000);
    assert.deepEqual(lb.tryAcquire('10.0.0.1'), { refused: 'per_ip' });
    const s3 = lb.tryAcquire('10.0.0.2');
    assert.ok('release' in s3);
    await eventually(() => la.total === 3, 'node A to see the total', 3_000);
    assert.deepEqual(la.tryAcquire('10.0.0.3'), { refused: 'total' });
    s1.release();
    s1.release(); // idempotent
    await eventually(() => lb.total === 2, 'the release seen on node B', 3_000);
    assert.ok('release' in lb.tryAcquire('10.0.0.1'));
  });

  it('caps: an IPv6 client counts as its /64 by default, as every address apart with ipv6CapPrefix 128', async () => {
    const grouped = node('c6:').limiter(1, 10);
    assert.ok('release' in grouped.tryAcquire('2001:db8:1:2::a'));
    assert.deepEqual(grouped.tryAcquire('2001:db8:1:2::b'), { refused: 'per_ip' }, 'same /64');
    assert.ok('release' in grouped.tryAcquire('2001:db8:1:3::a'), 'another /64');
    const limiter = node('c7:', 128).limiter(1, 10);
    assert.ok('release' in limiter.tryAcquire('2001:db8:1:2::a'));
    assert.ok('release' in limiter.tryAcquire('2001:db8:1:2::b'), 'with /128 each address has its own cap');
  });

  it('nova: viewer counts summed across nodes, with a change notification on the other node', async () => {
    const [a, b] = [node('v1:'), node('v1:')];
    const heard: string[] = [];
    b.viewerCounts.onChange((id) => heard.push(id));
    a.viewerCounts.adjust('s1', 2);
    b.viewerCounts.adjust('s1', 3);
    await eventually(() => a.viewerCounts.count('s1') === 5 && b.viewerCounts.count('s1') === 5, 'the sum on both nodes', 3_000);
    assert.ok(heard.filter((id) => id === 's1').length >= 2, 'B heard its own change and A\'s');
    a.viewerCounts.adjust('s1', -2);
    await eventually(() => b.viewerCounts.count('s1') === 3, 'the leave seen on node B', 3_000);
  });

  it('a node killed with SIGKILL: its relay lease, prober lease, cap slots and viewers expire, and another node takes over', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'cluster-child.ts'), redis.url], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((done) => child.once('exit', done));
    let survivor!: ReturnType<typeof node>;
    let caps!: ReturnType<typeof survivor.limiter>;
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await eventually(() => out.includes('ready'), 'the child node to hold its state', 20_000);
      assert.match(out, /ready lease 1/);
      // The survivor starts after the child leads, as a node joining a running cluster.
      survivor = node('streamhub:');
      caps = survivor.limiter(10, 10);
      await eventually(
        () => caps.total === 1 && survivor.viewerCounts.count('stream-1') === 5,
        'the survivor to see the child\'s cap slot and viewers',
        3_000,
      );
      assert.equal(survivor.prober.held(), false);
      assert.equal(await survivor.relayRegistry.reserve('relay:crash', { publishId: 'x', keyDigest: 'd' }), null);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    const killedAt = Date.now();
    await eventually(() => survivor.prober.held(), 'the survivor to take over the prober', 5_000);
    await eventually(() => caps.total === 0 && survivor.viewerCounts.count('stream-1') === 0, 'the dead node\'s counts to expire', 5_000);
    await eventually(async () => (await survivor.relayRegistry.reserve('relay:crash', { publishId: 'y', keyDigest: 'd' })) !== null, 'the channel to be free', 5_000);
    // Bounded by the TTLs (600 ms lease, 400 ms node entry) plus one renewal period, with slack for a loaded machine.
    assert.ok(Date.now() - killedAt < 8_000, `took over after ${Date.now() - killedAt} ms`);
  });

  it('Redis down: health says so, a held lease is given up within ⅔ of its TTL, and all recovers when Redis is back', async () => {
    const a = node('f1:');
    await eventually(() => a.prober.held(), 'leadership', 5_000);
    const lease = await a.relayRegistry.reserve('relay:f', { publishId: 'p', keyDigest: 'd' });
    let lost = false;
    lease!.onLost!(() => (lost = true));
    await redis.stop();
    await eventually(() => !a.health().ok, 'health to report the outage', 5_000);
    await eventually(() => lost && !a.prober.held(), 'the leases given up', 5_000);
    await redis.restart();
    await eventually(() => a.health().ok && a.prober.held(), 'reconnected and leading again', 10_000);
  });
});
