/**
 * Presence across streamhub nodes sharing one real redis-server (issue 18: "cluster-wide on Redis",
 * PROTOCOL.md §12): members of every node listed, join/leave pushed to watchers on another node,
 * the per-node bound on kept members (counts go on, pushes stop past maxJoinLeaveMembers), a clean
 * close deleting a node's keys at once, and a SIGKILLed node's members leaving listings and pushed
 * as leaves (docs/cluster.md "Coordination keys").
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createClusterCoordination } from '../../src/cluster/index.js';
import { streamhubSchema } from '../../src/dialects/streamhub/config.js';
import { createStreamhubDialect } from '../../src/dialects/streamhub/index.js';
import { silentLogger } from '../../src/log.js';
import { eventually } from '../helpers/eventually.js';
import { startDialect } from '../helpers/harness.js';
import { startRedis, type RedisUnderTest } from '../helpers/redis-server.js';
import { PRESENCE_CLUSTER_TIMINGS } from './presence-timings.js';
import { SECRET, TestClient, token, type Frame } from './setup.js';

const TABLE = 'streamhub.members';
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

/** One streamhub node on Redis coordination under `keyPrefix`. */
async function node(keyPrefix: string, nodeId: string, presence: Record<string, number> = {}) {
  const engine = createClusterCoordination({ url: redis.url, keyPrefix, nodeId, ...PRESENCE_CLUSTER_TIMINGS }, silentLogger);
  await engine.ready();
  const settings = streamhubSchema.parse({ port: 0, auth: { hmacSecret: SECRET }, presence });
  const h = await startDialect((ctx) => createStreamhubDialect(ctx, settings, engine.ports));
  let closed: Promise<void> | null = null;
  return {
    url: `ws://127.0.0.1:${h.port()}/v1/ws`,
    close: () => (closed ??= h.close().then(() => engine.close())),
  };
}

/** An integer reply (HLEN, EXISTS, PUBSUB NUMSUB's count). */
async function integer(...args: string[]): Promise<number> {
  const reply = (await admin.call(args[0]!, ...args.slice(1))) as number | unknown[];
  return Number(Array.isArray(reply) ? reply[1] : reply);
}

/** Waits until some node listens to `channel`'s member events (a watcher hears only what is sent after it subscribed). */
async function watched(prefix: string, channel: string): Promise<void> {
  await eventually(async () => (await integer('PUBSUB', 'NUMSUB', `${prefix}${TABLE}:e:${channel}`)) >= 1, 'the watcher node to subscribe', 5_000);
}

async function user(url: string, sub: string, info?: unknown): Promise<TestClient> {
  const c = await TestClient.open(url);
  const reply = await c.request({ type: 'connect', token: await token({}, { sub }), ...(info !== undefined ? { info } : {}) });
  assert.equal(reply.type, 'connected');
  return c;
}

const users = (p: Frame) => (p.members as Frame[]).map((m) => m.user).sort();
/** Users pushed to `c` as `type`, its own join left out. */
const pushes = (c: TestClient, type: string) => c.frames.filter((f) => f.type === type).map((f) => (f.member as Frame).user).filter((u) => u !== 'w');

describe('streamhub presence on Redis coordination', () => {
  it('a client on node A lists the members of both nodes and hears joins and leaves made on node B; a clean close deletes B\'s keys', async (t) => {
    const [a, b] = [await node('p1:', 'node-a'), await node('p1:', 'node-b')];
    t.after(() => Promise.all([a.close(), b.close()]));
    const ana = await user(a.url, 'ana');
    t.after(() => ana.close());
    assert.equal((await ana.request({ type: 'subscribe', channels: [{ channel: 'streamhub:room', presence: true }] })).type, 'subscribed');
    await watched('p1:', 'streamhub:room');
    const bo = await user(b.url, 'bo', { name: 'Bo' });
    t.after(() => bo.close());
    await bo.request({ type: 'subscribe', channels: [{ channel: 'streamhub:room' }] });

    const join = await ana.waitFor((f) => f.type === 'join' && (f.member as Frame).user === 'bo');
    assert.deepEqual(join.member, { client: (join.member as Frame).client, user: 'bo', info: { name: 'Bo' } }, 'the member as node B sees it');
    // Eventually: a node reads the nodes its last sync found alive (a stall on a loaded machine can hide one for a sync).
    const listed = await eventually(async () => {
      const reply = await ana.request({ type: 'presence', channel: 'streamhub:room', members: true });
      return users(reply).join() === 'ana,bo' ? reply : null;
    }, 'members of both nodes listed on node A');
    assert.equal(listed.truncated, false);
    assert.equal(listed.count, 2);
    // Distinct users, summed over nodes at each sync.
    await eventually(async () => (await ana.request({ type: 'presence', channel: 'streamhub:room' })).users === 2, 'users of both nodes counted on node A');
    await eventually(async () => users(await bo.request({ type: 'presence', channel: 'streamhub:room', members: true })).join() === 'ana,bo', 'and on node B');
    assert.equal(await integer('HLEN', `p1:${TABLE}:m:node-b:streamhub:room`), 1, 'node B keeps its member under its own key');

    bo.close();
    await ana.waitFor((f) => f.type === 'leave' && (f.member as Frame).user === 'bo');
    assert.deepEqual(users(await ana.request({ type: 'presence', channel: 'streamhub:room', members: true })), ['ana']);

    const carl = await user(b.url, 'carl');
    await carl.request({ type: 'subscribe', channels: [{ channel: 'streamhub:room' }] });
    await eventually(async () => (await integer('EXISTS', `p1:${TABLE}:m:node-b:streamhub:room`)) === 1, 'carl kept by node B');
    await b.close(); // carl's connection ends with it
    await ana.waitFor((f) => f.type === 'leave' && (f.member as Frame).user === 'carl'); // sent before B's engine closed
    assert.equal(await integer('EXISTS', `p1:${TABLE}:m:node-b:streamhub:room`), 0, 'a clean close deletes node B\'s entries');
    assert.equal(await integer('EXISTS', `p1:${TABLE}:k:node-b`), 0, 'and its key index');
    assert.deepEqual(users(await ana.request({ type: 'presence', channel: 'streamhub:room', members: true })), ['ana']);
  });

  it('a node keeps at most max(maxMembersListed, maxJoinLeaveMembers) members per channel, tops up to maxMembersListed; counts go on; pushes stop past maxJoinLeaveMembers', async (t) => {
    const bounds = { maxMembersListed: 3, maxJoinLeaveMembers: 3 };
    const [a, b] = [await node('p2:', 'node-a', bounds), await node('p2:', 'node-b', bounds)];
    t.after(() => Promise.all([a.close(), b.close()]));
    const watcher = await user(a.url, 'w');
    t.after(() => watcher.close());
    await watcher.request({ type: 'subscribe', channels: [{ channel: 'streamhub:big', presence: true }] });
    await watched('p2:', 'streamhub:big');
    const crowd: TestClient[] = [];
    t.after(() => crowd.forEach((c) => c.close()));
    for (let i = 1; i <= 5; i++) {
      const c = await user(b.url, `u${i}`);
      crowd.push(c);
      await c.request({ type: 'subscribe', channels: [{ channel: 'streamhub:big' }] });
    }
    const kept = `p2:${TABLE}:m:node-b:streamhub:big`;
    await eventually(async () => (await integer('HLEN', kept)) === 3, 'node B to keep 3 of its 5 members');
    const p = await eventually(async () => {
      const reply = await watcher.request({ type: 'presence', channel: 'streamhub:big', members: true });
      return reply.count === 6 && (reply.members as Frame[]).length === 3 ? reply : null;
    }, 'the count of all 6 members, 3 of them listed (maxMembersListed)');
    assert.equal(p.truncated, true);

    const countOnB = async (n: number) =>
      eventually(async () => (await crowd[4]!.request({ type: 'presence', channel: 'streamhub:big' })).count === n, `node B to count ${n}`);
    await countOnB(6);

    // u1 (kept) leaves: u4 or u5, unkept so far, takes its place in the table (fewer than maxMembersListed kept).
    crowd[0]!.close();
    await eventually(async () => /^u2,u3,u[45]$/.test((await memberUsers(kept)).sort().join()), 'u4 or u5 kept in u1\'s place');
    // u2 and u3 leave while the channel still counts more than 3 (node B's count is at most one
    // sync old and was never below 4 before these leaves): no push.
    crowd[1]!.close();
    crowd[2]!.close();
    await countOnB(3);
    // u4 leaves a channel of 3 (the watcher, u4, u5): pushed. Pushes from node B arrive in order, so
    // every push it sent before this one is in already.
    crowd[3]!.close();
    await watcher.waitFor((f) => f.type === 'leave' && (f.member as Frame).user === 'u4');
    assert.deepEqual(pushes(watcher, 'join').sort(), ['u1', 'u2', 'u3'], 'joins pushed only while node B had at most 3 members');
    assert.deepEqual(pushes(watcher, 'leave'), ['u4'], 'no leave pushed while the channel had more than 3 members');
  });

  it('a SIGKILLed node: its members leave listings within a sync, and watchers get their leave once its entry expires', async (t) => {
    const a = await node('p3:', 'node-a');
    t.after(() => a.close());
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'presence-node-child.ts'), redis.url, 'p3:', 'node-k'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((done) => child.once('exit', done));
    t.after(() => {
      child.kill('SIGKILL');
      return exited;
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const port = Number((await eventually(() => /port (\d+)/.exec(out), 'the child node to listen', 60_000))[1]);
    const ana = await user(a.url, 'ana');
    t.after(() => ana.close());
    await ana.request({ type: 'subscribe', channels: [{ channel: 'streamhub:crash', presence: true }] });
    await watched('p3:', 'streamhub:crash');
    const kim = await user(`ws://127.0.0.1:${port}/v1/ws`, 'kim');
    t.after(() => kim.close());
    await kim.request({ type: 'subscribe', channels: [{ channel: 'streamhub:crash' }] });
    await ana.waitFor((f) => f.type === 'join' && (f.member as Frame).user === 'kim');
    assert.deepEqual(users(await ana.request({ type: 'presence', channel: 'streamhub:crash', members: true })), ['ana', 'kim']);

    child.kill('SIGKILL'); // no cleanup: its entries stay in Redis until a survivor removes them
    await exited;
    await eventually(async () => {
      const p = await ana.request({ type: 'presence', channel: 'streamhub:crash', members: true });
      return users(p).join() === 'ana' && p.count === 1;
    }, 'kim to leave the listing and the count', 5_000);
    // Left out as soon as its connection is gone, before a survivor deletes its entries (nodeTtlMs, 3 s here).
    assert.equal(await integer('EXISTS', `p3:${TABLE}:m:node-k:streamhub:crash`), 1, 'kim left the listing before its entry was deleted');
    assert.deepEqual(pushes(ana, 'leave'), [], 'and before the leave push');
    await ana.waitFor((f) => f.type === 'leave' && (f.member as Frame).user === 'kim', 10_000); // the survivor pushes the dead node's member
    await eventually(async () => (await integer('EXISTS', `p3:${TABLE}:m:node-k:streamhub:crash`, `p3:${TABLE}:k:node-k`)) === 0, 'the dead node\'s keys deleted');
    assert.deepEqual(pushes(ana, 'leave'), ['kim'], 'one leave, from one survivor');
  });
});

async function memberUsers(key: string): Promise<string[]> {
  return (await admin.hvals(key)).map((v) => (JSON.parse(v) as { user: string }).user);
}
