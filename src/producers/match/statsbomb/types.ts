/**
 * The parts of StatsBomb open data (events v4, lineups, matches, three-sixty) the replay reads.
 * Every field is optional where real files omit it; the mapping treats anything missing as absent.
 */

export interface SbRef {
  readonly id: number;
  readonly name: string;
}

export interface SbTacticsEntry {
  readonly player: SbRef;
  readonly position: SbRef;
  readonly jersey_number?: number;
}

export interface SbShotFreezeEntry {
  readonly location?: number[];
  readonly player?: SbRef;
  readonly teammate?: boolean;
}

export interface SbEvent {
  readonly id: string;
  readonly index?: number;
  readonly period: number;
  readonly timestamp: string;
  readonly minute: number;
  readonly second: number;
  readonly type: SbRef;
  readonly team?: SbRef;
  readonly possession_team?: SbRef;
  readonly player?: SbRef;
  readonly location?: number[];
  /** Seconds. */
  readonly duration?: number;
  readonly related_events?: string[];
  readonly tactics?: { readonly formation?: number; readonly lineup?: SbTacticsEntry[] };
  readonly pass?: { readonly recipient?: SbRef; readonly end_location?: number[]; readonly outcome?: SbRef; readonly type?: SbRef; readonly length?: number };
  readonly shot?: { readonly end_location?: number[]; readonly outcome?: SbRef; readonly freeze_frame?: SbShotFreezeEntry[] };
  readonly carry?: { readonly end_location?: number[] };
  /** Present with an outcome (Incomplete) when the pass was not received. */
  readonly ball_receipt?: { readonly outcome?: SbRef };
  readonly foul_committed?: { readonly card?: SbRef };
  readonly bad_behaviour?: { readonly card?: SbRef };
  readonly goalkeeper?: { readonly type?: SbRef };
  readonly substitution?: { readonly replacement?: SbRef; readonly outcome?: SbRef };
}

export interface SbLineupPosition {
  readonly position: string;
  readonly start_reason?: string;
}

export interface SbLineupPlayer {
  readonly player_id: number;
  readonly player_name: string;
  readonly player_nickname?: string | null;
  readonly jersey_number?: number | null;
  readonly country?: { readonly name?: string } | null;
  readonly positions?: SbLineupPosition[];
}

export interface SbLineupTeam {
  readonly team_id: number;
  readonly team_name: string;
  readonly lineup: SbLineupPlayer[];
}

export interface SbMatch {
  readonly match_id?: number;
  readonly match_date?: string;
  readonly home_team?: { readonly home_team_id: number; readonly home_team_name?: string };
  readonly away_team?: { readonly away_team_id: number; readonly away_team_name?: string };
  readonly competition?: { readonly competition_name?: string };
  readonly season?: { readonly season_name?: string };
  readonly competition_stage?: { readonly name?: string };
  readonly stadium?: { readonly name?: string };
}

export interface Sb360Frame {
  readonly event_uuid: string;
  readonly freeze_frame?: { readonly teammate?: boolean; readonly actor?: boolean; readonly keeper?: boolean; readonly location?: number[] }[];
}

/** Which StatsBomb team is home (`teams[0]`, defends −x) and which is away (notes §1.5). */
export interface Sides {
  readonly home: number;
  readonly away: number;
}
