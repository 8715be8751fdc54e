/**
 * Issue 14 end to end: the StatsBomb demo replay on a real StreamHub (port 0), watched by a real
 * `ws` client that behaves as the spec-client renderer does (renderer-client.ts). Only the clock
 * is manual. The replay never claims what its data lacks: the shipped excerpt (4:37 of the first
 * half) ends without period_end or match_end and starts over with a fresh MatchInit; a whole
 * match read from an open-data folder (built from the excerpt's real events, statsbomb-fixture.ts)
 * shows every period end, extra time, the shoot-out and match_end once, at its real end.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { parseConfig } from '../../src/config/index.js';
import { ManualClock } from '../../src/core/index.js';
import { silentLogger } from '../../src/log.js';
import { startStreamHub } from '../../src/server.js';
import { eventually } from '../helpers/eventually.js';
import { portOf } from '../helpers/streamhub.js';
import { flush } from './match-feed.js';
import { RendererClient } from './renderer-client.js';
import { SHOOTOUT, writeWholeMatchFixture } from './statsbomb-fixture.js';

/** Highest replay speed the setting allows: 1 s of clock plays 1000 s of match. */
const SPEED = 1000;

/** A hub running only the match dialect and the StatsBomb demo replay, on a manual clock. */
async function startReplayHub(t: TestContext, demo: Record<string, unknown>) {
  const clock = new ManualClock(Date.now());
  const config = parseConfig({
    base: {
      server: { host: '127.0.0.1', demo: true },
      operator: { enabled: false },
      nova: { enabled: false },
      relay: { enabled: false },
      spectra: { enabled: false },
      elstat: { enabled: false },
      streamhub: { enabled: false },
      // The clock is driven faster than a real renderer reads; a queue that never drops keeps
      // this test about what the replay sends, not about the slow-consumer policy.
      match: { port: 0, queue: { maxMessages: 1_000_000, maxBytes: 1 << 30, stallTimeoutMs: 0 }, demo: { mock: false, statsbomb: true, speed: SPEED, ...demo } },
    },
  });
  const hub = await startStreamHub(config, { log: silentLogger, clock });
  const clients: RendererClient[] = [];
  t.after(async () => {
    for (const client of clients) client.stop();
    await hub.close();
  });
  return { hub, clock, clients, port: portOf(hub, 'match') };
}

/** Waits for the replay's first MatchInit (the match is unknown, 404, before it), then connects the renderer. */
async function watch(started: Awaited<ReturnType<typeof startReplayHub>>, streamId: string): Promise<RendererClient> {
  await eventually(async () => (await started.hub.hub.history(`match:${streamId}`, { limit: 0 })).snapshot, `the MatchInit of ${streamId}`, 20_000);
  const client = new RendererClient(`ws://127.0.0.1:${started.port}/v1/match/${streamId}`);
  started.clients.push(client);
  await client.until((c) => c.view.init !== null, 10_000, 'hello + MatchInit');
  return client;
}

/** Advances the manual clock in small steps, letting sockets work in between, until the renderer has seen `done`. */
async function playUntil(clock: ManualClock, client: RendererClient, done: (c: RendererClient) => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!done(client)) {
    if (Date.now() > deadline) assert.fail(`renderer never saw ${what} (${client.received.length} messages)`);
    clock.advance(5);
    await flush();
  }
}

/** The messages of round `n` (0-based): from its MatchInit to the next one. */
function round(client: RendererClient, n: number) {
  const inits = client.received.flatMap((m, i) => (m.type === 'match.init' ? [i] : []));
  return client.received.slice(inits[n], inits[n + 1]);
}

const tOf = (m: { type: string; t?: unknown }) => (m.type === 'match.init' ? 0 : (m.t as number));

describe('StatsBomb replay seen by a renderer (issue 14)', () => {
  it('the shipped excerpt: no period_end or match_end at its end (4:37, first half), then a fresh MatchInit and t from 0', async (t) => {
    const started = await startReplayHub(t, {});
    const client = await watch(started, 'fifa-wc-2022-final-arg-fra');
    await playUntil(started.clock, client, (c) => c.rounds.length >= 1 && c.view.events.some((e) => e.type === 'event.kickoff'), 'the second round');

    const first = round(client, 0);
    const claims = first.filter((m) => m.type === 'event.match_end' || m.type === 'event.period_end' || m.type === 'event.penalty_shootout_end');
    assert.deepEqual(claims, [], 'the excerpt holds no Half End, so nothing ends');
    assert.ok(tOf(first.at(-1)!) >= 277_150, `the round ran to the excerpt's last event at 4:37.150 (last t ${tOf(first.at(-1)!)})`);
    // What the renderer showed when the data ran out: first half, 0–0, nothing ended.
    const shown = client.rounds[0]!;
    assert.deepEqual({ period: shown.period, score: shown.score, shootout: shown.shootout.active || shown.shootout.ended }, { period: 1, score: { home: 0, away: 0 }, shootout: false });
    assert.deepEqual(shown.framePeriods, [1]);
    assert.ok(!shown.events.some((e) => e.type === 'event.match_end'));
    // The replay starts over: a new MatchInit resets the store, and t starts again at 0.
    const second = round(client, 1);
    assert.equal(second[0]!.type, 'match.init');
    assert.equal(tOf(second.find((m) => m.type !== 'match.init')!), 0);
    assert.deepEqual(client.view.events.map((e) => e.type).slice(0, 2), ['event.kickoff', 'event.period_start']);
  });

  it('a whole match from an open-data folder: period ends, extra time, the shoot-out, and match_end only at the end', async (t) => {
    const fixture = await writeWholeMatchFixture();
    const started = await startReplayHub(t, { statsbombDir: fixture.dir, statsbombMatchId: fixture.matchId });
    const streamId = `statsbomb-${fixture.matchId}`;
    const client = await watch(started, streamId);
    await playUntil(started.clock, client, (c) => c.rounds.length >= 1, 'the end of the match and the next MatchInit');

    const first = round(client, 0);
    const events = first.filter((m) => m.type.startsWith('event.'));
    const at = (type: string) => events.flatMap((e, i) => (e.type === type ? [i] : []));
    // Every period that the data closes with a Half End ends once, in order; 3 and 4 are extra time.
    assert.deepEqual(events.filter((e) => e.type === 'event.period_start').map((e) => e.period), [1, 2, 3, 4]);
    assert.deepEqual(events.filter((e) => e.type === 'event.period_end').map((e) => e.period), [1, 2, 3, 4]);
    // 3–3 after extra time (Argentina is home, teams[0]).
    assert.deepEqual(events.filter((e) => e.type === 'event.score_change').map((e) => [e.home, e.away]), [[1, 0], [2, 0], [2, 1], [2, 2], [3, 2], [3, 3]]);
    // The shoot-out: after extra time ends, the real takers and outcomes, Argentina win 4–2.
    const attempts = events.filter((e) => e.type === 'event.penalty_attempt');
    assert.deepEqual(attempts.map((a) => [a.player, a.outcome]), SHOOTOUT.map(([, taker, outcome]) => [`P_${taker.id}`, outcome === 'Goal' ? 'scored' : outcome === 'Saved' ? 'saved' : 'missed']));
    const [shootoutStart] = at('event.penalty_shootout_start');
    const [shootoutEnd] = at('event.penalty_shootout_end');
    assert.ok(at('event.period_end').at(-1)! < shootoutStart!, 'the shoot-out starts after period 4 ends');
    assert.deepEqual({ winner: events[shootoutEnd!]!.winner, score: events[shootoutEnd!]!.score }, { winner: 'ARG', score: { home: 4, away: 2 } });
    // match_end exactly once, after the shoot-out's end, and nothing but frames after it.
    assert.deepEqual(at('event.match_end'), [events.length - 1]);
    assert.ok(shootoutEnd! < events.length - 1);
    // What the renderer showed at the end: 3–3, period 5 frames, shoot-out over 4–2, match ended.
    const shown = client.rounds[0]!;
    assert.deepEqual(shown.score, { home: 3, away: 3 });
    assert.deepEqual(shown.framePeriods, [1, 2, 3, 4, 5]);
    assert.deepEqual(shown.shootout, { home: 4, away: 2, active: false, ended: true });
    assert.equal(shown.events.filter((e) => e.type === 'event.match_end').length, 1);
    // Then the demo starts over with a fresh MatchInit.
    assert.equal(round(client, 1)[0]!.type, 'match.init');
  });
});
