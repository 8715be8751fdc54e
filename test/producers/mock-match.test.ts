/**
 * The synthetic match (issue #2 "Producers"; protocol-notes §1.4 and the seed's event names):
 * valid spec messages, 10 Hz frames, every event kind within one compressed match, score_change
 * consistent with the goals, plausible movement.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANIM_TAGS, parseSpecMessage, SPEC_VERSION, type EventMessage, type MatchInit, type SpecMessage, type StateFrame } from '../../src/dialects/match/spec.js';
import { mockMatchMessages } from '../../src/producers/match/mock.js';
import { PRODUCER_SPEC_VERSION } from '../../src/producers/match/spec-version.js';
import { seeded } from './match-feed.js';

const HALF_MS = 40_000;
const START = '2026-01-01T12:00:00.000Z';
const matches = [1, 2].map((seed) => [...mockMatchMessages('demo', START, { random: seeded(seed), halfMs: HALF_MS, halfTimeMs: 3_000 })]);
const eventsOf = (m: SpecMessage[]) => m.filter((x): x is EventMessage => x.type.startsWith('event.'));
const framesOf = (m: SpecMessage[]) => m.filter((x): x is StateFrame => x.type === 'state');
const of = <T extends EventMessage['type']>(events: EventMessage[], type: T) => events.filter((e): e is Extract<EventMessage, { type: T }> => e.type === type);

describe('mock match', () => {
  it('the producers write the dialect spec version', () => {
    assert.equal(PRODUCER_SPEC_VERSION, SPEC_VERSION);
  });

  it('MatchInit: two teams with kits, 11 starters and 5 substitutes with numbers and positions', () => {
    const init = matches[0]![0] as MatchInit;
    assert.equal(init.type, 'match.init');
    assert.equal(init.match_id, 'demo');
    assert.equal(init.start_time, START);
    for (const team of init.teams) {
      assert.equal(team.players.length, 16);
      assert.equal(new Set(team.players.map((p) => p.number)).size, 16);
      assert.equal(team.players.filter((p) => p.meta?.starting === 'true').length, 11);
      assert.equal(team.players.filter((p) => p.position === 'GK').length, 2);
      assert.match(team.kit.primary, /^#[0-9A-F]{6}$/);
    }
    assert.notEqual(init.teams[0].id, init.teams[1].id);
  });

  it('every message is valid spec 0.1.1 and t rises strictly after the MatchInit', () => {
    for (const match of matches) {
      for (const m of match) assert.ok(parseSpecMessage(JSON.parse(JSON.stringify(m))).ok, JSON.stringify(m).slice(0, 200));
      const ts = match.slice(1).map((m) => (m as { t: number }).t);
      for (let i = 1; i < ts.length; i++) assert.ok(ts[i]! > ts[i - 1]!, `t ${ts[i]} after ${ts[i - 1]}`);
      assert.equal(match.filter((m) => m.type === 'match.init').length, 1);
    }
  });

  it('StateFrames at 10 Hz (t = 0, 100, 200, …) with 22 players until a red card', () => {
    for (const match of matches) {
      const frames = framesOf(match);
      assert.equal(frames[0]!.t, 0);
      for (let i = 1; i < frames.length; i++) assert.equal(frames[i]!.t - frames[i - 1]!.t, 100);
      const red = of(eventsOf(match), 'event.foul').find((f) => f.severity === 'red')!;
      for (const f of frames) assert.equal(f.players.length, f.t < red.t ? 22 : 21, `players at ${f.t}`);
      assert.ok(frames.filter((f) => f.t > red.t).every((f) => !f.players.some((p) => p.id === red.player)), 'the sent-off player leaves');
    }
  });

  it('frameIntervalMs sets the frame spacing', () => {
    const frames = framesOf([...mockMatchMessages('demo', START, { random: seeded(9), halfMs: 5_000, halfTimeMs: 1_000, frameIntervalMs: 250 })]);
    for (let i = 1; i < frames.length; i++) assert.equal(frames[i]!.t - frames[i - 1]!.t, 250);
  });

  it('every event kind of the seed appears: kickoff, pass, shot, goal, score_change, fouls with yellow and red, substitution, half-time, full-time', () => {
    for (const match of matches) {
      const events = eventsOf(match);
      const types = new Set(events.map((e) => e.type));
      for (const type of ['event.kickoff', 'event.pass', 'event.shot', 'event.goal', 'event.score_change', 'event.foul', 'event.substitution', 'event.period_start', 'event.period_end', 'event.match_end'] as const) {
        assert.ok(types.has(type), type);
      }
      const severities = new Set(of(events, 'event.foul').map((f) => f.severity));
      for (const s of ['soft', 'yellow', 'red'] as const) assert.ok(severities.has(s), s);
      const periods = events.filter((e) => e.type === 'event.period_start' || e.type === 'event.period_end').map((e) => `${e.type}:${(e as { period: number }).period}`);
      assert.deepEqual(periods, ['event.period_start:1', 'event.period_end:1', 'event.period_start:2', 'event.period_end:2']);
      assert.equal(events.at(-1)!.type, 'event.match_end');
      assert.equal(events.at(-2)!.type, 'event.period_end');
      assert.equal(events[0]!.type, 'event.period_start');
      assert.equal(events[1]!.type, 'event.kickoff');
      const secondHalf = events.findIndex((e) => e.type === 'event.period_start' && e.period === 2);
      assert.equal(events[secondHalf + 1]!.type, 'event.kickoff');
      assert.notEqual((events[secondHalf + 1] as { team: string }).team, (events[1] as { team: string }).team, 'the other side kicks off the second half');
      assert.equal(of(events, 'event.substitution').length, 2);
    }
  });

  it('score_change follows each goal with the running score, then the conceding side kicks off', () => {
    for (const match of matches) {
      const init = match[0] as MatchInit;
      const events = eventsOf(match);
      const score = { home: 0, away: 0 };
      for (const [i, e] of events.entries()) {
        if (e.type !== 'event.goal') continue;
        if (e.team === init.teams[0].id) score.home++;
        else score.away++;
        assert.deepEqual(events[i + 1], { type: 'event.score_change', t: e.t + 1, ...score });
        const shot = events.slice(0, i).findLast((x) => x.type === 'event.shot');
        assert.ok(shot?.type === 'event.shot' && shot.player === e.player && shot.on_target && !shot.saved);
        const restart = events.slice(i + 2).find((x) => x.type === 'event.kickoff' || x.type === 'event.period_end');
        if (restart?.type === 'event.kickoff') assert.notEqual(restart.team, e.team);
      }
      assert.equal(of(events, 'event.score_change').length, of(events, 'event.goal').length);
      assert.ok(of(events, 'event.goal').length >= 2, 'a goal in each half');
    }
  });

  it('movement: anim tags valid and all locomotion bands used, facing from velocity, the carrier has the ball', () => {
    const frames = framesOf(matches[0]!);
    const seen = new Set<string>();
    let checked = 0;
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i]!;
      const holders = f.players.filter((p) => p.has_ball).map((p) => p.id);
      assert.deepEqual(holders, f.ball.carrier ? [f.ball.carrier] : []);
      for (const p of f.players) {
        assert.ok((ANIM_TAGS as readonly string[]).includes(p.anim), p.anim);
        seen.add(p.anim);
        assert.ok(Math.abs(p.pos[0]) <= 55 && Math.abs(p.pos[1]) <= 36, `${p.id} on the pitch`);
        const next = frames[i + 1]?.players.find((q) => q.id === p.id);
        if (!next || Math.hypot(next.pos[0] - p.pos[0], next.pos[1] - p.pos[1]) < 0.2) continue;
        // facing at i+1 is the heading of the step i → i+1
        const heading = Math.atan2(next.pos[1] - p.pos[1], next.pos[0] - p.pos[0]);
        const diff = Math.abs(Math.atan2(Math.sin(next.facing - heading), Math.cos(next.facing - heading)));
        assert.ok(diff < 0.1, `${p.id} facing ${next.facing} heading ${heading}`);
        assert.ok(Math.hypot(next.pos[0] - p.pos[0], next.pos[1] - p.pos[1]) < 1, 'at most 10 m/s');
        checked++;
      }
    }
    assert.ok(checked > 1000);
    for (const tag of ['idle', 'walk', 'run', 'sprint', 'pass', 'shoot', 'celebrate', 'tackle', 'fall']) assert.ok(seen.has(tag), tag);
  });

  it('clock_display runs 00:00 → 45:00 in the first half and 45:00 → 90:00 in the second', () => {
    const frames = framesOf(matches[0]!);
    assert.equal(frames[0]!.clock_display, '00:00');
    assert.equal(frames.find((f) => f.t === HALF_MS / 2)!.clock_display, '22:30');
    assert.deepEqual(new Set(frames.map((f) => f.period)), new Set([1, 2]));
    const second = frames.filter((f) => f.period === 2);
    assert.ok(second.some((f) => f.clock_display === '67:30'));
    assert.equal(frames.filter((f) => f.period === 1).at(-1)!.clock_display!.slice(0, 2), '45');
    const [mm, ss] = frames.at(-1)!.clock_display!.split(':').map(Number);
    assert.ok(mm! * 60 + ss! >= 90 * 60 && mm! < 95, `full time at ${frames.at(-1)!.clock_display} (90:00 plus the last ball in flight)`);
  });
});
