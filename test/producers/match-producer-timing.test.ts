/**
 * Producer timing with an injected ManualClock (no sleeps): messages go out at start + t / speed,
 * `loop` starts a new match with a new MatchInit, abort stops cleanly, and failures are retried
 * without reaching the process (issue #2 "Producers").
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, type Logger } from '../../src/core/index.js';
import type { SpecMessage } from '../../src/dialects/match/spec.js';
import { createMockMatch } from '../../src/producers/match/mock.js';
import { DEMO_MATCH_IDS, startMatchDemos, supervise } from '../../src/producers/match/demos.js';
import { createStatsBombReplay } from '../../src/producers/match/statsbomb/replay.js';
import { DATA_DIR, drive, FakeFeed, SB_FILES, seeded, until } from './match-feed.js';

const tOf = (m: SpecMessage): number => (m.type === 'match.init' ? 0 : m.t);

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = {
    lines,
    debug: () => {},
    info: (_o: object | string, msg?: string) => void lines.push(`info ${msg}`),
    warn: (_o: object | string, msg?: string) => void lines.push(`warn ${msg}`),
    error: (_o: object | string, msg?: string) => void lines.push(`error ${msg}`),
    child: () => log,
  };
  return log;
}

describe('replay timing', () => {
  it('the StatsBomb replay honours the speed factor: each message at start + t / speed', async () => {
    const clock = new ManualClock();
    const feed = new FakeFeed(clock);
    const ac = new AbortController();
    const start = clock.now();
    const done = createStatsBombReplay(feed, { matchId: 'sb', ...SB_FILES, speed: 4, clock }).run(ac.signal);
    await until(() => feed.published.length > 0); // the files are read with real I/O first
    await drive(clock, 10_000, 5);
    const msgs = feed.published;
    assert.ok(msgs.length > 300, `${msgs.length} published`);
    assert.equal(msgs[0]!.message.type, 'match.init');
    for (const p of msgs) {
      const due = start + tOf(p.message) / 4;
      assert.ok(p.at >= due && p.at - due <= 5, `t=${tOf(p.message)} published ${p.at - start} ms after start, due ${due - start}`);
    }
    const lastT = tOf(msgs.at(-1)!.message);
    assert.ok(lastT > 39_000 && lastT <= 40_000, `10 s at speed 4 covers 40 s of t (got ${lastT})`);
    ac.abort();
    assert.equal(await done, undefined);
    assert.equal(clock.pending, 0, 'no timer left behind');
  });

  it('the mock match honours speed 1 and 2 alike', async () => {
    for (const speed of [1, 2]) {
      const clock = new ManualClock();
      const feed = new FakeFeed(clock);
      const ac = new AbortController();
      const start = clock.now();
      const done = createMockMatch(feed, { matchId: 'demo', clock, speed, random: seeded(4) }).run(ac.signal);
      await drive(clock, 3_000, 10);
      for (const p of feed.published) {
        const due = start + tOf(p.message) / speed;
        assert.ok(p.at >= due && p.at - due <= 10);
      }
      const frames = feed.messages().filter((m) => m.type === 'state');
      assert.equal(frames.length, 3_000 / (100 / speed) + 1, `10 Hz of t at speed ${speed}`);
      ac.abort();
      await done;
    }
  });

  it('loop: after match_end and the loop delay, a new MatchInit starts the next match at t = 0', async () => {
    const clock = new ManualClock();
    const feed = new FakeFeed(clock);
    const ac = new AbortController();
    const done = createMockMatch(feed, { matchId: 'demo', clock, loop: true, random: seeded(5), halfMs: 4_000, halfTimeMs: 500, speed: 10, loopDelayMs: 2_000 }).run(ac.signal);
    await drive(clock, 4_000, 10);
    const pubs = feed.published;
    const inits = pubs.flatMap((p, i) => (p.message.type === 'match.init' ? [i] : []));
    assert.ok(inits.length >= 2, `${inits.length} MatchInits`);
    const second = inits[1]!;
    assert.equal(pubs[second - 1]!.message.type, 'event.match_end');
    assert.ok(pubs[second]!.at - pubs[second - 1]!.at >= 2_000, 'the loop delay passes between matches');
    assert.equal(tOf(pubs[second + 1]!.message), 0, 't restarts after the new MatchInit');
    assert.ok(feed.invalid.length === 0);
    ac.abort();
    await done;
  });

  it('the StatsBomb replay loops too: after the excerpt\'s last event (no match_end: it has none), a new MatchInit with t from 0', async () => {
    const clock = new ManualClock();
    const feed = new FakeFeed(clock);
    const ac = new AbortController();
    const done = createStatsBombReplay(feed, { matchId: 'sb', ...SB_FILES, speed: 500, loop: true, loopDelayMs: 100, clock }).run(ac.signal);
    await until(() => feed.published.length > 0);
    await drive(clock, 1_000, 10);
    const msgs = feed.messages();
    const inits = msgs.flatMap((m, i) => (m.type === 'match.init' ? [i] : []));
    assert.equal(inits.length, 2);
    assert.ok(!msgs.some((m) => m.type === 'event.match_end' || m.type === 'event.period_end'));
    assert.ok(tOf(msgs[inits[1]! - 1]!) >= 277_150, 'the first round ran to the excerpt\'s last event (4:37.150)');
    assert.equal(tOf(msgs[inits[1]! + 1]!), 0);
    assert.equal(feed.invalid.length, 0);
    ac.abort();
    await done;
  });

  it('without loop the producer ends after match_end', async () => {
    const clock = new ManualClock();
    const feed = new FakeFeed(clock);
    let finished = false;
    const done = createMockMatch(feed, { matchId: 'demo', clock, random: seeded(6), halfMs: 2_000, halfTimeMs: 200, speed: 20 }).run(new AbortController().signal).then(() => (finished = true));
    await drive(clock, 2_000, 10);
    assert.ok(finished);
    await done;
    assert.equal(feed.messages().at(-1)!.type, 'event.match_end');
    assert.equal(feed.messages().filter((m) => m.type === 'match.init').length, 1);
  });
});

describe('producer supervision', () => {
  it('a failed publish is resent under the same idempotency key until acknowledged: nothing lost, nothing repeated (issue 15 item 3)', async () => {
    const clock = new ManualClock();
    const feed = new FakeFeed(clock);
    feed.failNext = 3; // three broker failures in a row on the first message
    const ac = new AbortController();
    const done = createMockMatch(feed, { matchId: 'demo', clock, random: seeded(7), halfMs: 2_000, halfTimeMs: 200, speed: 20 }).run(ac.signal);
    await drive(clock, 50, 10); // resends after 100 ms doubling: 100 + 200 + 400 ms
    assert.equal(feed.published.length, 0, 'nothing before the resends');
    await drive(clock, 700, 10);
    await until(() => feed.published.length > 0);
    assert.equal(feed.published[0]!.message.type, 'match.init');
    await drive(clock, 2_000, 10);
    await done;
    const keys = feed.published.map((p) => p.key);
    assert.ok(keys.every((k) => typeof k === 'string'), 'every message carries a key');
    assert.equal(new Set(keys).size, keys.length, 'one key per message');
    assert.deepEqual(keys.map((k) => Number(k!.split(':').at(-1))), keys.map((_, i) => i + 1), 'in order, none skipped');
    assert.equal(feed.messages().filter((m) => m.type === 'match.init').length, 1, 'the round did not start over');
  });

  it('a missing data file fails the replay run; supervise keeps retrying and never throws', async () => {
    const clock = new ManualClock();
    const feed = new FakeFeed(clock);
    const replay = createStatsBombReplay(feed, { matchId: 'sb', ...SB_FILES, eventsFile: '/nonexistent/events.json', clock });
    await assert.rejects(replay.run(new AbortController().signal), /ENOENT/);
    const log = recordingLogger();
    const ac = new AbortController();
    const done = supervise(replay, ac.signal, { log, clock, retryDelayMs: 100 });
    await until(() => log.lines.length === 1);
    clock.advance(100);
    await until(() => log.lines.length === 2);
    ac.abort();
    await done;
    assert.ok(log.lines.every((l) => l === 'warn producer failed; retrying'));
  });

  it('startMatchDemos runs `demo` and `fifa-wc-2022-final-arg-fra` from data/, and stops on abort', async () => {
    const clock = new ManualClock();
    const feed = new FakeFeed(clock);
    const ac = new AbortController();
    startMatchDemos(feed, { dataDir: DATA_DIR, speed: 1, mock: true, statsbomb: true, clock }, ac.signal);
    await until(() => feed.messages(DEMO_MATCH_IDS.statsbomb).length > 0 && feed.messages(DEMO_MATCH_IDS.mock).length > 0);
    await drive(clock, 1_000, 50);
    for (const id of ['demo', 'fifa-wc-2022-final-arg-fra']) {
      const msgs = feed.messages(id);
      assert.equal(msgs[0]!.type, 'match.init');
      assert.ok(msgs.filter((m) => m.type === 'state').length >= 10, id);
    }
    assert.equal(feed.invalid.length, 0);
    ac.abort();
    await until(() => clock.pending === 0);
    const count = feed.published.length;
    await drive(clock, 1_000, 100);
    assert.equal(feed.published.length, count, 'nothing after abort');
  });

  it('startMatchDemos honours the mock/statsbomb switches', async () => {
    const clock = new ManualClock();
    const feed = new FakeFeed(clock);
    const ac = new AbortController();
    startMatchDemos(feed, { dataDir: DATA_DIR, speed: 1, mock: true, statsbomb: false, clock }, ac.signal);
    await until(() => feed.published.length > 0);
    await drive(clock, 500, 50);
    assert.deepEqual([...new Set(feed.published.map((p) => p.matchId))], ['demo']);
    ac.abort();
  });
});
