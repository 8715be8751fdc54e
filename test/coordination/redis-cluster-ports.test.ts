/**
 * The Redis engine (src/cluster/) on a real Redis Cluster of 3 masters + 3 replicas (issue 17
 * "Past one Redis" (b)), chosen by a `redis+cluster://` URL: the ports contract unchanged, then
 * what only a Cluster has: a counter table's keys share one hash tag (its MULTI would fail with
 * CROSSSLOT otherwise), a SIGKILLed node leaves the sums at the next sync (CLIENT LIST asked of
 * the master of the table's slot, not of a random node), and the master holding a table dying
 * under it: its replica takes over and the table, a lease and a claim go on.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createCoordination } from '../../src/coordination/index.js';
import { silentLogger } from '../../src/log.js';
import { keySlot } from '../../src/util/redis-cluster-slot.js';
import { eventually } from '../helpers/eventually.js';
import { startRedisCluster, type RedisClusterUnderTest } from '../helpers/redis-cluster.js';
import { portsContract } from './ports.contract.js';

const FAST = { leaseTtlMs: 600, syncIntervalMs: 100, nodeTtlMs: 400, commandTimeoutMs: 1_000, reconnectMaxDelayMs: 100 };

let cluster: RedisClusterUnderTest;
let engines = 0;
before(async () => {
  cluster = await startRedisCluster();
});
after(async () => {
  await cluster.stop();
});

const clusterUrl = () => `redis+cluster://127.0.0.1:${cluster.ports[0]}/?seeds=127.0.0.1:${cluster.ports[1]}`;

/** An engine on its own key prefix, connected to the cluster. */
async function engine(keyPrefix = `c${(engines += 1)}:`, tuning: Partial<typeof FAST> = {}) {
  const e = await createCoordination({ redisUrl: clusterUrl() }, silentLogger, { ...FAST, ...tuning, keyPrefix });
  await e.ready();
  return e;
}

/** Keys under `prefix` on the master serving `slotOf`. */
async function keysOn(port: number, pattern: string): Promise<string[]> {
  const reply = await cluster.command(port, 'KEYS', pattern);
  return (Array.isArray(reply) ? (reply as string[]) : []).sort();
}

portsContract('redis cluster', () => engine());

describe('redis coordination engine on a Redis Cluster', () => {
  it('a counter table keeps its keys under one hash tag, on the master of that slot', async (t) => {
    const e = await engine('t1:');
    t.after(() => e.close()); // also when an assertion fails: an open engine would keep the file alive
    e.ports.counters('viewers').adjust('s', 2);
    const slot = keySlot('t1:{viewers}:nodes');
    const owner = await cluster.masterOf(slot);
    const keys = await eventually(async () => {
      const now = await keysOn(owner, 't1:*');
      return now.length === 2 ? now : null;
    }, 'the node entry and the node set on the slot owner', 3_000);
    assert.equal(keys[1], 't1:{viewers}:nodes');
    assert.match(keys[0]!, /^t1:\{viewers\}:n:/);
    for (const k of keys) assert.equal(Number(await cluster.command(owner, 'CLUSTER', 'KEYSLOT', k)), slot, `${k} in the table's slot`);
    await e.close();
    assert.deepEqual(await keysOn(owner, 't1:*'), [], 'a clean close deletes this node\'s entry');
  });

  it('a member table across two nodes: keys under one hash tag, lists of both nodes, events through Pub/Sub', async (t) => {
    const [a, b] = [await engine('t4:', { nodeTtlMs: 3_000 }), await engine('t4:', { nodeTtlMs: 3_000 })];
    t.after(() => Promise.all([a.close(), b.close()]));
    const [ta, tb] = [a.ports.members('people'), b.ports.members('people')];
    const heard: string[] = [];
    tb.watch('room', (e) => heard.push(`${e.type}:${e.id}`));
    ta.set('room', 'x', 'vx');
    tb.set('room', 'y', 'vy');
    await eventually(async () => (await ta.list('room', 10)).members.map((m) => m.id).sort().join() === 'x,y', 'node A to list both nodes', 5_000);
    const slot = keySlot('t4:{people}:nodes');
    const owner = await cluster.masterOf(slot);
    const keys = await keysOn(owner, 't4:*');
    assert.ok(keys.some((k) => /^t4:\{people\}:m:.+:room$/.test(k)), `the entries on the table's master: ${keys.join(' ')}`);
    for (const k of keys) assert.equal(Number(await cluster.command(owner, 'CLUSTER', 'KEYSLOT', k)), slot, `${k} in the table's slot`);
    // B's subscriber connection may still be opening: announce until it hears, then check the order.
    await eventually(() => {
      ta.announce({ type: 'add', key: 'room', id: 'probe', value: '' });
      return heard.length > 0;
    }, 'node B to hear node A', 10_000);
    heard.length = 0;
    for (let i = 0; i < 10; i++) ta.announce({ type: i % 2 ? 'remove' : 'add', key: 'room', id: `m${i}`, value: '' });
    await eventually(() => heard.filter((h) => h !== 'add:probe').length >= 10, 'the ten events on node B', 5_000);
    assert.deepEqual(heard.filter((h) => h !== 'add:probe'), [...Array(10).keys()].map((i) => `${i % 2 ? 'remove' : 'add'}:m${i}`), 'in order');
  });

  it('a SIGKILLed node leaves the sums at the next sync, not after nodeTtlMs (CLIENT LIST of the slot owner)', async (t) => {
    // nodeTtlMs of a minute: only the closed connection can drop the dead node this fast.
    const tuning = { nodeTtlMs: 60_000 };
    const watcher = await engine('t2:', tuning);
    t.after(() => watcher.close());
    const table = watcher.ports.counters('viewers');
    table.adjust('s', 1);
    const dir = mkdtempSync(join(tmpdir(), 'streamhub-cluster-node-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const script = join(dir, 'node.mts');
    const src = (path: string) => JSON.stringify(pathToFileURL(join(import.meta.dirname, '../../src', path)).href);
    writeFileSync(
      script,
      `import { createCoordination } from ${src('coordination/index.ts')};\n` +
        `import { silentLogger } from ${src('log.ts')};\n` +
        `const e = await createCoordination({ redisUrl: ${JSON.stringify(clusterUrl())} }, silentLogger, ${JSON.stringify({ ...FAST, ...tuning, keyPrefix: 't2:' })});\n` +
        `await e.ready();\ne.ports.counters('viewers').adjust('s', 4);\nprocess.stdout.write('counted\\n');\nsetInterval(() => {}, 1000);\n`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'], cwd: join(import.meta.dirname, '../..') });
    t.after(() => child.kill('SIGKILL'));
    await eventually(() => table.count('s') === 5, 'the other process\'s 4 viewers in the sum', 20_000);
    const killedAt = Date.now();
    child.kill('SIGKILL');
    await eventually(() => table.count('s') === 1, 'the dead process to leave the sum', 5_000);
    assert.ok(Date.now() - killedAt < tuning.nodeTtlMs, 'left through CLIENT LIST, not the entry\'s expiry');
  });

  it('the master holding a table, a lease and a claim dies: its replica takes over and all three go on', async (t) => {
    // Leases of the default 10 s: the failover (≈ 2–3 s here) is shorter than ⅔ of it, so renewals resume in time.
    const e = await engine('t3:', { leaseTtlMs: 10_000 });
    t.after(() => e.close()); // also when an assertion fails: an open engine would keep the file alive
    const table = e.ports.counters('viewers');
    table.adjust('s', 3);
    await eventually(() => table.count('s') === 3, 'the count 3', 3_000);
    // Put the lease and the claim on the same master as the table, so one kill hits all three.
    const victim = await cluster.masterOf('t3:{viewers}:nodes');
    const sameMaster = async (make: (i: number) => string) => {
      for (let i = 0; i < 2_000; i++) if ((await cluster.masterOf(make(i))) === victim) return i;
      throw new Error('no key on the victim master');
    };
    const role = `role-${await sameMaster((i) => `t3:leader:role-${i}`)}`;
    const claimKey = `k-${await sameMaster((i) => `t3:pub:k-${i}`)}`;
    const lease = e.ports.lease(role);
    await eventually(() => lease.held(), 'the lease held', 5_000);
    const claim = await e.ports.claims('pub').claim(claimKey, { holderId: 'h', digest: 'd' });
    assert.ok(claim);
    let lost = false;
    claim.onLost?.(() => (lost = true));
    const masters = await cluster.masters();
    const { promoted } = await cluster.killMaster(masters.indexOf(victim));
    assert.equal(await cluster.masterOf('t3:{viewers}:nodes'), promoted);
    table.adjust('s', 2);
    await eventually(() => table.count('s') === 5, 'the table synced on the promoted replica', 10_000);
    await eventually(() => lease.held(), 'the lease held again (renewed on the promoted replica)', 10_000);
    // A read may fail until this client's slot map shows the promoted replica (nothing is resent: the caller retries).
    const current = await eventually(() => e.ports.claims('pub').current(claimKey).catch(() => null), 'the claim readable on the replica', 10_000);
    assert.deepEqual(current, { holderId: 'h', digest: 'd' }, 'the claim survived on the replica');
    assert.equal(lost, false, 'the claim was not lost: its renewals resumed on the replica within ⅔ of leaseTtlMs');
    await e.close();
  });
});
