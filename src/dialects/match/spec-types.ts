/**
 * The public spec 0.1.1 message types (protocol-notes §1.4; upstream `packages/spec/src/index.ts`).
 * Types only: producers import them with `import type` (test/architecture.test.ts).
 *
 * Conventions: origin at pitch centre, +x toward `teams[1]`'s goal, metres unless `field.units`
 * is `ft`; `t` is integer ms since `match.init`; player and team ids are stable strings.
 */

export type Vec2 = [number, number];
export type Vec3 = [number, number, number];

export type Sport =
  | 'soccer'
  | 'rugby_union'
  | 'rugby_league'
  | 'basketball'
  | 'american_football'
  | 'australian_rules'
  | 'field_hockey';

export type Units = 'm' | 'ft';

/** The standard animation tags (notes §1.4); vendor tags start with `x_`. */
export type StandardAnimTag =
  | 'idle'
  | 'walk'
  | 'run'
  | 'sprint'
  | 'kick'
  | 'pass'
  | 'header'
  | 'shoot'
  | 'tackle'
  | 'fall'
  | 'celebrate'
  | 'throw'
  | 'catch'
  | 'dribble'
  | 'jump';
export type AnimTag = StandardAnimTag | `x_${string}`;

export interface FieldSpec {
  length: number;
  width: number;
  units: Units;
  surface?: 'grass' | 'synthetic' | 'court' | 'clay' | 'ice';
}

export interface KitColours {
  /** CSS hex, e.g. `#6CABDD`. */
  primary: string;
  secondary: string;
  text?: string;
}

export interface Kit extends KitColours {
  goalkeeper?: KitColours;
}

export interface Player {
  id: string;
  name: string;
  /** Jersey number at match start. */
  number: number;
  /** Free-form role tag (`GK`, `ST`, …). */
  position: string;
  avatar_uri?: string;
  face_uri?: string;
  rpm_avatar_id?: string;
  meta?: Record<string, string | number>;
}

export interface Team {
  id: string;
  name: string;
  short_name?: string;
  kit: Kit;
  players: Player[];
}

export interface MatchInit {
  type: 'match.init';
  spec_version: string;
  match_id: string;
  sport: Sport;
  field: FieldSpec;
  /** Exactly two; index 0 defends −x. */
  teams: [Team, Team];
  /** ISO 8601 wall-clock start. */
  start_time: string;
  venue?: string;
  competition?: string;
  producer?: string;
}

export interface PlayerState {
  id: string;
  pos: Vec2;
  /** Yaw in radians, 0 = +x. */
  facing: number;
  anim: AnimTag;
  has_ball?: boolean;
  /** 0..1 */
  fatigue?: number;
}

export interface BallState {
  pos: Vec3;
  vel?: Vec3;
  carrier?: string;
}

export interface StateFrame {
  type: 'state';
  t: number;
  ball: BallState;
  players: PlayerState[];
  period?: number;
  clock_display?: string;
}

interface EventBase {
  /** ms since match.init. */
  t: number;
}

export type PenaltyOutcome = 'scored' | 'missed' | 'saved';
export type FoulSeverity = 'soft' | 'yellow' | 'red';
export type Restart = 'throw_in' | 'corner' | 'goal_kick' | 'free_kick' | 'penalty';

/** Every `event.*` message of spec 0.1.1. */
export type EventMessage =
  | (EventBase & { type: 'event.kickoff'; team: string })
  | (EventBase & { type: 'event.pass'; from: string; to?: string; target: Vec2; success?: boolean })
  | (EventBase & { type: 'event.shot'; player: string; target: Vec3; on_target: boolean; saved?: boolean })
  | (EventBase & { type: 'event.goal'; player: string; team: string; assist?: string })
  | (EventBase & { type: 'event.tackle'; player: string; victim: string; success: boolean })
  | (EventBase & { type: 'event.foul'; player: string; victim?: string; severity: FoulSeverity })
  | (EventBase & { type: 'event.save'; keeper: string })
  | (EventBase & { type: 'event.out_of_bounds'; touched_by?: string; restart: Restart })
  | (EventBase & { type: 'event.substitution'; team: string; player_in: string; player_out: string })
  | (EventBase & { type: 'event.score_change'; home: number; away: number })
  | (EventBase & { type: 'event.period_start'; period: number })
  | (EventBase & { type: 'event.period_end'; period: number })
  | (EventBase & { type: 'event.match_end' })
  | (EventBase & { type: 'event.penalty_shootout_start' })
  | (EventBase & {
      type: 'event.penalty_attempt';
      player: string;
      team: string;
      outcome: PenaltyOutcome;
      keeper?: string;
      target?: Vec3;
    })
  | (EventBase & { type: 'event.penalty_shootout_end'; winner: string; score: { home: number; away: number } })
  | (EventBase & { type: 'event.commentary'; text: string; speaker?: string; voice_id?: string });

export type EventType = EventMessage['type'];

/** Any spec message: what flows from producers through the hub to renderers. */
export type SpecMessage = MatchInit | StateFrame | EventMessage;
