/**
 * Formation anchors: each StatsBomb position name has a slot on the 120 × 80 pitch for a team
 * attacking +x (the upstream synthesiser's table), and the team's shape slides with the ball.
 */
import type { Vec2 } from '../../../dialects/match/spec.js';
import { clamp } from '../motion.js';
import { sbToSpec } from './coords.js';

const SLOTS: Readonly<Record<string, readonly [number, number]>> = {
  Goalkeeper: [8, 40],
  'Right Back': [30, 65],
  'Left Back': [30, 15],
  'Right Center Back': [25, 50],
  'Left Center Back': [25, 30],
  'Center Back': [25, 40],
  'Right Wing Back': [45, 70],
  'Left Wing Back': [45, 10],
  'Right Defensive Midfield': [45, 50],
  'Left Defensive Midfield': [45, 30],
  'Center Defensive Midfield': [45, 40],
  'Right Center Midfield': [60, 50],
  'Left Center Midfield': [60, 30],
  'Center Midfield': [60, 40],
  'Right Midfield': [60, 60],
  'Left Midfield': [60, 20],
  'Right Attacking Midfield': [75, 50],
  'Left Attacking Midfield': [75, 30],
  'Center Attacking Midfield': [75, 40],
  'Right Wing': [85, 60],
  'Left Wing': [85, 20],
  'Right Center Forward': [90, 50],
  'Left Center Forward': [90, 30],
  'Center Forward': [95, 40],
  'Secondary Striker': [90, 40],
};

/**
 * A position's slot in the team's own spec frame (+x attacking). The upstream table spans the
 * whole pitch (a centre forward at the opponent's box), so it is compressed by half toward the
 * own half: the shape then slides up with the ball (`shapePosition`) instead of starting there.
 */
export function slotOf(positionName: string): Vec2 {
  const [x, y] = sbToSpec(SLOTS[positionName] ?? [60, 40], true);
  return positionName === 'Goalkeeper' ? [x, y] : [x * 0.5 - 12, y];
}

/** Own frame ↔ spec frame: the away side is mirrored through the centre. */
export const mirror = (home: boolean, p: Vec2): Vec2 => (home ? [p[0], p[1]] : [-p[0], -p[1]]);

/**
 * Where a player stands when no event places them: their slot, shifted toward the ball and up
 * the pitch when their side has the ball (spec frame in, spec frame out).
 */
export function shapePosition(slot: Vec2, home: boolean, keeper: boolean, ball: Vec2, attacking: boolean): Vec2 {
  const b = mirror(home, ball);
  if (keeper) return mirror(home, [clamp(slot[0] + (b[0] + 52.5) * 0.06, -51, -40), clamp(b[1] * 0.15, -6, 6)]);
  // Slides with the ball but never collapses onto the own goal line when the ball is deep.
  const x = slot[0] + clamp(b[0] * 0.5, -12, 24) + (attacking ? 12 : 0);
  const y = slot[1] + (b[1] - slot[1]) * (attacking ? 0.15 : 0.3);
  return mirror(home, [clamp(x, -46, 46), clamp(y, -32, 32)]);
}
