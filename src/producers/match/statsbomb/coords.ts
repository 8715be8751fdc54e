/**
 * StatsBomb pitch (120 × 80, origin top-left, x toward the goal being attacked) to the spec frame
 * (105 × 68 m, origin at the centre, +x toward teams[1]'s goal): notes §1.5 "Coordinates".
 */
import type { Vec2, Vec3 } from '../../../dialects/match/spec.js';

export const SB_LENGTH = 120;
export const SB_WIDTH = 80;
export const PITCH_LENGTH = 105;
export const PITCH_WIDTH = 68;
const SX = PITCH_LENGTH / SB_LENGTH;
const SY = PITCH_WIDTH / SB_WIDTH;

const round = (v: number): number => Math.round(v * 1000) / 1000;
/** A malformed coordinate (null, a string) reads as `fallback`, so one bad event never yields NaN. */
const finite = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);

/**
 * An event location to the spec frame: centre (−60..60, −40..40), scale by 105/120 and 68/80,
 * then flip both axes when the team the location is oriented for is the away team (home attacks
 * +x). Which team that is: see `orientationIsHome` in mapping.ts.
 */
export function sbToSpec(loc: readonly number[], attackerIsHome: boolean): Vec2 {
  const x = (finite(loc[0], SB_LENGTH / 2) - SB_LENGTH / 2) * SX;
  const y = (finite(loc[1], SB_WIDTH / 2) - SB_WIDTH / 2) * SY;
  return attackerIsHome ? [round(x), round(y)] : [round(-x) || 0, round(-y) || 0];
}

/** A 3-D location (shot `end_location`); z is scaled by 105/120 (notes §1.5), 0 when absent. */
export function sbToSpec3(loc: readonly number[], attackerIsHome: boolean): Vec3 {
  const [x, y] = sbToSpec(loc, attackerIsHome);
  return [x, y, round(finite(loc[2], 0) * SX)];
}

/**
 * 360 freeze frames use match orientation: home attacks left→right in periods 1 and 4, and in 5
 * by the upstream producer's convention (notes §1.5), so the flip depends on the period.
 */
export function homeAttacksLeftToRight(period: number): boolean {
  return period === 1 || period === 4 || period === 5;
}

/** A 360 freeze-frame location to the spec frame. */
export function sb360ToSpec(loc: readonly number[], period: number): Vec2 {
  return sbToSpec(loc, homeAttacksLeftToRight(period));
}
