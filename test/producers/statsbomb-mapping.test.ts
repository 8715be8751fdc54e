/**
 * StatsBomb → spec mapping (protocol-notes §1.5) on the real excerpt of the 2022 final
 * (data/statsbomb/, "Data: StatsBomb") and on small events built here for what the excerpt lacks
 * (cards, goals, the shoot-out).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSpecMessage, type EventMessage } from '../../src/dialects/match/spec.js';
import { sbToSpec, sbToSpec3, sb360ToSpec } from '../../src/producers/match/statsbomb/coords.js';
import { buildEvents, KICKOFF_AFTER_GOAL_MS } from '../../src/producers/match/statsbomb/emitter.js';
import { buildMatchInit, resolveSides, shortPosition, teamCode } from '../../src/producers/match/statsbomb/lineup.js';
import { loadStatsBomb } from '../../src/producers/match/statsbomb/load.js';
import { EventClock, eventTimeMs, mapEvent } from '../../src/producers/match/statsbomb/mapping.js';
import type { SbEvent, Sides } from '../../src/producers/match/statsbomb/types.js';
import { SB_FILES } from './match-feed.js';

const data = await loadStatsBomb(SB_FILES);
const sides = resolveSides(data.lineups, data.events, data.match);
const ARG = { id: 779, name: 'Argentina' };
const FRA = { id: 771, name: 'France' };
const SIDES: Sides = { home: 779, away: 771 };
const byIndex = (i: number): SbEvent => data.events.find((e) => e.index === i)!;

let n = 0;
/** A StatsBomb event for tests: team ARG unless given, at minute:second of `period`. */
function sb(type: string, minute: number, second: number, extra: Partial<SbEvent> = {}, period = 1): SbEvent {
  const ss = String(second).padStart(2, '0');
  return { id: `e${++n}`, period, minute, second, timestamp: `00:${String(minute % 60).padStart(2, '0')}:${ss}.250`, type: { id: 0, name: type }, team: ARG, possession_team: ARG, ...extra };
}
const of = <T extends EventMessage['type']>(events: EventMessage[], type: T) => events.filter((e): e is Extract<EventMessage, { type: T }> => e.type === type);

describe('StatsBomb MatchInit (notes §1.5 IDs, MatchInit)', () => {
  it('home is teams[0] from the match file (lineups list France first), ids P_<id>, codes ARG/FRA', () => {
    assert.equal(data.lineups[0]!.team_name, 'France');
    assert.deepEqual(sides, SIDES);
    const init = buildMatchInit({ matchId: 'm1', lineups: data.lineups, sides, match: data.match!, startTime: '2026-01-01T00:00:00.000Z' });
    assert.ok(parseSpecMessage(init).ok);
    assert.deepEqual(init.teams.map((t) => t.id), ['ARG', 'FRA']);
    assert.deepEqual(init.field, { length: 105, width: 68, units: 'm', surface: 'grass' });
    assert.equal(init.teams[0].players.length, 26);
    assert.equal(init.teams[1].players.length, 24);
    const messi = init.teams[0].players.find((p) => p.id === 'P_5503')!;
    assert.deepEqual({ number: messi.number, position: messi.position }, { number: 10, position: 'RW' });
    assert.deepEqual(init.teams[0].players.find((p) => p.id === 'P_6909')!.meta, { country: 'Argentina', starting: 'true', sb_player_id: '6909', nickname: 'Emiliano Martínez' });
    const armani = init.teams[0].players.find((p) => p.id === 'P_6312')!;
    assert.deepEqual([armani.position, armani.meta?.starting], ['SUB', 'false']);
    assert.equal(init.venue, 'Lusail Stadium');
  });

  it('without a match file, home is the team of the first Starting XI event', () => {
    assert.deepEqual(resolveSides(data.lineups, data.events), SIDES);
  });

  it('team codes and compressed positions', () => {
    assert.deepEqual([teamCode(779), teamCode(771), teamCode(217)], ['ARG', 'FRA', 'T_217']);
    const cases: Record<string, string> = {
      Goalkeeper: 'GK', 'Right Back': 'RB', 'Left Back': 'LB', 'Right Center Back': 'CB', 'Center Back': 'CB', 'Left Wing Back': 'LWB',
      'Right Wing Back': 'RWB', 'Center Defensive Midfield': 'CDM', 'Left Defensive Midfield': 'CDM', 'Center Attacking Midfield': 'CAM',
      'Right Center Midfield': 'CM', 'Right Midfield': 'RM', 'Left Midfield': 'LM', 'Right Wing': 'RW', 'Left Wing': 'LW',
      'Center Forward': 'ST', 'Left Center Forward': 'ST', 'Secondary Striker': 'ST',
    };
    for (const [name, tag] of Object.entries(cases)) assert.equal(shortPosition(name), tag, name);
    assert.equal(shortPosition(undefined), 'SUB');
  });
});

describe('StatsBomb coordinates (notes §1.5 Coordinates)', () => {
  it('centres, scales 105/120 × 68/80, flips both axes for the away side', () => {
    assert.deepEqual(sbToSpec([60, 40], true), [0, 0]);
    assert.deepEqual(sbToSpec([120, 80], true), [52.5, 34]);
    assert.deepEqual(sbToSpec([0, 0], true), [-52.5, -34]);
    assert.deepEqual(sbToSpec([120, 80], false), [-52.5, -34]);
    assert.deepEqual(sbToSpec([48, 43.2], false), [10.5, -2.72]);
    assert.deepEqual(sbToSpec3([120, 36, 2.4], true), [52.5, -3.4, 2.1]);
  });

  it('the excerpt: a France (away) pass target is flipped, an Argentina (home) one is not', () => {
    const france = mapEvent(byIndex(5), 578, { sides })[0]!;
    assert.deepEqual(france, { type: 'event.pass', t: 578, from: 'P_5487', to: 'P_10481', target: [10.5, -2.72], success: true });
    const argentina = mapEvent(byIndex(10), 16423, { sides })[0] as Extract<EventMessage, { type: 'event.pass' }>;
    assert.deepEqual(argentina.target, sbToSpec(byIndex(10).pass!.end_location!, true));
    assert.deepEqual(argentina.target, [-21, 29.92]);
  });

  it("locations follow the acting team: France's pass #136 (Argentina in possession) ends where Argentina's recovery #137 starts", () => {
    const pass = byIndex(136);
    assert.equal(pass.possession_team!.id, 779);
    const target = (mapEvent(pass, 1, { sides })[0] as Extract<EventMessage, { type: 'event.pass' }>).target;
    const recovery = sbToSpec(byIndex(137).location!, true);
    assert.ok(Math.hypot(target[0] - recovery[0], target[1] - recovery[1]) < 0.5, `${target} vs ${recovery}`);
  });

  it('360 frames use match orientation: home attacks left→right in periods 1, 4 and 5', () => {
    assert.deepEqual(sb360ToSpec([120, 40], 1), [52.5, 0]);
    assert.deepEqual(sb360ToSpec([120, 40], 2), [-52.5, 0]);
    assert.deepEqual(sb360ToSpec([120, 40], 3), [-52.5, 0]);
    assert.deepEqual(sb360ToSpec([120, 40], 4), [52.5, 0]);
    assert.deepEqual(sb360ToSpec([120, 40], 5), [52.5, 0]);
  });
});

describe('StatsBomb time (notes §1.5 Time)', () => {
  it('t = minute*60000 + second*1000 + timestamp ms % 1000', () => {
    assert.equal(eventTimeMs({ minute: 1, second: 36, timestamp: '00:01:36.620' }), 96_620);
    assert.equal(eventTimeMs({ minute: 45, second: 0, timestamp: '00:00:00.250' }), 2_700_250);
    assert.equal(eventTimeMs({ minute: 120, second: 3, timestamp: '00:00:03.999' }), 7_203_999);
  });

  it('collisions get +1 ms; a period that restarts before the last t is shifted as a whole', () => {
    const clock = new EventClock();
    const at = (period: number, minute: number, second: number, ms = 0) => clock.stamp({ period, minute, second, timestamp: `00:00:00.${String(ms).padStart(3, '0')}` });
    assert.deepEqual([at(1, 0, 0), at(1, 0, 0), at(1, 0, 0), at(1, 0, 0, 578)], [0, 1, 2, 578]);
    assert.equal(at(1, 47, 30), 2_850_000); // first-half stoppage time
    assert.equal(at(2, 45, 0), 2_850_001); // StatsBomb's second half starts at 45:00
    assert.equal(at(2, 45, 10), 2_860_001); // the rest of the period keeps its spacing
    // A period that starts long after the last event (a file holding part of each period) joins
    // on too: the gap is not in the data, so it is not replayed as frozen frames (issue 14).
    assert.equal(at(3, 90, 0), 2_860_002);
    assert.equal(at(3, 90, 30), 2_890_002);
  });

  it('the excerpt maps with t strictly rising, kick-off at 0, one period_start, and no period_end or match_end (it stops mid-half)', () => {
    const { events } = buildEvents(data.events, sides);
    for (const e of events) assert.ok(parseSpecMessage(e).ok, JSON.stringify(e));
    for (let i = 1; i < events.length; i++) assert.ok(events[i]!.t > events[i - 1]!.t, `t at ${i}`);
    assert.deepEqual(events[0], { type: 'event.kickoff', t: 0, team: 'FRA' });
    assert.deepEqual(of(events, 'event.period_start'), [{ type: 'event.period_start', period: 1, t: 2 }]);
    assert.deepEqual(events.filter((e) => e.type === 'event.period_end' || e.type === 'event.match_end'), []);
    assert.equal(events.at(-1)!.type, 'event.pass'); // Griezmann's pass #188, the excerpt's last event
    const passes = of(events, 'event.pass');
    assert.equal(passes.length, 56);
    assert.equal(passes.filter((p) => p.success === false).length, 12); // the excerpt's passes with an outcome
    assert.equal(passes.filter((p) => p.success === true).length, 44);
  });
});

describe('StatsBomb event mapping (notes §1.5 Event mapping)', () => {
  it('fouls carry the victim from the related Foul Won; cards set severity, Bad Behaviour cards too', () => {
    const fouls = of(buildEvents(data.events, sides).events, 'event.foul');
    assert.equal(fouls.length, 4);
    assert.deepEqual(fouls[0], { type: 'event.foul', t: 19_005, player: 'P_3026', victim: 'P_7797', severity: 'soft' });
    const card = (name: string) => ({ card: { id: 0, name } });
    const player = { id: 5503, name: 'Messi' };
    const map = (e: SbEvent) => mapEvent(e, 1000, { sides: SIDES });
    assert.equal((map(sb('Foul Committed', 1, 0, { player, foul_committed: card('Yellow Card') }))[0] as { severity: string }).severity, 'yellow');
    assert.equal((map(sb('Foul Committed', 1, 0, { player, foul_committed: card('Second Yellow') }))[0] as { severity: string }).severity, 'red');
    assert.equal((map(sb('Foul Committed', 1, 0, { player, foul_committed: card('Red Card') }))[0] as { severity: string }).severity, 'red');
    assert.deepEqual(map(sb('Bad Behaviour', 1, 0, { player, bad_behaviour: card('Yellow Card') })), [{ type: 'event.foul', t: 1000, player: 'P_5503', severity: 'yellow' }]);
    assert.deepEqual(map(sb('Bad Behaviour', 1, 0, { player, bad_behaviour: card('Red Card') })), [{ type: 'event.foul', t: 1000, player: 'P_5503', severity: 'red' }]);
    assert.deepEqual(map(sb('Bad Behaviour', 1, 0, { player })), []);
  });

  it('saves, substitutions, and events that only feed the state synthesis', () => {
    const map = (e: SbEvent) => mapEvent(e, 5, { sides: SIDES });
    const keeper = { id: 3099, name: 'Lloris' };
    assert.deepEqual(map(sb('Goal Keeper', 1, 0, { team: FRA, player: keeper, goalkeeper: { type: { id: 0, name: 'Shot Saved' } } })), [{ type: 'event.save', t: 5, keeper: 'P_3099' }]);
    assert.deepEqual(map(sb('Goal Keeper', 1, 0, { team: FRA, player: keeper, goalkeeper: { type: { id: 0, name: 'Collected' } } })), []);
    assert.deepEqual(map(sb('Substitution', 1, 0, { player: { id: 2995, name: 'Di María' }, substitution: { replacement: { id: 5507, name: 'Acuña' } } })), [
      { type: 'event.substitution', t: 5, team: 'ARG', player_in: 'P_5507', player_out: 'P_2995' },
    ]);
    for (const type of ['Carry', 'Pressure', 'Ball Receipt*', 'Starting XI']) assert.deepEqual(map(sb(type, 1, 0, { player: keeper, location: [1, 1] })), []);
  });

  it('a goal: shot, goal at t+1, score_change, and a kick-off for the conceding side ~5 s later', () => {
    const messi = { id: 5503, name: 'Messi' };
    const mbappe = { id: 3009, name: 'Mbappé' };
    const shot = (player: typeof messi, team: typeof ARG, minute: number, outcome: string) =>
      sb('Shot', minute, 0, { player, team, possession_team: team, location: [108, 40], shot: { end_location: [120, 38, 1.2], outcome: { id: 0, name: outcome } } });
    const events = buildEvents([sb('Half Start', 0, 0), sb('Half Start', 0, 0, { team: FRA }), shot(messi, ARG, 22, 'Goal'), sb('Pass', 22, 2, { player: messi, pass: { end_location: [60, 40] } }), shot(mbappe, FRA, 80, 'Goal'), shot(mbappe, FRA, 81, 'Saved')], SIDES).events;
    for (const e of events) assert.ok(parseSpecMessage(e).ok);
    const t0 = 22 * 60_000 + 250;
    const from = events.findIndex((e) => e.type === 'event.shot');
    assert.deepEqual(events.slice(from, from + 5), [
      { type: 'event.shot', t: t0, player: 'P_5503', target: [52.5, -1.7, 1.05], on_target: true, saved: false },
      { type: 'event.goal', t: t0 + 1, player: 'P_5503', team: 'ARG' },
      { type: 'event.score_change', t: t0 + 2, home: 1, away: 0 },
      { type: 'event.pass', t: t0 + 2000, from: 'P_5503', target: [0, 0], success: true },
      { type: 'event.kickoff', t: t0 + 1 + KICKOFF_AFTER_GOAL_MS, team: 'FRA' },
    ]);
    assert.deepEqual(of(events, 'event.score_change').map((s) => [s.home, s.away]), [[1, 0], [1, 1]]);
    assert.deepEqual(of(events, 'event.kickoff').map((k) => k.team), ['ARG', 'FRA', 'ARG']);
    const saved = of(events, 'event.shot').at(-1)!;
    assert.deepEqual([saved.on_target, saved.saved, saved.target], [true, true, [-52.5, 1.7, 1.05]]); // France attacks −x
    assert.equal(of(events, 'event.goal').length, 2);
  });

  it('period 5: penalty_shootout_start, one penalty_attempt per Shot, end with winner and score, then match_end', () => {
    const pen = (player: number, team: typeof ARG, second: number, outcome: string) =>
      sb('Shot', 120, second, { player: { id: player, name: String(player) }, team, possession_team: team, location: [108, 40], shot: { end_location: [120, 37, 0.5], outcome: { id: 0, name: outcome } } }, 5);
    const events = buildEvents(
      [sb('Half End', 120, 30, {}, 4), sb('Half Start', 120, 0, { team: FRA }, 5), sb('Half Start', 120, 0, {}, 5), pen(3009, FRA, 10, 'Goal'), pen(5503, ARG, 40, 'Goal'), pen(4320, FRA, 70, 'Saved'), pen(8206, ARG, 100, 'Goal'), pen(8125, FRA, 130, 'Off T'), sb('Half End', 122, 30, {}, 5)],
      SIDES,
    ).events;
    for (const e of events) assert.ok(parseSpecMessage(e).ok);
    const types = events.map((e) => e.type);
    assert.deepEqual(types, ['event.kickoff', 'event.period_end', 'event.penalty_shootout_start', ...Array(5).fill('event.penalty_attempt'), 'event.penalty_shootout_end', 'event.match_end']);
    assert.deepEqual(of(events, 'event.penalty_attempt').map((a) => [a.player, a.team, a.outcome]), [
      ['P_3009', 'FRA', 'scored'], ['P_5503', 'ARG', 'scored'], ['P_4320', 'FRA', 'saved'], ['P_8206', 'ARG', 'scored'], ['P_8125', 'FRA', 'missed'],
    ]);
    const start = of(events, 'event.penalty_shootout_start')[0]!;
    const lastAttempt = of(events, 'event.penalty_attempt').at(-1)!;
    const end = of(events, 'event.penalty_shootout_end')[0]!;
    assert.ok(start.t > events[1]!.t, 'the shoot-out starts after extra time ends');
    assert.deepEqual({ winner: end.winner, score: end.score, t: end.t }, { winner: 'ARG', score: { home: 2, away: 1 }, t: lastAttempt.t + 1000 });
    assert.ok(events.at(-1)!.t > end.t);
  });
});

describe('StatsBomb ends: only what the data holds (issue 14)', () => {
  const halves = (...periods: [number, boolean][]) =>
    periods.flatMap(([period, ended], i) => [
      sb('Half Start', [0, 45, 90, 105, 120][period - 1]!, 0, {}, period),
      sb('Pass', [0, 45, 90, 105, 120][period - 1]!, 5 + i, { player: { id: 5503, name: 'Messi' }, pass: { end_location: [70, 40] } }, period),
      ...(ended ? [sb('Half End', [0, 45, 90, 105, 120][period - 1]!, 30, {}, period), sb('Half End', [0, 45, 90, 105, 120][period - 1]!, 30, { team: FRA }, period)] : []),
    ]);
  const ends = (events: EventMessage[]) => events.filter((e) => e.type === 'event.period_end' || e.type === 'event.match_end' || e.type === 'event.penalty_shootout_end').map((e) => (e.type === 'event.period_end' ? `end${e.period}` : e.type));

  it('match_end follows the Half End of period 2, 4 or 5 when it is the data\'s last period', () => {
    assert.deepEqual(ends(buildEvents(halves([1, true], [2, true]), SIDES).events), ['end1', 'end2', 'event.match_end']);
    assert.deepEqual(ends(buildEvents(halves([1, true], [2, true], [3, true], [4, true]), SIDES).events), ['end1', 'end2', 'end3', 'end4', 'event.match_end']);
  });

  it('no match_end when the data stops mid-period or after period 1 or 3 (a match cannot end there)', () => {
    assert.deepEqual(ends(buildEvents(halves([1, false]), SIDES).events), []);
    assert.deepEqual(ends(buildEvents(halves([1, true]), SIDES).events), ['end1']);
    assert.deepEqual(ends(buildEvents(halves([1, true], [2, false]), SIDES).events), ['end1']);
    assert.deepEqual(ends(buildEvents(halves([1, true], [2, true], [3, true]), SIDES).events), ['end1', 'end2', 'end3']);
  });

  it('a shoot-out cut before its Half End: attempts, but no penalty_shootout_end (no winner claimed) and no match_end', () => {
    const pen = (player: number, team: typeof ARG, second: number) =>
      sb('Shot', 120, second, { player: { id: player, name: String(player) }, team, possession_team: team, location: [108, 40], shot: { end_location: [120, 37, 0.5], outcome: { id: 0, name: 'Goal' } } }, 5);
    const events = buildEvents([...halves([1, true], [2, true], [3, true], [4, true]), sb('Half Start', 120, 0, {}, 5), pen(3009, FRA, 10), pen(5503, ARG, 40)], SIDES).events;
    assert.equal(of(events, 'event.penalty_shootout_start').length, 1);
    assert.equal(of(events, 'event.penalty_attempt').length, 2);
    assert.deepEqual(ends(events), ['end1', 'end2', 'end3', 'end4']);
  });
});

describe('StatsBomb bad input', () => {
  it('malformed files are refused; malformed entries are dropped or neutralised, never NaN or a crash', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { replayMessages } = await import('../../src/producers/match/statsbomb/replay.js');
    const dir = await mkdtemp(join(tmpdir(), 'sb-'));
    const file = async (name: string, body: string) => {
      await writeFile(join(dir, name), body);
      return join(dir, name);
    };
    const lineupsFile = await file('lineups.json', JSON.stringify(data.lineups));
    await assert.rejects(loadStatsBomb({ eventsFile: await file('bad.json', '{"not":"an array"}'), lineupsFile }), /not a JSON array/);
    await assert.rejects(loadStatsBomb({ eventsFile: await file('broken.json', '[{"id":'), lineupsFile }), { code: 'ERR_DATA_FILE', message: /broken\.json is not valid JSON/ });
    await assert.rejects(loadStatsBomb({ eventsFile: await file('ok.json', '[]'), lineupsFile: await file('one.json', JSON.stringify([data.lineups[0]])) }), /exactly two teams/);
    const messy = [
      ...data.events.slice(0, 10),
      null,
      42,
      { id: 'no-period', type: { id: 0, name: 'Pass' } },
      { ...data.events[4]!, id: 'bad-loc', location: ['x', null], pass: { end_location: 'nope', recipient: { id: 10481, name: 'T' } } },
      { ...data.events[4]!, id: 'no-player', player: undefined },
    ];
    const loaded = await loadStatsBomb({ eventsFile: await file('messy.json', JSON.stringify(messy)), lineupsFile });
    assert.equal(loaded.events.length, 12);
    const out = [...replayMessages(loaded, 'm', '2026-01-01T00:00:00.000Z')];
    for (const m of out) assert.ok(parseSpecMessage(m).ok, JSON.stringify(m).slice(0, 200));
    assert.ok(out.some((m) => m.type === 'event.pass' && m.target[0] === 0 && m.target[1] === 0), 'a malformed location reads as the centre spot');
  });
});
