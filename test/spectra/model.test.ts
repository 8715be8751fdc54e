/**
 * The match state model (protocol-notes §4.5–4.6), tested without sockets: every data type,
 * round phases and reasons, spike, timeouts on a ManualClock, toasts, swaps, aux data, bounds,
 * and the sanitised wire form.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { MatchState } from '../../src/dialects/spectra/match-state.js';
import { NEVER_EMITTED, sanitizeMatch } from '../../src/dialects/spectra/sanitize.js';
import { normaliseTeam, normaliseTools } from '../../src/dialects/spectra/tools.js';
import { parseVersionRange } from '../../src/dialects/spectra/version-range.js';

function setup(tools: Record<string, unknown> = {}) {
  const clock = new ManualClock(1_000_000);
  const match = new MatchState(
    {
      groupCode: 'TEST',
      groupSecret: 'ABCDEF123456',
      leftTeam: normaliseTeam({ name: 'Left', tricode: 'L', url: '', attackStart: true }, 'L'),
      rightTeam: normaliseTeam({ name: 'Right', tricode: 'R', url: '', attackStart: false }, 'R'),
      tools: normaliseTools({ timeoutDuration: 30, timeoutCounter: { max: 2, left: 2, right: 2 }, ...tools }),
    },
    { clock, maxRounds: 99 },
  );
  const apply = (type: string, data: unknown, playerId = '') => match.apply(type, data, clock.now(), playerId);
  return { clock, match, apply, s: match.state };
}

const rosterEntry = (team: 0 | 1, i: number, agent = 'Wushu') => ({
  name: `P${team}${i}`,
  tagline: 'TAG',
  startTeam: team,
  agentInternal: agent,
  playerId: `id-${team}-${i}`,
  position: i,
  locked: true,
  rank: 20,
});

const board = (team: 0 | 1, i: number, over: Record<string, unknown> = {}) => ({
  name: `P${team}${i}`,
  tagline: 'TAG',
  playerId: `id-${team}-${i}`,
  startTeam: team,
  agentInternal: 'Wushu',
  isAlive: true,
  initialArmor: 2,
  scoreboardWeaponInternal: 'TX_Hud_Rifles_Volcano',
  currUltPoints: 3,
  maxUltPoints: 7,
  hasSpike: false,
  money: 4000,
  kills: 0,
  deaths: 0,
  assists: 0,
  ...over,
});

function withRoster() {
  const ctx = setup();
  for (let i = 0; i < 5; i++) {
    ctx.apply('roster', rosterEntry(0, i, ['Wushu', 'Hunter', 'Pandemic', 'Killjoy', 'Sprinter'][i]));
    ctx.apply('roster', rosterEntry(1, i, ['Clay', 'BountyHunter', 'Wraith', 'Gumshoe', 'Rift'][i]));
  }
  return ctx;
}

describe('match state: roster and scoreboard', () => {
  it('starts with the teams of the logon: left is teams[0], ingameTeamId 0 for the attack starter, 25 upcoming rounds', () => {
    const { s, match } = setup();
    assert.equal(s.teams[0]!.teamName, 'Left');
    assert.equal(s.teams[0]!.ingameTeamId, 0);
    assert.equal(s.teams[1]!.ingameTeamId, 1);
    assert.equal(s.teams[0]!.isAttacking, true);
    assert.equal(s.teams[0]!.roundRecord.length, 25);
    assert.ok(s.teams[0]!.roundRecord.every((r, i) => r.type === 'upcoming' && r.round === i + 1));
    assert.equal(s.roundPhase, 'LOBBY');
    assert.equal(match.eventNumber, 1);
  });

  it('roster inserts complete entries up to five per team, routed by startTeam, and updates known players', () => {
    const { s, apply } = withRoster();
    assert.equal(s.teams[0]!.players.length, 5);
    assert.equal(s.teams[1]!.players[0]!.agentProper, 'Raze');
    assert.equal(s.teams[0]!.players[0]!.searchName, 'P00 #TAG');
    apply('roster', { ...rosterEntry(0, 9), playerId: 'sixth' });
    assert.equal(s.teams[0]!.players.length, 5, 'a sixth player is refused');
    apply('roster', { ...rosterEntry(1, 0), name: '' });
    apply('roster', { ...rosterEntry(0, 0), agentInternal: 'Thorne' });
    assert.equal(s.teams[0]!.players[0]!.agentProper, 'Sage');
    assert.equal(s.teams[0]!.playerCount, 5);
    assert.equal(apply('roster', { ...rosterEntry(0, 0), startTeam: 7 }), 'ignored', 'an unknown team is ignored');
  });

  it('scoreboard updates stats, per-round kills/deaths, ult, armour, weapon and spent money; death sets health 0', () => {
    const { s, apply } = withRoster();
    apply('scoreboard', board(0, 0, { money: 4000 }));
    apply('scoreboard', board(0, 0, { money: 1100, kills: 1 }));
    apply('scoreboard', board(0, 0, { money: 1300, kills: 2, currUltPoints: 7 }));
    const p = s.teams[0]!.players[0]!;
    assert.equal(p.kills, 2);
    assert.equal(p.killsThisRound, 2);
    assert.equal(p.moneySpent, 2900);
    assert.equal(s.teams[0]!.spentThisRound, 2900);
    assert.equal(p.ultReady, true);
    assert.equal(p.armorName, 'Heavy');
    assert.equal(p.highestWeapon, 'Vandal');
    assert.equal(p.scoreboardAvailable, true);
    apply('scoreboard', board(0, 0, { isAlive: false, deaths: 1, kills: 2, money: 1300, currUltPoints: 7 }));
    assert.equal(p.health, 0);
    assert.equal(p.deathsThisRound, 1);
    assert.equal(p.kdRatio, 2);
  });

  it('killfeed tallies weapons, headshots and victims, credits assists by agent icon, and falls back without a scoreboard', () => {
    const { s, apply } = withRoster();
    apply('killfeed', {
      attacker: 'P00',
      victim: 'P10',
      weaponKillfeedInternal: 'TX_Hud_Volcano',
      headshotKill: true,
      assists: ['TX_Killfeed_Sova'],
      isTeamkill: false,
    });
    const killer = s.teams[0]!.players[0]!;
    const assister = s.teams[0]!.players[1]!;
    const victim = s.teams[1]!.players[0]!;
    assert.equal(killer.kills, 1);
    assert.equal(killer.headshotKills, 1);
    assert.equal(killer.headshotRatio, 1);
    assert.deepEqual(killer.killsByWeaponsAndAbilities, { TX_Hud_Volcano: 1 });
    assert.deepEqual(killer.killsOnEnemyPlayer, { P10: 1 });
    assert.deepEqual(killer.killedPlayerNames, ['P10']);
    assert.equal(assister.assists, 1);
    assert.equal(victim.isAlive, false);
    assert.equal(victim.deaths, 1);
    apply('killfeed', { attacker: 'P00', victim: 'P11', weaponKillfeedInternal: 'TX_Hud_Volcano', headshotKill: false, assists: [], isTeamkill: false });
    assert.deepEqual(killer.killsByWeaponsAndAbilities, { TX_Hud_Volcano: 2 });
  });

  it('observing marks exactly the observed player', () => {
    const { s, apply } = withRoster();
    apply('observing', 'P12 #TAG');
    const observed = s.teams.flatMap((t) => t.players).filter((p) => p.isObserved);
    assert.deepEqual(observed.map((p) => p.name), ['P12']);
  });
});

describe('match state: rounds, score and spike', () => {
  it('match_start, map (internal names translated) and game_mode', () => {
    const { s, apply } = setup();
    apply('match_start', 'VAL-123');
    assert.equal(s.matchId, 'VAL-123');
    assert.equal(s.isRunning, true);
    apply('map', 'Infinityy');
    assert.equal(s.map, 'Abyss');
    apply('game_mode', 'swift');
    assert.deepEqual([s.switchRound, s.firstOtRound], [5, 99]);
    apply('game_mode', 'bomb');
    assert.deepEqual([s.switchRound, s.firstOtRound], [13, 25]);
  });

  it('combat sets the 99 s round timer and hides the toast; a plant in combat sets the 45 s spike timer', () => {
    const { s, apply, clock } = withRoster();
    apply('toast', { duration: null, title: 'T', message: 'M', eventLogoEnabled: false, active: true });
    assert.equal(s.spikeDetonationTime, undefined);
    apply('spike_planted', true);
    assert.equal(s.spikeState.planted, false, 'a plant outside combat is ignored');
    apply('round_info', { roundPhase: 'combat', roundNumber: 1 });
    assert.equal(s.roundTimeoutTime, clock.now() + 99_000);
    assert.equal(s.toastInfo.active, false);
    clock.advance(10_000);
    apply('spike_planted', true);
    assert.equal(s.spikeState.planted, true);
    assert.equal(s.spikeDetonationTime, clock.now() + 45_000);
    assert.equal(s.roundTimeoutTime, undefined);
    apply('spike_detonated', true);
    assert.equal(s.spikeState.detonated, true);
    assert.equal(s.spikeDetonationTime, undefined);
  });

  it('a +300 credit jump during combat implies a plant', () => {
    const { s, apply } = withRoster();
    apply('scoreboard', board(0, 0, { money: 1000 }));
    apply('round_info', { roundPhase: 'combat', roundNumber: 1 });
    apply('scoreboard', board(0, 0, { money: 1300 }));
    assert.equal(s.spikeState.planted, true);
  });

  it('score sets attackersWon; shopping records the reason of the previous round (kills, detonated, defused, timeout, lost)', () => {
    const { s, apply, clock } = withRoster();
    const play = (round: number, events: () => void) => {
      apply('round_info', { roundPhase: 'shopping', roundNumber: round });
      apply('round_info', { roundPhase: 'combat', roundNumber: round });
      events();
      apply('round_info', { roundPhase: 'end', roundNumber: round });
    };
    play(1, () => apply('score', { team_0: 1, team_1: 0 })); // attackers by kills
    play(2, () => {
      apply('spike_planted', true);
      apply('spike_defused', true);
      apply('score', { team_0: 1, team_1: 1 }); // defenders by defuse
    });
    play(3, () => {
      apply('spike_planted', true);
      apply('spike_detonated', true);
      apply('score', { team_0: 2, team_1: 1 });
    });
    play(4, () => {
      clock.advance(100_000);
      apply('score', { team_0: 2, team_1: 2 }); // after the round timer: timeout
    });
    assert.equal(s.wasTimeout, true);
    apply('round_info', { roundPhase: 'shopping', roundNumber: 5 });
    const [left, right] = s.teams as [(typeof s.teams)[0], (typeof s.teams)[0]];
    assert.deepEqual(left.roundRecord.slice(0, 5).map((r) => r.type), ['kills', 'lost', 'detonated', 'lost', 'upcoming']);
    assert.deepEqual(right.roundRecord.slice(0, 5).map((r) => r.type), ['lost', 'defused', 'lost', 'timeout', 'upcoming']);
    assert.equal(left.roundsWon, 2);
    assert.equal(s.spikeState.planted, false);
  });

  it('swaps sides at round 13 (money back to 800) and every round from 25, granting +1 timeout (max 2) on entering overtime', () => {
    const { s, apply } = withRoster();
    apply('scoreboard', board(0, 0, { money: 5000 }));
    apply('round_info', { roundPhase: 'shopping', roundNumber: 12 });
    assert.equal(s.teams[0]!.isAttacking, true);
    apply('round_info', { roundPhase: 'shopping', roundNumber: 13 });
    assert.equal(s.teams[0]!.isAttacking, false);
    assert.equal(s.teams[0]!.players[0]!.money, 800);
    s.tools.timeoutCounter.left = 0;
    s.tools.timeoutCounter.right = 2;
    apply('round_info', { roundPhase: 'shopping', roundNumber: 25 });
    assert.equal(s.teams[0]!.isAttacking, true);
    assert.equal(s.hasEnteredOvertime, true);
    assert.deepEqual([s.tools.timeoutCounter.left, s.tools.timeoutCounter.right], [1, 2]);
    apply('round_info', { roundPhase: 'shopping', roundNumber: 26 });
    assert.equal(s.teams[0]!.isAttacking, false);
    assert.equal(s.tools.timeoutCounter.left, 1, 'the overtime grant happens once');
  });

  it('game_end stops the match and reports it', () => {
    const { s, apply } = setup();
    assert.equal(apply('round_info', { roundPhase: 'game_end', roundNumber: 20 }), 'game_end');
    assert.equal(s.isRunning, false);
  });

  it('ignores round numbers beyond maxRounds and never leaves holes in the round record', () => {
    const { s, apply } = withRoster();
    assert.equal(apply('round_info', { roundPhase: 'shopping', roundNumber: 1e9 }), 'ignored');
    apply('round_info', { roundPhase: 'shopping', roundNumber: 40 });
    const json = JSON.parse(sanitizeMatch(s)) as { teams: { roundRecord: unknown[] }[] };
    assert.ok(json.teams[0]!.roundRecord.every((r) => r !== null));
    assert.ok(json.teams[0]!.roundRecord.length <= 41);
  });

  it('duplicate agents are detected at combat', () => {
    const ctx = setup();
    ctx.apply('roster', rosterEntry(0, 0, 'Wushu'));
    ctx.apply('roster', rosterEntry(0, 1, 'Wushu'));
    ctx.apply('round_info', { roundPhase: 'combat', roundNumber: 1 });
    assert.equal(ctx.s.teams[0]!.hasDuplicateAgents, true);
    assert.equal(ctx.s.teams[1]!.hasDuplicateAgents, false);
  });
});

describe('match state: hotkeys, timeouts and toasts', () => {
  it('a team timeout counts down every second and, on expiry, uses up one timeout', () => {
    const { s, apply, clock, match } = setup();
    apply('left_timeout', true);
    assert.deepEqual(s.timeoutState, { techPause: false, leftTeam: true, rightTeam: false, timeRemaining: 30 });
    const before = match.eventNumber;
    clock.advance(1_000);
    assert.equal(s.timeoutState.timeRemaining, 29);
    assert.ok(match.eventNumber > before, 'each tick is a change to emit');
    clock.advance(10_000);
    assert.equal(s.timeoutGracePeriodPassed, true);
    clock.advance(19_000);
    assert.equal(s.timeoutState.leftTeam, false);
    assert.equal(s.tools.timeoutCounter.left, 1);
    assert.equal(clock.pending, 0);
  });

  it('cancelling within the 10 s grace period refunds; after it, the timeout is used', () => {
    const { s, apply, clock } = setup();
    apply('right_timeout', true);
    clock.advance(5_000);
    apply('right_timeout', true);
    assert.equal(s.timeoutState.rightTeam, false);
    assert.equal(s.tools.timeoutCounter.right, 2);
    apply('right_timeout', true);
    clock.advance(12_000);
    apply('right_timeout', true);
    assert.equal(s.tools.timeoutCounter.right, 1);
    assert.equal(clock.pending, 0);
  });

  it('tech_pause toggles and cancels a running team timeout', () => {
    const { s, apply, clock } = setup();
    apply('left_timeout', true);
    apply('tech_pause', true);
    assert.deepEqual([s.timeoutState.techPause, s.timeoutState.leftTeam], [true, false]);
    assert.equal(clock.pending, 0);
    apply('tech_pause', true);
    assert.equal(s.timeoutState.techPause, false);
  });

  it('a toast with a duration hides itself after that many ms; switch_kda_credits toggles', () => {
    const { s, apply, clock } = setup();
    apply('toast', { duration: 5_000, title: 'Hello', message: 'World', eventLogoEnabled: true, selectedTeam: 'left', active: true });
    assert.equal(s.toastInfo.active, true);
    assert.equal(s.toastInfo.selectedTeam, 'left');
    clock.advance(5_000);
    assert.equal(s.toastInfo.active, false);
    apply('switch_kda_credits', true);
    assert.equal(s.showAliveKDA, true);
  });

  it('swap_left_right reverses the teams and the timeout counters', () => {
    const { s, apply } = setup();
    s.tools.timeoutCounter.left = 0;
    apply('swap_left_right', true);
    assert.equal(s.teams[0]!.teamName, 'Right');
    assert.deepEqual([s.tools.timeoutCounter.left, s.tools.timeoutCounter.right], [2, 0]);
  });

  it('swap_attacker_defender swaps sides, scores and round records', () => {
    const { s, apply } = withRoster();
    apply('score', { team_0: 3, team_1: 1 });
    const leftRecord = s.teams[0]!.roundRecord;
    apply('swap_attacker_defender', true);
    assert.equal(s.teams[0]!.isAttacking, false);
    assert.equal(s.teams[1]!.isAttacking, true);
    assert.deepEqual([s.teams[0]!.roundsWon, s.teams[1]!.roundsWon], [1, 3]);
    assert.equal(s.teams[1]!.roundRecord, leftRecord);
  });
});

describe('match state: aux data', () => {
  it('aux_health and aux_abilities set the player and its availability flags; disconnect resets them', () => {
    const { s, apply, match } = withRoster();
    apply('aux_health', 55, 'id-0-1');
    apply('aux_abilities', { grenade: 1, ability_1: 2, ability_2: 0 }, 'id-0-1');
    const p = s.teams[0]!.players[1]!;
    assert.equal(p.health, 55);
    assert.deepEqual(p.abilities, { grenade: 1, ability1: 2, ability2: 0 });
    assert.deepEqual(p.auxiliaryAvailable, { health: true, abilities: true, scoreboard: false });
    apply('aux_health', 'lots', 'id-0-1');
    assert.equal(p.health, 55, 'a non-number health is ignored');
    match.setAuxDisconnected('id-0-1');
    assert.deepEqual(p.auxiliaryAvailable, { health: false, abilities: false, scoreboard: false });
  });

  it('aux scoreboard data is used only while no observer scoreboard exists for the player', () => {
    const { s, apply } = withRoster();
    apply('aux_scoreboard', board(1, 2, { kills: 4 }), 'id-1-2');
    const p = s.teams[1]!.players[2]!;
    assert.equal(p.kills, 4);
    assert.equal(p.auxiliaryAvailable.scoreboard, true);
    apply('scoreboard', board(1, 2, { kills: 5 }));
    apply('aux_scoreboard', board(1, 2, { kills: 9 }), 'id-1-2');
    assert.equal(p.kills, 5);
  });

  it('aux_scoreboard_team (a JSON string of an array) updates the sender team only', () => {
    const { s, apply } = withRoster();
    const entries = [board(0, 0, { kills: 3 }), board(0, 1, { kills: 2 }), board(1, 0, { kills: 7 })];
    apply('aux_scoreboard_team', JSON.stringify(entries), 'id-0-0');
    assert.equal(s.teams[0]!.players[0]!.kills, 3);
    assert.equal(s.teams[0]!.players[1]!.kills, 2);
    assert.equal(s.teams[1]!.players[0]!.kills, 0, 'the other team is not touched');
    apply('aux_scoreboard_team', '{broken', 'id-0-0');
  });

  it('astra targeting and cypher cam set icon suffixes for those agents only', () => {
    const { s, apply } = withRoster();
    apply('aux_astra_targeting', true, 'id-1-4');
    assert.equal(s.teams[1]!.players[4]!.iconNameSuffix, '_Targeting');
    apply('aux_astra_targeting', false, 'id-1-4');
    assert.equal(s.teams[1]!.players[4]!.iconNameSuffix, '');
    apply('aux_cypher_cam', true, 'id-1-3');
    assert.equal(s.teams[1]!.players[3]!.iconNameSuffix, '_Cam');
    apply('aux_cypher_cam', true, 'id-1-0');
    assert.equal(s.teams[1]!.players[0]!.iconNameSuffix, '');
  });
});

describe('sanitisation and robustness', () => {
  it('match_data never carries the group secret, event number, timers or the playercam secret/end time', () => {
    const { match, apply } = setup({ playercamsInfo: { enable: true, identifier: 'id', secret: 'CAMSECRET', endTime: 99 } });
    apply('left_timeout', true);
    apply('toast', { duration: 1000, title: 'x', message: 'y', eventLogoEnabled: false, active: true });
    const wire = sanitizeMatch(match.state);
    const parsed = JSON.parse(wire) as Record<string, any>;
    for (const key of NEVER_EMITTED) assert.equal(key in parsed, false, key);
    assert.ok(!wire.includes('ABCDEF123456'));
    assert.ok(!wire.includes('CAMSECRET'));
    assert.equal('secret' in parsed.tools.playercamsInfo, false);
    assert.equal('endTime' in parsed.tools.playercamsInfo, false);
    assert.equal(parsed.tools.playercamsInfo.identifier, 'id');
    for (const key of ['organizationId', 'isRegistered', 'orgIsSupporter', 'matchId', 'timeoutGracePeriodPassed', 'hasEnteredOvertime']) {
      assert.ok(key in parsed, `${key} is emitted as is`);
    }
  });

  it('hostile data never throws and never corrupts the shape', () => {
    const { match, apply } = withRoster();
    const junk: unknown[] = [null, 1, 'x', [], { startTeam: '__proto__' }, { attacker: {}, victim: [] }, { team_0: 'a' }, { roundNumber: -1 }];
    const types = ['roster', 'scoreboard', 'killfeed', 'round_info', 'score', 'match_start', 'map', 'game_mode', 'observing', 'toast', 'aux_health', 'aux_abilities', 'aux_scoreboard', 'aux_scoreboard_team', 'nope', '__proto__', 'constructor'];
    for (const type of types) for (const data of junk) apply(type, data, 'id-0-0');
    const parsed = JSON.parse(sanitizeMatch(match.state)) as Record<string, any>;
    assert.equal(parsed.teams.length, 2);
    assert.equal(parsed.teams[0].players.length, 5);
  });
});

describe('client version range', () => {
  it('implements semver comparator sets, refusing pre-releases and non-strings', () => {
    const range = parseVersionRange('>=0.3.3 <0.3.25');
    assert.equal(range.satisfies('0.3.3'), true);
    assert.equal(range.satisfies('0.3.24'), true);
    assert.equal(range.satisfies('0.3.25'), false);
    assert.equal(range.satisfies('0.3.2'), false);
    assert.equal(range.satisfies('0.3.10-beta.1'), false);
    assert.equal(range.satisfies(3), false);
    assert.throws(() => parseVersionRange('^0.3'));
  });
});
