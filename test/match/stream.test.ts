/**
 * The connect sequence and retention of the match dialect (seed 000; notes §1.3, §6 "000"):
 * hello → exactly one MatchInit → sticky events → ring → live, no gap and no duplicate at the
 * seams, ring bounded by count and by match time, 404 before the upgrade for unknown ids.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect } from '../helpers/ws-client.js';
import { frames, matchInit, pass, scoreChange, startMatch, state, stateTimes } from './fixtures.js';
import { rawUpgrade } from './raw-http.js';

describe('match: connect sequence', () => {
  it('sends hello, exactly one MatchInit, the ring oldest first, then the live tail', async (t) => {
    const h = await startMatch();
    t.after(() => h.close());
    await h.dialect.publish('demo', matchInit('demo'));
    for (let i = 0; i < 10; i++) await h.dialect.publish('demo', state(i * 100));
    const c = await connect(h.url('demo'));
    t.after(() => c.close());
    await c.until((m) => m.length >= 12);
    const got = frames(c);
    assert.deepEqual(Object.keys(got[0]!).sort(), ['match_id', 'replay_window_ms', 'ring_size', 'server_time_ms', 'spec_version', 'type']);
    assert.equal(got[0]!.type, 'hello');
    assert.equal(got[0]!.spec_version, '0.1.1');
    assert.equal(got[0]!.match_id, 'demo');
    assert.equal(got[0]!.ring_size, 1024);
    assert.equal(got[0]!.replay_window_ms, 60_000);
    assert.equal(typeof got[0]!.server_time_ms, 'number');
    assert.deepEqual(got[1], matchInit('demo'));
    assert.deepEqual(stateTimes(c), [0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
    await h.dialect.publish('demo', state(1000));
    await c.until((m) => m.length >= 13);
    assert.equal(got.filter((m) => m.type === 'match.init').length, 1);
    assert.deepEqual(got[12], state(1000));
  });

  it('answers an unknown or malformed match id with a raw 404 before the upgrade', async (t) => {
    const h = await startMatch();
    t.after(() => h.close());
    await h.dialect.publish('known', matchInit('known'));
    for (const path of ['/v1/match/unknown', '/v1/match/bad%20id', '/v1/match/a/b', '/v1/match/', '/v1/other']) {
      const response = await rawUpgrade(h.port(), path);
      assert.match(response, /^HTTP\/1\.1 404 Not Found\r\n/, path);
      assert.doesNotMatch(response, /101 Switching/);
    }
    // A match with only state frames (no MatchInit retained) is not being produced yet.
    await h.dialect.publish('noinit', state(0)).catch(() => undefined);
    assert.match(await rawUpgrade(h.port(), '/v1/match/noinit'), /^HTTP\/1\.1 404 Not Found\r\n/);
    // The query string is tolerated and stripped (notes §1.3).
    const c = await connect(`${h.url('known')}?x=1`);
    t.after(() => c.close());
    await c.until((m) => m.length >= 2);
    assert.equal(frames(c)[1]!.type, 'match.init');
  });

  it('has no gap and no duplicate at the replay/live seam under concurrent publishing', async (t) => {
    const h = await startMatch({ ringSize: 40, perIpMax: 50 });
    t.after(() => h.close());
    await h.dialect.publish('seam', matchInit('seam'));
    let published = 0;
    let joined = false;
    let afterJoin = 0;
    // Publishes until every client has joined and 100 more after that, so every join lands mid-stream.
    const publisher = (async () => {
      while (!joined || afterJoin < 100) {
        await h.dialect.publish('seam', state(published * 10));
        published += 1;
        if (joined) afterJoin += 1;
        if (published % 3 === 0) await new Promise((r) => setImmediate(r));
      }
    })();
    const clients = [];
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 2 + i)); // stagger the joins across the live stream
      clients.push(await connect(h.url('seam')));
    }
    joined = true;
    await publisher;
    const total = published;
    for (const c of clients) {
      t.after(() => c.close());
      await c.until(() => stateTimes(c).at(-1) === (total - 1) * 10);
      const times = stateTimes(c);
      assert.ok(times.length <= total && times.length >= 100, `${times.length} states`);
      for (let i = 1; i < times.length; i++) assert.equal(times[i], times[i - 1]! + 10, `gap or duplicate at ${i}`);
      assert.equal(frames(c).filter((m) => m.type === 'match.init').length, 1);
      assert.equal(frames(c)[0]!.type, 'hello');
      assert.equal(frames(c)[1]!.type, 'match.init');
    }
  });

  it('replays sticky events older than the window right after MatchInit (late joiner)', async (t) => {
    const h = await startMatch({ replayWindowMs: 1_000 });
    t.after(() => h.close());
    await h.dialect.publish('late', matchInit('late'));
    await h.dialect.publish('late', scoreChange(100, 1, 0));
    await h.dialect.publish('late', pass(200));
    await h.dialect.publish('late', { type: 'event.foul', t: 300, player: 'P_FRA_1', severity: 'red' });
    await h.dialect.publish('late', { type: 'event.foul', t: 301, player: 'P_FRA_1', severity: 'yellow' });
    for (let ms = 0; ms <= 5_000; ms += 500) await h.dialect.publish('late', state(ms));
    const c = await connect(h.url('late'));
    t.after(() => c.close());
    await c.until((m) => m.length >= 7);
    const got = frames(c);
    assert.deepEqual(
      got.map((m) => [m.type, m.t ?? null]),
      [
        ['hello', null],
        ['match.init', null],
        ['event.score_change', 100],
        ['event.foul', 300],
        ['state', 4_000],
        ['state', 4_500],
        ['state', 5_000],
      ],
    );
  });

  it('replays no sticky events when stickyEvents is off (strict fidelity)', async (t) => {
    const h = await startMatch({ replayWindowMs: 1_000, stickyEvents: false });
    t.after(() => h.close());
    await h.dialect.publish('strict', matchInit('strict'));
    await h.dialect.publish('strict', scoreChange(100, 1, 0));
    for (let ms = 0; ms <= 5_000; ms += 500) await h.dialect.publish('strict', state(ms));
    const c = await connect(h.url('strict'));
    t.after(() => c.close());
    await c.until((m) => m.length >= 5);
    assert.deepEqual(frames(c).map((m) => m.type), ['hello', 'match.init', 'state', 'state', 'state']);
  });

  it('broadcasts a second MatchInit live and gives newcomers only the newest', async (t) => {
    const h = await startMatch();
    t.after(() => h.close());
    await h.dialect.publish('re', matchInit('re', 'v1'));
    await h.dialect.publish('re', state(0));
    const c = await connect(h.url('re'));
    t.after(() => c.close());
    await c.until((m) => m.length >= 3);
    await h.dialect.publish('re', matchInit('re', 'v2'));
    await h.dialect.publish('re', state(0));
    await c.until((m) => m.length >= 5);
    assert.deepEqual(frames(c).map((m) => m.type), ['hello', 'match.init', 'state', 'match.init', 'state']);
    assert.equal(frames(c)[3]!.producer, 'v2');
    const late = await connect(h.url('re'));
    t.after(() => late.close());
    await late.until((m) => m.length >= 3);
    assert.deepEqual(frames(late).map((m) => [m.type, m.producer ?? null]), [['hello', null], ['match.init', 'v2'], ['state', null]]);
  });

  it('bounds the ring by ring_size and replays straight past the small live queue', async (t) => {
    const h = await startMatch({ ringSize: 200, queue: { maxMessages: 5 } });
    t.after(() => h.close());
    await h.dialect.publish('count', matchInit('count'));
    for (let i = 0; i < 300; i++) await h.dialect.publish('count', state(i));
    const c = await connect(h.url('count'));
    t.after(() => c.close());
    await c.until((m) => m.length >= 202);
    const times = stateTimes(c);
    assert.equal(times.length, 200); // all 200 despite a 5-message live queue: the replay never goes through it
    assert.equal(times[0], 100);
    assert.equal(times.at(-1), 299);
  });

  it('bounds the ring by replay_window_ms of match time t', async (t) => {
    const h = await startMatch({ replayWindowMs: 1_000 });
    t.after(() => h.close());
    await h.dialect.publish('age', matchInit('age'));
    for (let ms = 0; ms <= 3_000; ms += 100) await h.dialect.publish('age', state(ms));
    const c = await connect(h.url('age'));
    t.after(() => c.close());
    await c.until(() => stateTimes(c).at(-1) === 3_000);
    const times = stateTimes(c);
    assert.equal(times[0], 2_000);
    assert.equal(times.length, 11);
    assert.equal(frames(c)[0]!.replay_window_ms, 1_000);
  });
});
