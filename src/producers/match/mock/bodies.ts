/**
 * The synthetic match's moving parts: 22 bodies and a ball, their targets (formation-anchored,
 * shifted toward the ball, pressing the carrier) and one physics step. Spec frame (notes §1.4):
 * teams[0] attacks +x; a team's own frame has +x toward the goal it attacks.
 */
import type { AnimTag, MatchInit, PlayerState, Vec2, Vec3 } from '../../../dialects/match/spec.js';
import { animForSpeed, clamp, distance, facingFrom, r2, r3 } from '../motion.js';
import { FORMATION } from './roster.js';

export const HALF_LENGTH = 52.5;
export const HALF_WIDTH = 34;
/** Ball radius: the ball's centre rests this high (metres). */
export const BALL_Z = 0.11;

export interface Body {
  readonly id: string;
  readonly team: 0 | 1;
  readonly keeper: boolean;
  /** Formation slot in the team's own frame. */
  slot: Vec2;
  pos: Vec2;
  vel: Vec2;
  facing: number;
  onPitch: boolean;
  /** An event animation shown until `until` (stream ms), then locomotion takes over. */
  action: { anim: AnimTag; until: number } | null;
}

export interface Flight {
  readonly kind: 'pass' | 'shot';
  readonly from: Vec3;
  readonly to: Vec3;
  readonly start: number;
  readonly end: number;
  /** Peak height above the straight line (lofted passes, shots). */
  readonly loft: number;
  readonly by: Body;
  readonly receiver: Body | null;
  readonly outcome: 'complete' | 'goal' | 'saved' | 'off';
}

/** Own frame → spec frame for team 0 (identity) or team 1 (mirrored through the centre). */
export const toWorld = (team: 0 | 1, p: Vec2): Vec2 => (team === 0 ? [p[0], p[1]] : [-p[0], -p[1]]);
export const toOwn = toWorld; // the mirror is its own inverse

/** Centre of the goal that `team` attacks, in the spec frame. */
export const goalOf = (team: 0 | 1): Vec2 => toWorld(team, [HALF_LENGTH, 0]);

/** Where a body wants to be, in the spec frame, given who holds the ball. */
export interface Targets {
  readonly ball: Vec2;
  readonly possession: 0 | 1 | null;
  /** Kick-off shape: everyone in their own half. */
  readonly kickoffShape: boolean;
}

/** Formation slot pushed up with the ball (own frame), clamped to the pitch. */
export function shapeTarget(body: Body, t: Targets): Vec2 {
  const ball = toOwn(body.team, t.ball);
  if (t.kickoffShape) {
    return toWorld(body.team, [Math.min(-1.5, body.slot[0] * 0.6 - 4), body.slot[1]]);
  }
  if (body.keeper) return toWorld(body.team, [clamp(-48 + (ball[0] + 52.5) * 0.06, -51, -40), clamp(ball[1] * 0.15, -6, 6)]);
  const attacking = t.possession === body.team;
  // The block slides with the ball but never collapses onto its own goal line (a back four
  // holds around its box edge when the ball is deep).
  const x = body.slot[0] + clamp(ball[0] * 0.45, -12, 22) + (attacking ? 9 : -4);
  const y = body.slot[1] + (ball[1] - body.slot[1]) * (attacking ? 0.12 : 0.3);
  return toWorld(body.team, [clamp(x, -46, 46), clamp(y, -32, 32)]);
}

const ACCEL = 7; // m/s², keeps motion smooth between frames
const TOP_SPEED = 7.6;

/** Moves `body` toward `target` for `dt` seconds at no more than `maxSpeed`, easing in near it. */
export function steer(body: Body, target: Vec2, maxSpeed: number, dt: number): void {
  const dx = target[0] - body.pos[0];
  const dy = target[1] - body.pos[1];
  const dist = Math.hypot(dx, dy);
  const want = dist < 0.2 ? 0 : Math.min(maxSpeed, TOP_SPEED, dist * 1.2);
  const wx = dist < 0.2 ? 0 : (dx / dist) * want;
  const wy = dist < 0.2 ? 0 : (dy / dist) * want;
  const ax = wx - body.vel[0];
  const ay = wy - body.vel[1];
  const a = Math.hypot(ax, ay);
  const k = a > ACCEL * dt ? (ACCEL * dt) / a : 1;
  body.vel = [body.vel[0] + ax * k, body.vel[1] + ay * k];
  body.pos = [clamp(body.pos[0] + body.vel[0] * dt, -HALF_LENGTH - 2, HALF_LENGTH + 2), clamp(body.pos[1] + body.vel[1] * dt, -HALF_WIDTH - 1, HALF_WIDTH + 1)];
  body.facing = facingFrom(body.vel[0], body.vel[1], body.facing);
}

/** Ball position along a flight at stream time `now`: linear on the ground, a parabola in height. */
export function flightPos(f: Flight, now: number): Vec3 {
  const u = clamp((now - f.start) / Math.max(1, f.end - f.start), 0, 1);
  return [f.from[0] + (f.to[0] - f.from[0]) * u, f.from[1] + (f.to[1] - f.from[1]) * u, f.from[2] + (f.to[2] - f.from[2]) * u + 4 * f.loft * u * (1 - u)];
}

/** Ball velocity (m/s) of a flight. */
export function flightVel(f: Flight, now: number): Vec3 {
  const s = Math.max(1, f.end - f.start) / 1000;
  const u = clamp((now - f.start) / Math.max(1, f.end - f.start), 0, 1);
  return [(f.to[0] - f.from[0]) / s, (f.to[1] - f.from[1]) / s, ((f.to[2] - f.from[2]) + 4 * f.loft * (1 - 2 * u)) / s];
}

/** Where the carrier's ball sits: half a metre ahead of the feet. */
export const atFeet = (b: Body): Vec3 => [b.pos[0] + Math.cos(b.facing) * 0.5, b.pos[1] + Math.sin(b.facing) * 0.5, BALL_Z];

/** A body's entry in a StateFrame at stream time `now`. */
export function playerState(b: Body, now: number, carrier: Body | null): PlayerState {
  const anim = b.action && now < b.action.until ? b.action.anim : animForSpeed(Math.hypot(b.vel[0], b.vel[1]));
  const state: PlayerState = { id: b.id, pos: [r2(b.pos[0]), r2(b.pos[1])], facing: r3(b.facing), anim };
  if (b === carrier) state.has_ball = true;
  return state;
}

/** The on-pitch body of `team` nearest to `p`, optionally excluding keepers and some bodies. */
export function nearest(bodies: readonly Body[], team: 0 | 1, p: Vec2, exclude: (b: Body) => boolean = () => false): Body | null {
  let best: Body | null = null;
  for (const b of bodies) {
    if (!b.onPitch || b.team !== team || exclude(b)) continue;
    if (!best || distance(b.pos, p) < distance(best.pos, p)) best = b;
  }
  return best;
}

/** What movement and frame building read from the match in progress. */
export interface PitchView {
  readonly bodies: readonly Body[];
  readonly carrier: Body | null;
  readonly flight: Flight | null;
  /** Where the ball lies when nobody has it and it is not in flight. */
  readonly ballRest: Vec3;
  /** The carrier runs at the goal (a scripted goal is under way). */
  readonly pushing: boolean;
  /** Play is stopped (foul, ball out): everyone jogs back into shape. */
  readonly stopped: boolean;
  /** Before a kick-off: everyone in their own half. */
  readonly kickoffShape: boolean;
  /** Who takes the next kick-off: walks to the centre spot while the others take shape. */
  readonly kicker: Body | null;
}

/** The kick-off spot of `team`'s kicker: just inside its own half. */
export const kickSpot = (team: 0 | 1): Vec2 => toWorld(team, [-0.6, 0]);

/** The ball's position at stream time `now`. */
export function ballAt(p: PitchView, now: number): Vec3 {
  if (p.flight) return flightPos(p.flight, now);
  if (p.carrier) return atFeet(p.carrier);
  return p.ballRest;
}

/**
 * Bodies for both squads: the first eleven on the pitch in kick-off shape (formation slots), the
 * outfield substitutes on the bench, in squad order.
 */
export function createBodies(init: MatchInit): { bodies: Body[]; bench: [Body[], Body[]] } {
  const bodies: Body[] = [];
  const bench: [Body[], Body[]] = [[], []];
  init.teams.forEach((team, k) => {
    const side = k as 0 | 1;
    team.players.forEach((player, i) => {
      const slot = FORMATION[Math.min(i, FORMATION.length - 1)]!.at;
      const pos = toWorld(side, [Math.min(-1.5, slot[0] * 0.6 - 4), slot[1]]);
      const body: Body = { id: player.id, team: side, keeper: player.position === 'GK', slot, pos, vel: [0, 0], facing: side === 0 ? 0 : Math.PI, onPitch: i < FORMATION.length, action: null };
      bodies.push(body);
      if (i >= FORMATION.length && player.position !== 'GK') bench[side].push(body);
    });
  });
  return { bodies, bench };
}
