/**
 * seed 000's caps are per origin ("Total cap: 5000 concurrent subscribers per origin"): with the
 * cluster limiter they are counted across nodes (issue #7), and a node's slots vanish when it
 * leaves. Nodes are wired as the server wires them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CAPS_LIMITER, createMatchDialect, type MatchDialect } from '../../src/dialects/match/index.js';
import { MatchClose } from '../../src/dialects/match/codec.js';
import { eventually } from '../helpers/eventually.js';
import { startRedis, type RedisUnderTest } from '../helpers/redis-server.js';
import { connect, type RecordingClient } from '../helpers/ws-client.js';
import { matchInit, matchOptions, state } from '../match/fixtures.js';
import { startWiredNode, type WiredNode } from './wired-nodes.js';

const MATCH = 'caps-match';

describe('match caps counted across nodes (wired as the server wires them)', () => {
  let redis: RedisUnderTest;
  const nodes: WiredNode<MatchDialect>[] = [];
  const viewer = (i: number) => connect(`ws://127.0.0.1:${nodes[i]!.h.port()}/v1/match/${MATCH}`);
  before(async () => {
    redis = await startRedis();
    const options = matchOptions({ perIpMax: 3, totalMax: 100 });
    for (let i = 0; i < 3; i++) {
      nodes.push(
        await startWiredNode<MatchDialect>(redis.url, (ports) => (ctx) =>
          createMatchDialect(ctx, options, ports),
        ),
      );
    }
    await nodes[0]!.h.dialect.publish(MATCH, matchInit(MATCH));
    await nodes[0]!.h.dialect.publish(MATCH, state(1));
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await redis.stop();
  });

  it('the per-IP cap holds across nodes, and a node that leaves frees its slots for the others', async () => {
    const held: RecordingClient[] = [await viewer(0), await viewer(1), await viewer(1)];
    const limiter = nodes[2]!.coordination.ports.limiter(CAPS_LIMITER, { perIpMax: 3, totalMax: 100 });
    await eventually(() => limiter.countFor('127.0.0.1') === 3, 'node C to count the three viewers of A and B', 3_000);
    const refused = await viewer(2);
    const closed = await refused.closed;
    assert.equal(closed.code, MatchClose.perIp.code, 'a fourth viewer from the same IP is refused on a third node');
    assert.ok((refused.messages as { error?: string }[]).some((m) => m.error === 'per_ip'));
    await nodes[1]!.close(); // its two viewers go, and its counter entry with them
    await eventually(() => limiter.countFor('127.0.0.1') === 1, 'the leaving node\'s slots to be freed', 3_000);
    const admitted = await viewer(2);
    await admitted.until((m) => (m as { type: string }[]).some((f) => f.type === 'state'), 5_000);
    for (const c of [...held, admitted]) c.close();
  });
});
