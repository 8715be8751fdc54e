/**
 * Match-level rules of protocol-notes §4.6 that need no timers: the initial state, score
 * processing, round reasons and the two swap hotkeys. Pure functions on the wire object.
 */
import { num, type Obj } from './codec.js';
import type { MatchWire, TeamState } from './model-types.js';
import type { MatchInit } from './match-state.js';
import * as team from './team.js';

/** The state of a freshly created match (notes §4.5 field list, with the original's initial values). */
export function newMatchWire(init: MatchInit): MatchWire {
  const teams = [team.newTeam(init.leftTeam), team.newTeam(init.rightTeam)];
  for (const t of teams) team.setRemoveTricode(t, init.tools.playercamsInfo.removeTricodes);
  return {
    matchId: '',
    matchType: 'bomb',
    switchRound: 13,
    firstOtRound: 25,
    groupCode: init.groupCode,
    isRunning: false,
    roundNumber: 0,
    roundPhase: 'LOBBY',
    wasTimeout: false,
    teams,
    map: 'Loading',
    spikeState: { planted: false, detonated: false, defused: false },
    attackersWon: false,
    showAliveKDA: false,
    timeoutState: { techPause: false, leftTeam: false, rightTeam: false, timeRemaining: 0 },
    timeoutGracePeriodPassed: false,
    toastInfo: { duration: null, title: '', message: '', eventLogoEnabled: false, active: false },
    hasEnteredOvertime: false,
    tools: init.tools,
    organizationId: init.organizationId ?? '',
    isRegistered: false,
    orgIsSupporter: false,
  };
}

/** `score {team_0, team_1}` (in-game team ids): who won the round, and whether on time. */
export function applyScore(m: MatchWire, d: Obj, ts: number): void {
  const t0 = m.teams.find((t) => t.ingameTeamId === 0);
  const t1 = m.teams.find((t) => t.ingameTeamId === 1);
  if (!t0 || !t1) return;
  const s0 = num(d.team_0, t0.roundsWon);
  const s1 = num(d.team_1, t1.roundsWon);
  if (s0 > t0.roundsWon) m.attackersWon = t0.isAttacking;
  else if (s1 > t1.roundsWon) m.attackersWon = t1.isAttacking;
  // The score arrives after the round timer ran out: the defenders won on time.
  m.wasTimeout = m.roundTimeoutTime !== undefined && ts >= m.roundTimeoutTime;
  t0.roundsWon = s0;
  t1.roundsWon = s1;
}

/** At `shopping`, why the previous round ended: detonated / kills for attackers, defused / timeout / kills for defenders. */
export function recordRoundReasons(m: MatchWire, round: number, maxRounds: number): void {
  const attackers = m.teams.find((t) => t.isAttacking);
  const defenders = m.teams.find((t) => !t.isAttacking);
  if (!attackers || !defenders) return;
  if (m.attackersWon) {
    team.addRoundReason(attackers, m.spikeState.detonated ? 'detonated' : 'kills', round, maxRounds);
    team.addRoundReason(defenders, 'lost', round, maxRounds);
  } else {
    const why = m.spikeState.defused ? 'defused' : m.wasTimeout ? 'timeout' : 'kills';
    team.addRoundReason(defenders, why, round, maxRounds);
    team.addRoundReason(attackers, 'lost', round, maxRounds);
  }
}

/** `swap_left_right`: the overlay's left and right, with the timeout counters. */
export function swapLeftRight(m: MatchWire): void {
  m.teams.reverse();
  const c = m.tools.timeoutCounter;
  [c.left, c.right] = [c.right, c.left];
}

/** `swap_attacker_defender`: sides, scores and round records change teams. */
export function swapAttackerDefender(m: MatchWire): void {
  const [a, b] = m.teams as [TeamState, TeamState];
  [a.isAttacking, b.isAttacking] = [b.isAttacking, a.isAttacking];
  [a.roundsWon, b.roundsWon] = [b.roundsWon, a.roundsWon];
  [a.roundRecord, b.roundRecord] = [b.roundRecord, a.roundRecord];
}
