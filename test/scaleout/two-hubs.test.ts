/**
 * Two hubs on two RedisBrokers on one real redis-server (DESIGN.md § Scale-out): one order for
 * every node, the same replay on any node, and gaps filled from the stream.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PUBLISH_SCRIPT, publishCall } from '../../src/brokers/redis-scripts.js';
import type { Message } from '../../src/core/index.js';
import { eventually } from '../helpers/eventually.js';
import { assertContiguous, bytes, LIMITS, RecordingSink, RETAIN, startCluster, text } from './cluster.js';

const view = (m: Message) => ({ ...m, payload: text(m) });
const replayOf = (sink: RecordingSink) => sink.got.map((m) => `${m.kind}:${m.offset}:${text(m)}`);

describe('scale-out: two hubs on one Redis', () => {
  it('a subscriber on hub B receives everything published on hub A, in order, exactly as published', async (t) => {
    const cluster = await startCluster(2);
    t.after(() => cluster.close());
    const [a, b] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0]];
    const sink = new RecordingSink('b1');
    await b.hub.attach(sink, LIMITS).subscribe('test:feed');
    const kinds = ['snapshot', 'data', 'pinned', 'volatile', 'data', 'reset', 'data'] as const;
    const published: Message[] = [];
    for (let i = 0; i < 140; i++) {
      const kind = kinds[i % kinds.length]!;
      published.push(await a.hub.publish('test:feed', bytes(`m${i}`), { retention: RETAIN, kind, time: 1_000 + i }));
    }
    await sink.count(140);
    // Every field survives the Lua-built envelope and the decoder (envelope.ts ↔ redis-publish.lua).
    assert.deepEqual(sink.got.map(view), published.map(view));
    assert.deepEqual(assertContiguous(sink.got), []);
    assert.equal(sink.got[0]!.offset, 1);
    assert.equal(b.broker.stats().filled, 0, 'nothing was missed, so nothing came from the stream');
  });

  it('gives the same history and the same replay on either node, and resumes on B where A left off', async (t) => {
    const cluster = await startCluster(2);
    t.after(() => cluster.close());
    const [a, b] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0]];
    const retention = { ...RETAIN, maxMessages: 20, maxPinned: 3 };
    await a.hub.publish('test:game', bytes('init'), { retention, kind: 'snapshot' });
    for (let i = 1; i <= 40; i++) {
      const node = i % 2 ? a : b;
      await node.hub.publish('test:game', bytes(`e${i}`), { retention, kind: i % 10 === 0 ? 'pinned' : 'data' });
    }
    const [ha, hb] = await Promise.all([a.hub.history('test:game'), b.hub.history('test:game')]);
    assert.deepEqual(hb, ha);
    assert.equal(ha.messages.length, 20);
    // Pinned list (3): e20 e30 e40, of which only e20 has left the ring (e21…e40).
    assert.deepEqual(ha.pinned.map(text), ['e20']);
    const onA = new RecordingSink('a-replay');
    const onB = new RecordingSink('b-replay');
    const [ra, rb] = await Promise.all([
      a.hub.attach(onA, LIMITS).subscribe('test:game'),
      b.hub.attach(onB, LIMITS).subscribe('test:game'),
    ]);
    assert.deepEqual(rb, ra);
    await onA.count(22);
    await onB.count(22);
    assert.deepEqual(replayOf(onB), replayOf(onA));
    assert.deepEqual(replayOf(onA).slice(0, 3), ['snapshot:1:init', 'pinned:21:e20', 'data:22:e21']);

    // A client that saw up to e30 on node A reconnects to node B: the rest, nothing twice.
    const resumeFrom = onA.got.find((m) => text(m) === 'e30')!;
    const resumed = new RecordingSink('b-resume');
    const result = await b.hub.attach(resumed, LIMITS).subscribe('test:game', { since: resumeFrom });
    assert.equal(result.recovered, true);
    await resumed.count(10);
    assert.deepEqual(resumed.got.map(text), Array.from({ length: 10 }, (_, i) => `e${31 + i}`));
  });

  it('fills a gap from the stream when a message reached Redis but not this node', async (t) => {
    const cluster = await startCluster(2);
    t.after(() => cluster.close());
    const [a, b] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0]];
    const sink = new RecordingSink('b1');
    await b.hub.attach(sink, LIMITS).subscribe('test:gap');
    const first = await a.hub.publish('test:gap', bytes('one'), { retention: RETAIN });
    await sink.count(1);
    // Run the real publish script, but PUBLISH on a topic nobody listens to: offset 2 is in the
    // stream only, as if its pub/sub message had been lost.
    const call = publishCall('streamhub:', 'test:gap', bytes('two'), { retention: RETAIN }, {
      now: 5,
      streamMaxLen: 100_000,
      epoch: 'unused',
      topic: 'nowhere',
    });
    const reply = await cluster.redis.command('EVAL', PUBLISH_SCRIPT.source, String(call.keys.length), ...call.keys, ...call.args.map(String));
    assert.match(reply, /^\*2\r\n:2\r\n/);
    await a.hub.publish('test:gap', bytes('three'), { retention: RETAIN });
    await sink.count(3);
    assert.deepEqual(sink.got.map(text), ['one', 'two', 'three']);
    assert.deepEqual(sink.got.map((m) => m.offset), [1, 2, 3]);
    assert.ok(sink.got.every((m) => m.epoch === first.epoch));
    assert.equal(b.broker.stats().filled, 1);
  });

  it('after its pub/sub connection is killed, a node reconnects, resubscribes and fills what it missed', async (t) => {
    const cluster = await startCluster(2);
    t.after(() => cluster.close());
    const [a, b] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0]];
    const sink = new RecordingSink('b1');
    await b.hub.attach(sink, LIMITS).subscribe('test:kill');
    const published: Message[] = [];
    for (let i = 0; i < 10; i++) published.push(await a.hub.publish('test:kill', bytes(`m${i}`), { retention: RETAIN }));
    await sink.count(10);
    const killed = await cluster.redis.command('CLIENT', 'KILL', 'TYPE', 'pubsub');
    assert.match(killed, /^:[1-9]/, 'both nodes had a pub/sub connection');
    // Keep publishing (on A's command connection, which stays up) until B is back and caught up.
    let sawDown = false;
    while (published.length < 4_000) {
      published.push(await a.hub.publish('test:kill', bytes(`m${published.length}`), { retention: RETAIN }));
      if (!b.broker.health().ok) sawDown = true;
      else if (sawDown && b.broker.stats().resubscribes > 0 && published.length % 50 === 0) break;
    }
    assert.ok(sawDown, 'health went not-ok while the pub/sub connection was down');
    await eventually(() => b.broker.health().ok, 'B healthy again', 20_000);
    for (let i = 0; i < 10; i++) published.push(await a.hub.publish('test:kill', bytes(`m${published.length}`), { retention: RETAIN }));
    await sink.count(published.length);
    assert.deepEqual(sink.got.map(view), published.map(view));
    assert.ok(b.broker.stats().filled > 0, 'messages published while B was disconnected came from the stream');
    assert.equal(b.broker.stats().unrecoverable, 0);
  });
});
