/**
 * Embedded multi-core coordination (src/coordination/ipc/, issue 19): the workers' ports backed by
 * the primary's CoordinationHost. The ports contract on one worker, then what needs several: caps
 * and counters summed over workers, one holder per claim across workers, and leases and claims given
 * up when a worker exits. Each worker reaches the host over a worker_threads MessageChannel
 * (structured clone, as node:cluster's IPC); test/scaleout/workers.long.test.ts runs real workers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { ipcCoordination } from '../../src/coordination/ipc/client.js';
import { CoordinationHost } from '../../src/coordination/ipc/host.js';
import type { Coordination, MemberEvent } from '../../src/coordination/ports.js';
import type { IpcEndpoint } from '../../src/util/ipc-endpoint.js';
import { eventually } from '../helpers/eventually.js';
import { portsContract } from './ports.contract.js';

function endpoint(port: MessagePort): IpcEndpoint {
  return {
    send: (message) => (port.postMessage(message), true),
    on: (event, listener) => port.on(event, listener),
    off: (event, listener) => port.off(event, listener),
  };
}

/** A host and `n` workers attached to it; `exit(i)` is worker i's process ending. */
async function machine(n: number): Promise<{ workers: Coordination[]; exit(i: number): void; close(): Promise<void> }> {
  const host = new CoordinationHost();
  const ports: MessagePort[] = [];
  const detach: (() => void)[] = [];
  const workers: Coordination[] = [];
  for (let i = 0; i < n; i++) {
    const { port1, port2 } = new MessageChannel();
    ports.push(port1, port2);
    detach.push(host.attach(`w${i}`, endpoint(port1)));
    workers.push(ipcCoordination(endpoint(port2)));
  }
  await Promise.all(workers.map((w) => w.ready()));
  return {
    workers,
    exit: (i) => detach[i]!(),
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      detach.forEach((d) => d());
      ports.forEach((p) => p.close());
    },
  };
}

portsContract('ipc (one worker)', async () => {
  const m = await machine(1);
  return { ports: m.workers[0]!.ports, close: () => m.close() };
});

describe('ipc coordination across workers', () => {
  it('caps count every worker: a per-IP cap of 2 admits two connections over both workers, then refuses on either', async (t) => {
    const m = await machine(2);
    t.after(() => m.close());
    const [a, b] = m.workers.map((w) => w.ports.limiter('match', { perIpMax: 2, totalMax: 3 }));
    assert.ok('release' in a!.tryAcquire('10.0.0.1'));
    assert.ok('release' in b!.tryAcquire('10.0.0.1'));
    await eventually(() => a!.countFor('10.0.0.1') === 2 && b!.countFor('10.0.0.1') === 2, 'both workers see 2');
    assert.deepEqual(a!.tryAcquire('10.0.0.1'), { refused: 'per_ip' });
    assert.deepEqual(b!.tryAcquire('10.0.0.1'), { refused: 'per_ip' });
    const third = b!.tryAcquire('10.0.0.2');
    assert.ok('release' in third);
    await eventually(() => a!.total === 3, 'worker a sees the total');
    assert.deepEqual(a!.tryAcquire('10.0.0.3'), { refused: 'total' });
    third.release();
    await eventually(() => a!.total === 2, 'the release reaches worker a');
    assert.ok('release' in a!.tryAcquire('10.0.0.3'));
  });

  it('counters are summed over workers and a worker that exits takes its counts with it', async (t) => {
    const m = await machine(3);
    t.after(() => m.close());
    const tables = m.workers.map((w) => w.ports.counters('nova-viewers'));
    const changes: string[] = [];
    tables[0]!.onChange((key) => changes.push(key));
    tables[0]!.adjust('s1', 2);
    tables[1]!.adjust('s1', 3);
    tables[2]!.adjust('s1', 1);
    await eventually(() => tables.every((c) => c.count('s1') === 6), 'every worker counts 6');
    assert.ok(changes.length >= 2, 'the remote change is heard');
    m.exit(1);
    await eventually(() => tables[0]!.count('s1') === 3 && tables[2]!.count('s1') === 3, 'the exited worker no longer counts');
  });

  it('a claim has one holder across workers, and is freed when its worker exits', async (t) => {
    const m = await machine(2);
    t.after(() => m.close());
    const [a, b] = m.workers.map((w) => w.ports.claims('relay-publisher'));
    const held = await a!.claim('chan', { holderId: 'p1', digest: 'd1' });
    assert.ok(held);
    assert.equal(await b!.claim('chan', { holderId: 'p2', digest: 'd2' }), null);
    assert.deepEqual(await b!.current('chan'), { holderId: 'p1', digest: 'd1' });
    await held.release();
    await eventually(async () => (await b!.current('chan')) === null, 'released');
    assert.ok(await a!.claim('chan', { holderId: 'p3', digest: 'd3' }));
    m.exit(0);
    await eventually(async () => (await b!.current('chan')) === null, 'freed by the exit');
    assert.ok(await b!.claim('chan', { holderId: 'p4', digest: 'd4' }));
  });

  it('members: every worker lists all workers\' entries, hears the others\' events in order, and an exited worker\'s entries leave as `remove`', async (t) => {
    const m = await machine(3);
    t.after(() => m.close());
    const tables = m.workers.map((w) => w.ports.members('presence'));
    const heard: MemberEvent[] = [];
    tables[0]!.watch('room', (e) => heard.push(e));
    tables[1]!.set('room', 'x', 'vx');
    tables[2]!.set('room', 'y', 'vy');
    const sent: MemberEvent[] = [];
    for (let i = 0; i < 10; i++) sent.push({ type: i % 2 ? 'remove' : 'add', key: 'room', id: `m${i}`, value: String(i) });
    for (const e of sent) tables[1]!.announce(e);
    await eventually(async () => (await tables[0]!.list('room', 10)).members.map((e) => e.id).sort().join() === 'x,y', 'worker 0 to list both');
    await eventually(() => heard.length >= sent.length, 'worker 0 to hear worker 1');
    assert.deepEqual(heard, sent, 'once each, in order');
    assert.deepEqual(await tables[2]!.list('room', 1).then((l) => [l.members.length, l.truncated]), [1, true]);
    m.exit(2);
    await eventually(() => heard.some((e) => e.type === 'remove' && e.id === 'y' && e.value === 'vy'), 'the exited worker\'s entry announced as remove');
    assert.deepEqual((await tables[0]!.list('room', 10)).members, [{ id: 'x', value: 'vx' }]);
  });

  it('a lease is held by exactly one worker and moves when that worker exits', async (t) => {
    const m = await machine(3);
    t.after(() => m.close());
    const leases = m.workers.map((w) => w.ports.lease('elstat-prober'));
    await eventually(() => leases.filter((l) => l.held()).length === 1, 'one holder');
    const first = leases.findIndex((l) => l.held());
    m.exit(first);
    const rest = leases.filter((_, i) => i !== first);
    await eventually(() => rest.filter((l) => l.held()).length === 1, 'the lease moved to one other worker');
  });
});

describe('ipc coordination when the primary does not answer', () => {
  it('a claim and a member list fail with ERR_COORDINATION after callTimeoutMs instead of waiting forever', async (t) => {
    // A primary that takes the worker's messages and never answers (stalled, or busy past the bound).
    const { port1, port2 } = new MessageChannel();
    port1.on('message', () => undefined);
    const worker = ipcCoordination(endpoint(port2), { callTimeoutMs: 100 });
    t.after(async () => {
      await worker.close();
      port1.close();
      port2.close();
    });
    const claim = worker.ports.claims('relay').claim('relay:c', { holderId: 'p1', digest: 'd' });
    const list = worker.ports.members('streamhub.members').list('streamhub:room', 10);
    await assert.rejects(claim, (err: Error & { code?: string }) => err.code === 'ERR_COORDINATION' && /100 ms/.test(err.message));
    await assert.rejects(list, (err: Error & { code?: string }) => err.code === 'ERR_COORDINATION');
  });
});
