/**
 * The synthetic match's two squads: names, numbers, positions, kits and a 4-3-3 shape. Ids are
 * stable strings, never jersey numbers (notes §1.4 conventions).
 */
import type { MatchInit, Player, Team, Vec2 } from '../../../dialects/match/spec.js';

/** A starter's slot in the team's own frame: +x attacks, +y is the right-hand touchline. */
export interface Slot {
  readonly position: string;
  readonly at: Vec2;
}

/** 4-3-3, own goal at x = −52.5 (105 × 68 pitch). */
export const FORMATION: readonly Slot[] = [
  { position: 'GK', at: [-48, 0] },
  { position: 'RB', at: [-30, 22] },
  { position: 'CB', at: [-37, 8] },
  { position: 'CB', at: [-37, -8] },
  { position: 'LB', at: [-30, -22] },
  { position: 'CM', at: [-14, 12] },
  { position: 'CDM', at: [-22, 0] },
  { position: 'CM', at: [-14, -12] },
  { position: 'RW', at: [4, 23] },
  { position: 'ST', at: [8, 0] },
  { position: 'LW', at: [4, -23] },
];

const BENCH_POSITIONS = ['GK', 'CB', 'CM', 'RW', 'ST'] as const;

interface SquadDef {
  readonly id: string;
  readonly name: string;
  readonly kit: Team['kit'];
  readonly surnames: readonly string[];
}

const SQUADS: readonly [SquadDef, SquadDef] = [
  {
    id: 'NBR',
    name: 'Northbridge Rovers',
    kit: { primary: '#C8102E', secondary: '#FFFFFF', text: '#FFFFFF', goalkeeper: { primary: '#1E8C3A', secondary: '#000000', text: '#FFFFFF' } },
    surnames: ['Okafor', 'Lindqvist', 'Moreau', 'Brennan', 'Tanaka', 'Silva', 'Kowalski', 'Haddad', 'Ferreira', 'Osei', 'Novak', 'Quinn', 'Bauer', 'Adeyemi', 'Rossi', 'Vidal'],
  },
  {
    id: 'SPA',
    name: 'Southport Athletic',
    kit: { primary: '#1D4ED8', secondary: '#FACC15', text: '#FFFFFF', goalkeeper: { primary: '#F97316', secondary: '#000000', text: '#000000' } },
    surnames: ['Hughes', 'Mendes', 'Kovac', 'Larsen', 'Diallo', 'Nakamura', 'Ortega', 'Petrov', 'Walsh', 'Amrani', 'Costa', 'Ibrahim', 'Jensen', 'Reyes', 'Sato', 'Murphy'],
  },
];

/** Player id `NBR_07`: team code plus a two-digit squad index. */
const playerId = (team: string, index: number): string => `${team}_${String(index + 1).padStart(2, '0')}`;

function squad(def: SquadDef): Team {
  const players: Player[] = def.surnames.map((surname, i) => ({
    id: playerId(def.id, i),
    name: surname,
    number: i + 1,
    position: i < FORMATION.length ? FORMATION[i]!.position : BENCH_POSITIONS[(i - FORMATION.length) % BENCH_POSITIONS.length]!,
    meta: { starting: i < FORMATION.length ? 'true' : 'false' },
  }));
  return { id: def.id, name: def.name, short_name: def.id, kit: def.kit, players };
}

/** The MatchInit of one synthetic match: 11 starters and 5 substitutes per side. */
export function mockMatchInit(matchId: string, startTime: string, specVersion: string): MatchInit {
  return {
    type: 'match.init',
    spec_version: specVersion,
    match_id: matchId,
    sport: 'soccer',
    field: { length: 105, width: 68, units: 'm', surface: 'grass' },
    teams: [squad(SQUADS[0]), squad(SQUADS[1])],
    start_time: startTime,
    venue: 'StreamHub Park',
    competition: 'StreamHub Demo League',
    producer: 'streamhub-mock',
  };
}
