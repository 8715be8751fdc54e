/**
 * Control frames and client input (seed 000 "control frames", notes §1.3): `x_keepalive` after
 * `keepaliveMs` with nothing sent, client messages ignored (never a close), frames over
 * `maxClientFrameBytes` closed 1009, one JSON object per text frame, graceful close 1001.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/core/index.js';
import { connect } from '../helpers/ws-client.js';
import { eventually } from '../helpers/eventually.js';
import { frames, matchInit, startMatch, state } from './fixtures.js';

describe('match: control frames and client input', () => {
  it('sends x_keepalive only after keepaliveMs with nothing sent', async (t) => {
    const clock = new ManualClock();
    const h = await startMatch({ keepaliveMs: 1_000 }, { clock });
    t.after(() => h.close());
    await h.dialect.publish('ka', matchInit('ka'));
    const c = await connect(h.url('ka'));
    t.after(() => c.close());
    await c.until((m) => m.length >= 2); // hello + MatchInit, sent at time T0
    clock.advance(999);
    await h.dialect.publish('ka', state(1)); // traffic at T0+999 postpones the keepalive
    await c.until((m) => m.length >= 3);
    clock.advance(600); // T0+1599: 600 ms idle, no keepalive yet
    await h.dialect.publish('ka', state(2));
    await c.until((m) => m.length >= 4);
    assert.deepEqual(frames(c).map((m) => m.type), ['hello', 'match.init', 'state', 'state']);
    clock.advance(1_000); // T0+2599: 1000 ms idle since the last state
    await c.until((m) => m.length >= 5);
    const keepalive = frames(c)[4]!;
    assert.equal(keepalive.type, 'x_keepalive');
    assert.equal(keepalive.server_time_ms, clock.now());
    clock.advance(1_000); // and again after another idle second
    await c.until((m) => m.length >= 6);
    assert.equal(frames(c)[5]!.type, 'x_keepalive');
  });

  it('pings every pingIntervalMs and drops a peer that stopped answering; a live peer stays', async (t) => {
    const h = await startMatch({ pingIntervalMs: 150 });
    t.after(() => h.close());
    await h.dialect.publish('ping', matchInit('ping'));
    const live = await connect(h.url('ping'));
    const dead = await connect(h.url('ping'), { autoPong: false });
    t.after(() => live.close());
    let livePings = 0;
    let deadPings = 0;
    live.ws.on('ping', () => (livePings += 1));
    dead.ws.on('ping', () => (deadPings += 1));
    // The silent peer is dropped at the ping after the one it did not answer: no close frame.
    assert.equal((await dead.closed).code, 1006);
    assert.equal(deadPings, 1);
    assert.ok(livePings >= 1, 'the live peer was pinged too');
    assert.equal(live.ws.readyState, 1, 'the answering client is still connected');
  });

  it('ignores client messages and never closes for them', async (t) => {
    const h = await startMatch();
    t.after(() => h.close());
    await h.dialect.publish('quiet', matchInit('quiet'));
    const c = await connect(h.url('quiet'));
    t.after(() => c.close());
    await c.until((m) => m.length >= 2);
    c.ws.send('{"type":"subscribe","filter":"x"}');
    c.ws.send('not json at all');
    c.ws.send(Buffer.from([1, 2, 3]));
    await h.dialect.publish('quiet', state(5));
    await c.until((m) => m.length >= 3);
    assert.deepEqual(frames(c).map((m) => m.type), ['hello', 'match.init', 'state']);
    assert.equal(c.ws.readyState, c.ws.OPEN);
  });

  it('closes 1009 on a client frame over maxClientFrameBytes', async (t) => {
    const h = await startMatch({ maxClientFrameBytes: 64 });
    t.after(() => h.close());
    await h.dialect.publish('big', matchInit('big'));
    const c = await connect(h.url('big'));
    await c.until((m) => m.length >= 2);
    c.ws.send('x'.repeat(65));
    const closed = await c.closed;
    assert.equal(closed.code, 1009);
    assert.equal(h.dialect.stats().connections, 0);
  });

  it('sends one JSON object per text frame, even for a burst published in one tick', async (t) => {
    const h = await startMatch();
    t.after(() => h.close());
    await h.dialect.publish('burst', matchInit('burst'));
    const c = await connect(h.url('burst'));
    t.after(() => c.close());
    const raw: string[] = [];
    c.ws.on('message', (data, isBinary) => {
      assert.equal(isBinary, false);
      raw.push(data.toString());
    });
    await c.until((m) => m.length >= 2);
    await Promise.all([1, 2, 3, 4, 5].map((i) => h.dialect.publish('burst', state(i))));
    await c.until((m) => m.length >= 7);
    assert.equal(raw.length, 5);
    for (const text of raw) assert.equal(JSON.parse(text).type, 'state'); // one object each, no NDJSON
    // Encode once: the frames are the bytes stored at publish, as-is.
    const stored = (await h.hub.history('match:burst')).messages.map((m) => Buffer.from(m.payload).toString('utf8'));
    assert.deepEqual(raw, stored);
  });

  it('closes every client with 1001 on shutdown', async () => {
    const h = await startMatch();
    await h.dialect.publish('bye', matchInit('bye'));
    const c = await connect(h.url('bye'));
    await c.until((m) => m.length >= 2);
    await h.close();
    assert.equal((await c.closed).code, 1001);
  });
});
