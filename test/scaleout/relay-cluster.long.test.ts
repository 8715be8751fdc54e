/**
 * relay across nodes on one real Redis (issue #7): a publisher on node A reaches receivers on
 * nodes B and C (real processes), and one publisher per channel holds cluster-wide through the
 * Redis lease (nodes wired as the server wires them), including a lost lease.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRelayDialect, type RelayDialect } from '../../src/dialects/relay/index.js';
import { testConfig } from '../helpers/harness.js';
import { startRedis, type RedisUnderTest } from '../helpers/redis-server.js';
import { connect, refusal } from '../helpers/ws-client.js';
import { chunks, eventually, hasChunks, sendChunks } from '../relay/helpers.js';
import { startProcessCluster, type NodeProcess } from './node-processes.js';
import { startWiredNode, type WiredNode } from './wired-nodes.js';
import { startWiredProcess, type WiredProcess } from './wired-processes.js';

describe('relay on a 3-node cluster (real processes, real Redis)', () => {
  // Receivers waiting before the publish starts hear its `start` through the broker. (A receiver that
  // joins mid-publish on another node finds the publish through the cluster lease: the wired test below.)
  it('a publisher on node A reaches waiting receivers on B and C, in order; they close when it ends', async (t) => {
    const cluster = await startProcessCluster(3, { relay: { enabled: true, perIpMax: 100 } });
    t.after(() => cluster.close());
    const [a, b, c] = cluster.nodes as [NodeProcess, NodeProcess, NodeProcess];
    const url = (n: NodeProcess, kind: string) => `ws://127.0.0.1:${n.port('relay')}/cam/key1/${kind}`;
    const rb = await connect(url(b, 'receive'));
    const rc = await connect(url(c, 'receive'));
    const pub = await connect(url(a, 'publish'));
    const parts = Array.from({ length: 50 }, (_, i) => `chunk-${i}`);
    sendChunks(pub, ...parts);
    await rb.until(hasChunks(rb, 50), 10_000);
    await rc.until(hasChunks(rc, 50), 10_000);
    assert.deepEqual(chunks(rb), parts);
    assert.deepEqual(chunks(rc), parts);
    pub.close();
    assert.equal((await rb.closed).code, 1000);
    assert.equal((await rc.closed).code, 1000);
  });
});

describe('relay publisher lease across nodes (wired as the server wires them)', () => {
  let redis: RedisUnderTest;
  const nodes: WiredNode<RelayDialect>[] = [];
  const url = (i: number, channel: string, kind: string) => `ws://127.0.0.1:${nodes[i]!.h.port()}/${channel}/k/${kind}`;
  before(async () => {
    redis = await startRedis();
    const settings = testConfig({ relay: { port: 0, perIpMax: 100 } }).relay;
    for (let i = 0; i < 3; i++) {
      nodes.push(await startWiredNode<RelayDialect>(redis.url, (ports) => (ctx) => createRelayDialect(ctx, settings, ports)));
    }
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await redis.stop();
  });

  it('a second publisher on another node is refused; after the first leaves, any node may publish', async () => {
    const pub = await connect(url(0, 'one', 'publish'));
    sendChunks(pub, 'h');
    const refused = await refusal(url(1, 'one', 'publish'));
    assert.equal(refused.status, 403);
    assert.equal(refused.body, 'Already publishing.');
    assert.equal((await refusal(url(2, 'one', 'publish'))).status, 403);
    // A receiver joining mid-publish on node C finds the publish through the lease, gets the cache from Redis.
    sendChunks(pub, 'x');
    const late = await connect(url(2, 'one', 'receive'));
    await late.until(hasChunks(late, 2));
    assert.deepEqual(chunks(late), ['h', 'x']);
    pub.close();
    assert.equal((await late.closed).code, 1000);
    await eventually(async () => (await redis.command('EXISTS', 'streamhub:relay-pub:relay:one')).startsWith(':0'), 5_000, 'the lease released');
    const next = await connect(url(2, 'one', 'publish'));
    const rx = await connect(url(1, 'one', 'receive'));
    sendChunks(next, 'second');
    await rx.until(hasChunks(rx, 1));
    assert.deepEqual(chunks(rx), ['second']);
    next.close();
  });

  it('a lost lease (another node took the key) closes the publisher with 1012', async () => {
    const pub = await connect(url(0, 'two', 'publish'));
    sendChunks(pub, 'h');
    await eventually(async () => (await redis.command('GET', 'streamhub:relay-pub:relay:two')).includes('publishId'), 5_000, 'the lease');
    await redis.command('SET', 'streamhub:relay-pub:relay:two', '{"publishId":"elsewhere","keyDigest":"x"}', 'PX', '5000');
    const closed = await pub.closed;
    assert.equal(closed.code, 1012);
    assert.equal(closed.reason, 'publisher lease lost');
  });
});

describe('relay publisher node SIGKILLed (3 real processes, wired as the server wires them)', () => {
  it('the dead node\'s lease expires, the publisher reconnects to another node, and receivers get the new publish', async (t) => {
    const redis = await startRedis();
    const procs: WiredProcess[] = [];
    t.after(async () => {
      await Promise.all(procs.map((p) => p.kill('SIGKILL')));
      await redis.stop();
    });
    procs.push(...(await Promise.all([0, 1, 2].map(() => startWiredProcess('relay', redis.url, { perIpMax: 100 })))));
    const url = (p: WiredProcess, kind: string) => `ws://127.0.0.1:${p.port}/live/k/${kind}`;
    const [p0, p1, p2] = procs as [WiredProcess, WiredProcess, WiredProcess];
    const pub = await connect(url(p0, 'publish'));
    sendChunks(pub, 'header-1', 'a');
    const rx = await connect(url(p2, 'receive'));
    await rx.until(hasChunks(rx, 2), 10_000);
    assert.equal((await refusal(url(p1, 'publish'))).status, 403, 'one publisher per channel while node 0 lives');
    await p0.kill('SIGKILL');
    await pub.closed;
    // The lease (600 ms TTL) outlives its node by at most its TTL; then node 1 accepts the publisher.
    let pub2: Awaited<ReturnType<typeof connect>> | null = null;
    await eventually(async () => (pub2 = await connect(url(p1, 'publish')).catch(() => null)) !== null, 5_000, 'node 1 to accept the publisher');
    sendChunks(pub2!, 'header-2', 'b');
    const fresh = await connect(url(p2, 'receive'));
    // It may first get the dead publish's cache (no `end` was ever published for it) if it joins
    // before the new `start` is stored; the new publish follows in any case.
    await fresh.until(() => chunks(fresh).includes('b'), 10_000);
    assert.deepEqual(chunks(fresh).slice(-2), ['header-2', 'b']);
    // The receiver of the dead publish got no `end`: it stays and plays the next publish (notes §3.4).
    await rx.until(() => chunks(rx).includes('b'), 10_000);
    assert.deepEqual(chunks(rx), ['header-1', 'a', 'header-2', 'b']);
    pub2!.close();
    rx.close();
  });
});
