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

const checks = (n: WiredNode<ElstatDialect>) => Number(n.h.dialect.stats().checks ?? 0);

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
        await startWiredNode<ElstatDialect>(redis.url, ({ services }) => (ctx) =>
          createElstatDialect(ctx, settings, { proberLeader: () => services.proberLeadership.isLeader() }),
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
    await eventually(() => rest.some((n) => checks(n) > 0), 'another node to take the prober over', 5_000);
    assert.equal(rest.filter((n) => checks(n) > 0).length, 1, 'still exactly one');
    await Promise.all(restClients.map((c, i) => c.until((m) => values(m, 'status:web').length >= before[i]! + 3, 10_000)));
    for (const c of clients) c.close();
  });
});
