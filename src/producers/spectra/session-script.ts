/**
 * A deterministic VALORANT observer session (seed 003 data types, protocol-notes §4.3): roster,
 * agent select, rounds with buys, kills, plants, defuses, detonations, a timeout, the automatic
 * side swap at round 13, and `game_end`. The demo plays it in real time; tests replay it fast as
 * the recorded-session fixture. Pure: the same seed always yields the same session.
 */

export interface ScriptStep {
  /** Pause before this step, in ms of match time. */
  readonly delayMs: number;
  readonly type: string;
  readonly data: unknown;
}

export interface SessionScript {
  readonly leftTeam: { name: string; tricode: string; url: string; attackStart: boolean };
  readonly rightTeam: { name: string; tricode: string; url: string; attackStart: boolean };
  readonly matchId: string;
  readonly steps: readonly ScriptStep[];
  /** Final score, in-game team 0 (left, attacking first) then team 1. */
  readonly finalScore: readonly [number, number];
}

interface DemoPlayer {
  name: string;
  tagline: string;
  playerId: string;
  agentInternal: string;
  startTeam: 0 | 1;
  position: number;
  kills: number;
  deaths: number;
  assists: number;
  money: number;
  alive: boolean;
  ult: number;
}

const LEFT = ['Zephyr', 'Kestrel', 'Nyx', 'Talon', 'Rook'];
const RIGHT = ['Vanta', 'Ember', 'Sable', 'Quill', 'Onyx'];
const LEFT_AGENTS = ['Wushu', 'Hunter', 'Pandemic', 'Killjoy', 'Sprinter'];
const RIGHT_AGENTS = ['Clay', 'BountyHunter', 'Wraith', 'Gumshoe', 'Vampire'];
const WEAPONS = ['TX_Hud_Rifles_Volcano', 'TX_Hud_Rifles_Ghost', 'TX_Hud_Sniper_Operater', 'TX_Hud_SMGs_Ninja', 'TX_Hud_Pistol_Sheriff'];

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Builds one whole match; `pace` is the typical pause between events in ms (the demo uses 1 s). */
export function buildSessionScript(seed = 3, pace = 1_000): SessionScript {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const steps: ScriptStep[] = [];
  const add = (type: string, data: unknown, delayMs = pace) => steps.push({ delayMs, type, data });
  const mk = (name: string, i: number, team: 0 | 1, agent: string): DemoPlayer => ({
    name,
    tagline: team === 0 ? 'EU1' : 'NA2',
    playerId: `${team === 0 ? 'a' : 'b'}${i}000000-0000-4000-8000-00000000000${i}`,
    agentInternal: agent,
    startTeam: team,
    position: i,
    kills: 0,
    deaths: 0,
    assists: 0,
    money: 800,
    alive: true,
    ult: 0,
  });
  const players = [...LEFT.map((n, i) => mk(n, i, 0, LEFT_AGENTS[i]!)), ...RIGHT.map((n, i) => mk(n, i, 1, RIGHT_AGENTS[i]!))];
  const roster = (p: DemoPlayer, locked: boolean) => ({
    name: p.name,
    tagline: p.tagline,
    startTeam: p.startTeam,
    agentInternal: p.agentInternal,
    playerId: p.playerId,
    position: p.position,
    locked,
    rank: 24,
  });
  const board = (p: DemoPlayer, weapon: string) => ({
    name: p.name,
    tagline: p.tagline,
    playerId: p.playerId,
    startTeam: p.startTeam,
    agentInternal: p.agentInternal,
    isAlive: p.alive,
    initialArmor: 2,
    scoreboardWeaponInternal: weapon,
    currUltPoints: p.ult,
    maxUltPoints: 7,
    hasSpike: false,
    money: p.money,
    kills: p.kills,
    deaths: p.deaths,
    assists: p.assists,
  });

  const matchId = `demo-${seed}-0000-4000-8000-000000000003`;
  add('map', 'Ascent', 0);
  add('game_mode', 'bomb', 0);
  for (const p of players) add('roster', roster(p, false), pace / 4);
  for (const p of players) add('roster', roster(p, true), pace / 4);
  add('match_start', matchId);

  const score: [number, number] = [0, 0];
  let round = 0;
  const attackerTeam = (r: number): 0 | 1 => (r < 13 ? 0 : r < 25 ? 1 : ((r - 25) % 2 === 0 ? 0 : 1) as 0 | 1);
  while (Math.max(...score) < 13 || Math.abs(score[0] - score[1]) < 2) {
    round += 1;
    // The pistol round after the side swap: everyone is back to 800 (the server resets it too).
    if (round === 13) for (const p of players) p.money = 800;
    add('round_info', { roundPhase: 'shopping', roundNumber: round }, pace * 2);
    for (const p of players) {
      p.alive = true;
      const spend = Math.min(p.money, round === 1 || round === 13 ? 800 : 3900);
      p.money -= spend;
      add('scoreboard', board(p, spend >= 2900 ? pick(WEAPONS.slice(0, 3)) : 'TX_Hud_Pistol_Classic'), pace / 10);
    }
    if (round === 3) add('toast', { duration: 5000, title: 'Welcome', message: 'StreamHub demo match', eventLogoEnabled: true, active: true });
    if (round === 7) {
      add('left_timeout', true);
      add('left_timeout', true, pace * 3);
    }
    add('round_info', { roundPhase: 'combat', roundNumber: round }, pace * 2);
    const atk = attackerTeam(round);
    const def = (1 - atk) as 0 | 1;
    const attackersWin = rand() < 0.5;
    const winner = attackersWin ? atk : def;
    const loser = (1 - winner) as 0 | 1;
    const outcome = rand();
    const planted = attackersWin ? outcome < 0.5 : outcome < 0.35;
    const byDefuse = !attackersWin && planted;
    const byDetonation = attackersWin && planted;
    const losers = players.filter((p) => p.startTeam === loser);
    const winners = players.filter((p) => p.startTeam === winner);
    const victims = byDetonation ? losers.slice(0, 3) : losers;
    let plantedYet = false;
    for (const [k, victim] of victims.entries()) {
      const killer = pick(winners);
      const assister = rand() < 0.4 ? pick(winners.filter((p) => p !== killer)) : undefined;
      killer.kills += 1;
      killer.ult = Math.min(7, killer.ult + 1);
      killer.money += 200;
      victim.deaths += 1;
      victim.alive = false;
      if (assister) assister.assists += 1;
      add('observing', `${killer.name} #${killer.tagline}`, pace / 2);
      add('killfeed', {
        attacker: killer.name,
        victim: victim.name,
        weaponKillfeedInternal: pick(WEAPONS),
        headshotKill: rand() < 0.3,
        assists: assister ? [`TX_Killfeed_${assister.agentInternal}`] : [],
        isTeamkill: false,
      });
      add('scoreboard', board(killer, WEAPONS[0]!), pace / 10);
      add('scoreboard', board(victim, 'TX_Hud_Pistol_Classic'), pace / 10);
      if (assister) add('scoreboard', board(assister, WEAPONS[1]!), pace / 10);
      if (planted && !plantedYet && k === 1) {
        plantedYet = true;
        add('spike_planted', true, pace * 2);
      }
    }
    if (byDetonation) add('spike_detonated', true, pace * 5);
    if (byDefuse) add('spike_defused', true, pace * 3);
    score[winner] += 1;
    add('score', { team_0: score[0], team_1: score[1] }, pace / 2);
    add('round_info', { roundPhase: 'end', roundNumber: round }, pace / 2);
    for (const p of players) p.money = Math.min(9000, p.money + (p.startTeam === winner ? 3000 : 1900));
  }
  add('round_info', { roundPhase: 'game_end', roundNumber: round }, pace * 3);
  return {
    leftTeam: { name: 'Northwind Esports', tricode: 'NWE', url: 'https://example.invalid/nwe.png', attackStart: true },
    rightTeam: { name: 'Southgate Gaming', tricode: 'SGG', url: 'https://example.invalid/sgg.png', attackStart: false },
    matchId,
    steps,
    finalScore: score,
  };
}
