/**
 * Teams and players (notes §1.5 "IDs" and "MatchInit"): `P_<id>` player ids, ARG/FRA team codes
 * (else `T_<id>`), home = teams[0], compressed position tags, `meta`, a fixed 105 × 68 grass pitch.
 */
import type { Kit, MatchInit, Player, Team } from '../../../dialects/match/spec.js';
import { PRODUCER_SPEC_VERSION } from '../spec-version.js';
import type { SbEvent, SbLineupTeam, SbMatch, Sides } from './types.js';
import { ErrorCode, StreamHubError } from '../../../core/index.js';

export const playerId = (sbPlayerId: number): string => `P_${sbPlayerId}`;

const TEAM_CODES: Readonly<Record<number, string>> = { 779: 'ARG', 771: 'FRA' };

/** Team id: the short code the upstream producer hard-codes for the 2022 final, else `T_<id>`. */
export const teamCode = (sbTeamId: number): string => TEAM_CODES[sbTeamId] ?? `T_${sbTeamId}`;

/** Kits of the upstream producer (Argentina light blue, France dark blue); others get a neutral pair. */
const KITS: Readonly<Record<number, Kit>> = {
  779: { primary: '#75AADB', secondary: '#FFFFFF', text: '#000000', goalkeeper: { primary: '#1F7A1F', secondary: '#000000', text: '#FFFFFF' } },
  771: { primary: '#1A2B5C', secondary: '#FFFFFF', text: '#FFFFFF', goalkeeper: { primary: '#F5C518', secondary: '#000000', text: '#000000' } },
};
const DEFAULT_KITS: readonly [Kit, Kit] = [
  { primary: '#FFFFFF', secondary: '#111111', text: '#111111', goalkeeper: { primary: '#2E7D32', secondary: '#000000', text: '#FFFFFF' } },
  { primary: '#C62828', secondary: '#FFFFFF', text: '#FFFFFF', goalkeeper: { primary: '#F9A825', secondary: '#000000', text: '#000000' } },
];

/**
 * A StatsBomb position name as a short tag: GK, RB, CB, LB, RWB, LWB, CDM, CAM, RM, CM, LM, RW,
 * LW, ST (the upstream `_short_position`). One fix: "Right/Left Center Back" is CB and "Right/Left
 * Center Midfield" is CM, where the upstream's first match on "right"/"left" made them RB/RM.
 */
export function shortPosition(name: string | undefined): string {
  if (!name) return 'SUB';
  const n = name.toLowerCase();
  if (n.includes('goalkeeper')) return 'GK';
  if (n.includes('back')) {
    if (n.includes('center')) return 'CB';
    if (n.includes('right')) return n.includes('wing') ? 'RWB' : 'RB';
    if (n.includes('left')) return n.includes('wing') ? 'LWB' : 'LB';
    return 'CB';
  }
  if (n.includes('defensive midfield')) return 'CDM';
  if (n.includes('attacking midfield')) return 'CAM';
  if (n.includes('midfield')) return n.includes('center') ? 'CM' : n.includes('right') ? 'RM' : n.includes('left') ? 'LM' : 'CM';
  if (n.includes('wing')) return n.includes('right') ? 'RW' : 'LW';
  if (n.includes('forward') || n.includes('striker')) return 'ST';
  return name.slice(0, 3).toUpperCase();
}

/**
 * Home and away: the match file's home team when given, else the team of the first Starting XI
 * event (StatsBomb lists the home side first), else the first lineup.
 */
export function resolveSides(lineups: readonly SbLineupTeam[], events: readonly SbEvent[], match?: SbMatch): Sides {
  const ids = lineups.map((l) => l.team_id);
  const home = match?.home_team?.home_team_id ?? events.find((e) => e.type?.name === 'Starting XI')?.team?.id ?? ids[0];
  const away = ids.find((id) => id !== home) ?? match?.away_team?.away_team_id;
  if (home === undefined || away === undefined || home === away) throw new StreamHubError(ErrorCode.dataFile, 'statsbomb: lineups must name two teams');
  return { home, away };
}

function team(lineup: SbLineupTeam, kit: Kit): Team {
  const players: Player[] = lineup.lineup.map((p) => {
    const first = p.positions?.[0];
    const meta: Record<string, string> = {
      country: p.country?.name ?? '',
      starting: first?.start_reason === 'Starting XI' ? 'true' : 'false',
      sb_player_id: String(p.player_id),
    };
    if (p.player_nickname) meta.nickname = p.player_nickname;
    return { id: playerId(p.player_id), name: String(p.player_name ?? p.player_nickname ?? playerId(p.player_id)), number: Math.max(0, Math.trunc(p.jersey_number ?? 0)), position: shortPosition(first?.position), meta };
  });
  const code = teamCode(lineup.team_id);
  return { id: code, name: String(lineup.team_name ?? code), short_name: code, kit, players };
}

export interface InitOptions {
  readonly matchId: string;
  readonly lineups: readonly SbLineupTeam[];
  readonly sides: Sides;
  readonly match?: SbMatch;
  /** ISO wall time of `t = 0`. */
  readonly startTime: string;
}

/** The MatchInit of a replay (notes §1.5 "MatchInit"). */
export function buildMatchInit(o: InitOptions): MatchInit {
  const home = o.lineups.find((l) => l.team_id === o.sides.home);
  const away = o.lineups.find((l) => l.team_id === o.sides.away);
  if (!home || !away) throw new StreamHubError(ErrorCode.dataFile, 'statsbomb: lineups do not hold both teams');
  const competition = [o.match?.competition?.competition_name, o.match?.season?.season_name, o.match?.competition_stage?.name].filter(Boolean).join(' ');
  const init: MatchInit = {
    type: 'match.init',
    spec_version: PRODUCER_SPEC_VERSION,
    match_id: o.matchId,
    sport: 'soccer',
    field: { length: 105, width: 68, units: 'm', surface: 'grass' },
    teams: [team(home, KITS[home.team_id] ?? DEFAULT_KITS[0]), team(away, KITS[away.team_id] ?? DEFAULT_KITS[1])],
    start_time: o.startTime,
    producer: 'streamhub-statsbomb-replay (Data: StatsBomb)',
  };
  if (o.match?.stadium?.name) init.venue = o.match.stadium.name;
  if (competition) init.competition = competition;
  return init;
}

/** A starter: spec player id and the StatsBomb position name of the Starting XI. */
export interface Starter {
  readonly id: string;
  readonly position: string;
}

/**
 * Each side's starting eleven: from the Starting XI events (as the upstream synthesiser), or,
 * when the events have none, from the lineups' "Starting XI" position spells.
 */
export function startingXI(events: readonly SbEvent[], lineups: readonly SbLineupTeam[], sides: Sides): { home: Starter[]; away: Starter[] } {
  const side = (teamId: number): Starter[] => {
    const xi = events.find((e) => e.type?.name === 'Starting XI' && e.team?.id === teamId)?.tactics?.lineup;
    if (xi?.length) return xi.map((entry) => ({ id: playerId(entry.player.id), position: entry.position?.name ?? 'Center Midfield' }));
    const lineup = lineups.find((l) => l.team_id === teamId)?.lineup ?? [];
    return lineup.filter((p) => p.positions?.[0]?.start_reason === 'Starting XI').map((p) => ({ id: playerId(p.player_id), position: p.positions![0]!.position }));
  };
  return { home: side(sides.home), away: side(sides.away) };
}
