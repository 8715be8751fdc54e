/**
 * One team's state (notes §4.5 "Team") and the rules that route roster, scoreboard, killfeed and
 * aux data to its players (notes §4.6 "Team assignment and roster"). Pure.
 */
import { bool, decodeArray, text, type Obj } from './codec.js';
import type { AuthTeam, PlayerState, RecordType, TeamState } from './model-types.js';
import * as player from './player.js';
import { ICON_SUFFIXES, SPECIAL_AGENTS } from './tables.js';

/** Initial length of the round record: 24 regulation rounds plus the first overtime round. */
const INITIAL_RECORD_ROUNDS = 25;
const MAX_PLAYERS = 5;

export function newTeam(auth: AuthTeam): TeamState {
  const team: TeamState = {
    teamName: auth.name,
    teamTricode: auth.tricode,
    teamUrl: auth.url,
    // The team that starts on attack has in-game id 0 (notes §4.5).
    ingameTeamId: auth.attackStart ? 0 : 1,
    isAttacking: auth.attackStart,
    hasHandledTeam: false,
    roundsWon: 0,
    spentThisRound: 0,
    roundRecord: [],
    removeTricode: false,
    players: [],
    playerCount: 0,
    hasDuplicateAgents: false,
  };
  for (let round = 1; round <= INITIAL_RECORD_ROUNDS; round++) {
    team.roundRecord.push({ type: 'upcoming', wasAttack: team.isAttacking, round });
  }
  return team;
}

function byId(team: TeamState, playerId: unknown): PlayerState | undefined {
  return typeof playerId === 'string' && playerId !== '' ? team.players.find((p) => p.riotId === playerId) : undefined;
}

export function hasPlayer(team: TeamState, playerId: unknown): boolean {
  return byId(team, playerId) !== undefined;
}

/** Insert while the team has room and the entry is complete; otherwise update the known player. */
export function applyRoster(team: TeamState, data: Obj): void {
  const id = text(data.playerId);
  if (id === '' || text(data.name) === '' || text(data.tagline) === '') return;
  const known = byId(team, id);
  if (known) {
    player.applyRoster(known, data);
    return;
  }
  if (team.players.length >= MAX_PLAYERS) return;
  team.players.push(player.newPlayer(data));
  team.playerCount = team.players.length;
  team.hasHandledTeam = true;
}

/** Returns the money gained by the player (the match's plant heuristic), or null for an unknown player. */
export function applyScoreboard(team: TeamState, data: Obj): number | null {
  const p = byId(team, data.playerId);
  if (!p) return null;
  const { moneyGained } = player.applyScoreboard(p, data);
  team.spentThisRound = team.players.reduce((sum, q) => sum + q.moneySpent, 0);
  return moneyGained;
}

export function applyKillfeed(team: TeamState, data: Obj): void {
  const attackerName = text(data.attacker);
  const attacker = team.players.find((p) => p.name === attackerName);
  if (attacker) {
    player.applyKill(attacker, data);
    // An assist icon names an agent; with duplicate agents it cannot name a player.
    if (!team.hasDuplicateAgents && Array.isArray(data.assists)) {
      for (const icon of data.assists.slice(0, 4)) {
        const assister = team.players.find((p) => p !== attacker && player.matchesAssistIcon(p, icon));
        if (assister) player.applyAssist(assister, attackerName);
      }
    }
  }
  const victimName = text(data.victim);
  const victim = team.players.find((p) => p.name === victimName);
  if (victim) player.applyDeath(victim);
}

export function applyAuxScoreboard(team: TeamState, data: Obj): void {
  const p = byId(team, data.playerId);
  if (p) player.applyAuxScoreboard(p, data);
}

/** `aux_scoreboard_team` carries a JSON string of an array; only the sender's own team applies it. */
export function applyAuxScoreboardTeam(team: TeamState, senderId: string, raw: unknown): void {
  if (!hasPlayer(team, senderId)) return;
  for (const entry of decodeArray(raw)) {
    const p = byId(team, entry.playerId);
    if (p) player.applyAuxScoreboard(p, entry);
  }
}

export function applyAux(team: TeamState, type: string, playerId: string, value: unknown): void {
  const p = byId(team, playerId);
  if (!p) return;
  if (type === 'aux_health') player.applyHealth(p, value);
  else if (type === 'aux_abilities') player.applyAbilities(p, value);
  else if (type === 'aux_astra_targeting') player.applyIconFlag(p, SPECIAL_AGENTS.astra, ICON_SUFFIXES.astraTargeting, value);
  else if (type === 'aux_cypher_cam') player.applyIconFlag(p, SPECIAL_AGENTS.cypher, ICON_SUFFIXES.cypherCam, value);
}

export function setObserved(team: TeamState, searchName: string): void {
  for (const p of team.players) p.isObserved = p.searchName === searchName;
}

export function findDuplicateAgents(team: TeamState): void {
  const agents = team.players.map((p) => p.agentInternal).filter((a) => a !== '');
  team.hasDuplicateAgents = new Set(agents).size !== agents.length;
}

export function resetRound(team: TeamState, sideSwitch: boolean): void {
  for (const p of team.players) player.resetRound(p, sideSwitch);
  team.spentThisRound = 0;
}

/** Records why `round` ended for this team and marks the next one upcoming. */
export function addRoundReason(team: TeamState, type: RecordType, round: number, maxRounds: number): void {
  if (!Number.isInteger(round) || round < 1 || round > maxRounds) return;
  const set = (r: number, t: RecordType) => {
    const entry = { type: t, wasAttack: team.isAttacking, round: r };
    // Fill any gap so the array never has holes (holes would serialise as null).
    while (team.roundRecord.length < r - 1) {
      team.roundRecord.push({ type: 'upcoming', wasAttack: team.isAttacking, round: team.roundRecord.length + 1 });
    }
    team.roundRecord[r - 1] = entry;
  };
  set(round, type);
  if (round + 1 <= maxRounds) set(round + 1, 'upcoming');
}

export function setAuxDisconnected(team: TeamState, playerId: string): void {
  const p = byId(team, playerId);
  if (p) player.setAuxDisconnected(p);
}

export function setRemoveTricode(team: TeamState, value: unknown): void {
  team.removeTricode = bool(value, team.removeTricode);
}
