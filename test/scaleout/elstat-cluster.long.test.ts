/**
 * elstat across nodes on one real Redis (issue #7): the prober runs on one node of three (the
 * Redis lease), every node's clients get the values through the broker, and another node takes
 * over when the prober's node leaves. Nodes are wired as the server wires them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createElstatDialect, type ElstatDialect } from '../../src/dialects/elstat/index.js';
import { testConfig } from '../helpers/harness.js';
import { startRedis, type RedisUnderTest } from '../helpers/redis-server.js';
import { connect, type RecordingClient } from '../helpers/ws-client.js';
import { eventually } from '../helpers/eventually.js';
import { startHttpTarget, subscribe, values, type HttpTarget } from '../elstat/fixtures.js';
import { startWiredNode, type WiredNode } from './wired-nodes.js';
import { startWiredProcess, type WiredProcess } from './wired-processes.js';

const checks = (n: WiredNode<ElstatDialect>) => Number(n.h.dialect.stats().checks ?? 0);
// A lease long enough that a loaded machine's event-loop stalls do not hand leadership around
// (with a shorter one, a stall past ⅔ of the TTL makes the holder step down, by design).
const STABLE = { leaseTtlMs: 3_000 };

describe('elstat on a 3-node cluster (wired as the server wires them)', () => {
  let redis: RedisUnderTest;
  let target: HttpTarget;
  const nodes: WiredNode<ElstatDialect>[] = [];
  before(async () => {
    redis = await startRedis();
    target = await startHttpTarget();
    const settings = testConfig({ elstat: { port: 0, services: [{ name: 'web', adapter: 'http', target: target.url, intervalMs: 100, timeoutMs: 1_000 }] } }).elstat;
    for (let i = 0; i < 3; i++) {
      nodes.push(
        await startWiredNode<ElstatDialect>(redis.url, (ports) => (ctx) =>
          createElstatDialect(ctx, settings, ports),
          STABLE,
        ),
      );
    }
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await target.stop();
    await redis.stop();
  });

  it('probes once per cluster; clients on every node get the values; another node takes over when the prober leaves', async () => {
    const clients: RecordingClient[] = [];
    for (const n of nodes) {
      const c = await connect(`ws://127.0.0.1:${n.h.port()}/api/streaming`);
      await subscribe(c, ['status:web', 'latency:web']);
      clients.push(c);
    }
    for (const c of clients) await c.until((m) => values(m, 'status:web').length >= 3, 10_000);
    const probing = nodes.filter((n) => checks(n) > 0);
    assert.equal(probing.length, 1, 'exactly one node probes');
    // Every check of the cluster hit the target once: the target saw as many requests as the leader made checks (± one in flight).
    assert.ok(Math.abs(target.requests - checks(probing[0]!)) <= 1, `${target.requests} requests for ${checks(probing[0]!)} checks`);
    for (const c of clients) assert.ok(values(c.messages, 'status:web').every((v) => v === true));

    const leader = probing[0]!;
    const rest = nodes.filter((n) => n !== leader);
    const restClients = clients.filter((_, i) => nodes[i] !== leader);
    const before = restClients.map((c) => values(c.messages, 'status:web').length);
    await leader.close();
    await eventually(() => rest.some((n) => checks(n) > 0), 'another node to take the prober over', 10_000);
    assert.equal(rest.filter((n) => checks(n) > 0).length, 1, 'still exactly one');
    await Promise.all(restClients.map((c, i) => c.until((m) => values(m, 'status:web').length >= before[i]! + 3, 10_000)));
    for (const c of clients) c.close();
  });
});

describe('elstat prober takeover when its node is SIGKILLed (3 real processes)', () => {
  it('exactly one process probes; after SIGKILL of that process another takes over and clients elsewhere keep getting values', async (t) => {
    const redis = await startRedis();
    const target = await startHttpTarget();
    const procs: WiredProcess[] = [];
    t.after(async () => {
      await Promise.all(procs.map((p) => p.kill('SIGKILL')));
      await target.stop();
      await redis.stop();
    });
    const config = { services: [{ name: 'web', adapter: 'http', target: target.url, intervalMs: 100, timeoutMs: 1_000 }] };
    procs.push(...(await Promise.all([0, 1, 2].map(() => startWiredProcess('elstat', redis.url, config, STABLE)))));
    // Only the prober's node has a local check history (/api/status last_check).
    const probing = async () => {
      const out: WiredProcess[] = [];
      for (const p of procs) {
        if (p.child.exitCode !== null || p.child.signalCode !== null) continue;
        const body = (await (await fetch(`http://127.0.0.1:${p.port}/api/status`)).json()) as { web: { last_check: number | null } };
        if (body.web.last_check !== null) out.push(p);
      }
      return out;
    };
    await eventually(async () => (await probing()).length === 1, 'one process probing', 10_000);
    const leader = (await probing())[0]!;
    const others = procs.filter((p) => p !== leader);
    const clients = await Promise.all(others.map(async (p) => {
      const c = await connect(`ws://127.0.0.1:${p.port}/api/streaming`);
      await subscribe(c, ['status:web']);
      return c;
    }));
    for (const c of clients) await c.until((m) => values(m, 'status:web').length >= 2, 10_000);
    await leader.kill('SIGKILL');
    const counts = clients.map((c) => values(c.messages, 'status:web').length);
    // The lease (3 s TTL in these nodes) expires and one survivor takes over.
    await eventually(async () => (await probing()).length === 1, 'a surviving process to take the prober over', 10_000);
    await Promise.all(clients.map((c, i) => c.until((m) => values(m, 'status:web').length >= counts[i]! + 3, 10_000)));
    for (const c of clients) c.close();
  });
});
