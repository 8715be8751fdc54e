/**
 * One player's state and its processing rules (notes §4.6 "Scoreboard updates"). Pure: no
 * timers, no I/O; every input is validated field by field, so a bad payload cannot corrupt state.
 */
import { bool, num, obj, text, type Obj } from './codec.js';
import type { PlayerState } from './model-types.js';
import { agentFromKillfeedIcon, agentProper, armorName, ICON_SUFFIXES, SPECIAL_AGENTS, weaponName } from './tables.js';

/** Bound on the per-player tally maps keyed by names from the payload. */
const MAX_TALLY_KEYS = 32;

/** A player created from a `roster` entry. */
export function newPlayer(data: Obj): PlayerState {
  const name = text(data.name);
  const tagline = text(data.tagline);
  const agent = text(data.agentInternal);
  return {
    name,
    tagline,
    riotId: text(data.playerId),
    playerId: text(data.playerId),
    searchName: `${name} #${tagline}`,
    fullName: `${name}#${tagline}`,
    position: num(data.position),
    locked: bool(data.locked),
    agentInternal: agent,
    agentProper: agentProper(agent),
    isAlive: true,
    hasSpike: false,
    isObserved: false,
    health: 100,
    abilities: { grenade: 0, ability1: 0, ability2: 0 },
    kills: 0,
    deaths: 0,
    assists: 0,
    kdRatio: 0,
    killsThisRound: 0,
    deathsThisRound: 0,
    killedPlayerNames: [],
    currUltPoints: 0,
    maxUltPoints: 0,
    ultReady: false,
    money: 0,
    moneySpent: 0,
    spentMoneyThisRound: false,
    armorName: 'None',
    highestWeapon: 'Unknown',
    currentMMRTier: num(data.rank),
    peakMMRTier: num(data.peakRank, num(data.rank)),
    teamKills: 0,
    headshotKills: 0,
    headshotRatio: 0,
    killsByWeaponsAndAbilities: {},
    killsOnEnemyPlayer: {},
    killsOnTeammatePlayer: {},
    assistsFromTeammate: {},
    scoreboardAvailable: false,
    auxiliaryAvailable: { health: false, abilities: false, scoreboard: false },
    iconNameSuffix: '',
  };
}

/** A later `roster` entry for a known player: name, agent and lock state change during agent select. */
export function applyRoster(p: PlayerState, data: Obj): void {
  p.name = text(data.name, p.name);
  p.tagline = text(data.tagline, p.tagline);
  p.searchName = `${p.name} #${p.tagline}`;
  p.fullName = `${p.name}#${p.tagline}`;
  p.agentInternal = text(data.agentInternal, p.agentInternal);
  p.agentProper = agentProper(p.agentInternal);
  p.locked = bool(data.locked, p.locked);
  if (typeof data.rank === 'number') p.currentMMRTier = num(data.rank);
  if (typeof data.peakRank === 'number') p.peakMMRTier = num(data.peakRank);
}

/** What a scoreboard update tells the match (the plant heuristic needs the money jump). */
export interface ScoreboardDelta {
  readonly moneyGained: number;
}

/** Observer scoreboard data: authoritative (notes §4.6). */
export function applyScoreboard(p: PlayerState, data: Obj): ScoreboardDelta {
  const delta = applyShared(p, data);
  p.scoreboardAvailable = true;
  return delta;
}

/** Aux scoreboard data: used only while no observer scoreboard exists for the player this round. */
export function applyAuxScoreboard(p: PlayerState, data: Obj): void {
  if (p.scoreboardAvailable) return;
  applyShared(p, data);
  p.auxiliaryAvailable.scoreboard = true;
}

function applyShared(p: PlayerState, data: Obj): ScoreboardDelta {
  const kills = num(data.kills, p.kills);
  const deaths = num(data.deaths, p.deaths);
  const assists = num(data.assists, p.assists);
  if (kills > p.kills) p.killsThisRound += kills - p.kills;
  if (deaths > p.deaths) p.deathsThisRound += deaths - p.deaths;
  p.agentInternal = text(data.agentInternal, p.agentInternal);
  p.agentProper = agentProper(p.agentInternal);
  const currUlt = num(data.currUltPoints, p.currUltPoints);
  if (p.agentProper === SPECIAL_AGENTS.clove) {
    // Clove spending a full ult revives with a timer; a kill or assist ends it.
    if (currUlt === 0 && p.ultReady) p.iconNameSuffix = ICON_SUFFIXES.cloveUltimate;
    if (kills > p.kills || assists > p.assists) p.iconNameSuffix = '';
  }
  p.kills = kills;
  p.deaths = deaths;
  p.assists = assists;
  p.kdRatio = deaths === 0 ? kills : kills / deaths;
  p.currUltPoints = currUlt;
  p.maxUltPoints = num(data.maxUltPoints, p.maxUltPoints);
  p.ultReady = p.maxUltPoints > 0 && p.currUltPoints >= p.maxUltPoints;
  const money = num(data.money, p.money);
  const moneyGained = money - p.money;
  // Money only goes down by buying; the first drop in a round starts the tally (notes §4.6).
  if (!p.spentMoneyThisRound && money < p.money) p.spentMoneyThisRound = true;
  if (p.spentMoneyThisRound && money < p.money) p.moneySpent += p.money - money;
  p.money = money;
  p.armorName = armorName(data.initialArmor);
  p.highestWeapon = weaponName(data.scoreboardWeaponInternal);
  const alive = bool(data.isAlive, p.isAlive);
  if (!alive && p.isAlive) {
    p.health = 0;
    if (p.agentProper === SPECIAL_AGENTS.astra || p.agentProper === SPECIAL_AGENTS.clove) p.iconNameSuffix = '';
  }
  if (alive && !p.isAlive) p.health = 100;
  p.isAlive = alive;
  p.hasSpike = bool(data.hasSpike, p.hasSpike);
  return { moneyGained };
}

function tally(record: Record<string, number>, key: string): void {
  if (key === '') return;
  if (Object.hasOwn(record, key)) record[key] = record[key]! + 1;
  else if (Object.keys(record).length < MAX_TALLY_KEYS) record[key] = 1;
}

/** The attacker's side of a killfeed entry. */
export function applyKill(p: PlayerState, data: Obj): void {
  const victim = text(data.victim);
  tally(p.killsByWeaponsAndAbilities, text(data.weaponKillfeedInternal));
  if (data.isTeamkill === true) {
    p.teamKills += 1;
    tally(p.killsOnTeammatePlayer, victim);
  } else {
    tally(p.killsOnEnemyPlayer, victim);
  }
  if (victim !== '' && p.killedPlayerNames.length < 10) p.killedPlayerNames.push(victim);
  // Without any scoreboard the killfeed is the only source of kills (fallback, notes §4.6).
  if (!p.scoreboardAvailable && !p.auxiliaryAvailable.scoreboard) {
    p.kills += 1;
    p.killsThisRound += 1;
    p.kdRatio = p.deaths === 0 ? p.kills : p.kills / p.deaths;
  }
  if (data.headshotKill === true) p.headshotKills += 1;
  p.headshotRatio = p.kills > 0 ? p.headshotKills / p.kills : 0;
}

/** The victim's side of a killfeed entry. */
export function applyDeath(p: PlayerState): void {
  if (p.scoreboardAvailable || p.auxiliaryAvailable.scoreboard) return;
  p.isAlive = false;
  p.health = 0;
  p.deaths += 1;
  p.deathsThisRound += 1;
  p.kdRatio = p.kills / p.deaths;
}

/** An assist credited from a killfeed icon, when the agent identifies exactly one player. */
export function matchesAssistIcon(p: PlayerState, icon: unknown): boolean {
  const codename = agentFromKillfeedIcon(text(icon));
  if (codename === undefined) return false;
  const own = p.agentInternal.endsWith('_PC_C') ? p.agentInternal.slice(0, -5) : p.agentInternal;
  return own === codename;
}

export function applyAssist(p: PlayerState, attackerName: string): void {
  tally(p.assistsFromTeammate, attackerName);
  if (p.scoreboardAvailable || p.auxiliaryAvailable.scoreboard) return;
  p.assists += 1;
}

export function applyAbilities(p: PlayerState, data: unknown): void {
  const a = obj(data);
  p.abilities = { grenade: num(a.grenade), ability1: num(a.ability_1), ability2: num(a.ability_2) };
  p.auxiliaryAvailable.abilities = true;
}

export function applyHealth(p: PlayerState, health: unknown): void {
  if (typeof health !== 'number' || !Number.isFinite(health)) return;
  p.health = health;
  p.auxiliaryAvailable.health = true;
}

/** Astra targeting / Cypher camera: an icon variant for that agent only. */
export function applyIconFlag(p: PlayerState, agent: string, suffix: string, on: unknown): void {
  if (typeof on !== 'boolean' || p.agentProper !== agent) return;
  p.iconNameSuffix = on ? suffix : '';
}

/** Round reset at `shopping`; a side switch also resets money to the pistol-round 800. */
export function resetRound(p: PlayerState, sideSwitch: boolean): void {
  p.killsThisRound = 0;
  p.deathsThisRound = 0;
  p.killedPlayerNames = [];
  p.moneySpent = 0;
  p.spentMoneyThisRound = false;
  if (sideSwitch) p.money = 800;
  p.scoreboardAvailable = false;
  p.auxiliaryAvailable.scoreboard = false;
  p.isAlive = true;
  p.health = 100;
}

export function setAuxDisconnected(p: PlayerState): void {
  p.auxiliaryAvailable = { health: false, abilities: false, scoreboard: false };
}
