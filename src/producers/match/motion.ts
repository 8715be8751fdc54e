/**
 * Small kinematics shared by the match producers: anim tag from speed, facing from velocity, the
 * HUD clock and coordinate rounding. Pure functions, no time source.
 */
import type { AnimTag, Vec2 } from '../../dialects/match/spec.js';

/**
 * Speed bands (m/s) of the upstream state synthesiser (`state_synth.py`, notes §1.5 "anim is
 * derived from each player's speed"): above 6 sprint, above 4 run, above 1.5 walk, else idle.
 */
export const SPEED_BANDS = { sprint: 6, run: 4, walk: 1.5 } as const;

/** The locomotion tag for a speed in m/s. */
export function animForSpeed(speed: number): AnimTag {
  if (speed > SPEED_BANDS.sprint) return 'sprint';
  if (speed > SPEED_BANDS.run) return 'run';
  if (speed > SPEED_BANDS.walk) return 'walk';
  return 'idle';
}

/** Below this speed (m/s) a heading is noise, so the previous facing is kept. */
const MIN_HEADING_SPEED = 0.3;

/** Yaw in radians (0 = +x, notes §1.4) of a velocity; `previous` when standing still. */
export function facingFrom(vx: number, vy: number, previous: number): number {
  return Math.hypot(vx, vy) < MIN_HEADING_SPEED ? previous : Math.atan2(vy, vx);
}

/** `mm:ss` of a match clock in ms (minutes may exceed 99 never in football, so two digits suffice). */
export function clockDisplay(matchMs: number): string {
  const s = Math.max(0, Math.floor(matchMs / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** Rounds to centimetres: enough for a renderer, and keeps frames small on the wire. */
export const r2 = (v: number): number => Math.round(v * 100) / 100;

/** Rounds to milliradians. */
export const r3 = (v: number): number => Math.round(v * 1000) / 1000;

export const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

export const distance = (a: Vec2, b: Vec2): number => Math.hypot(a[0] - b[0], a[1] - b[1]);

/** Linear interpolation between two points. */
export const lerp2 = (a: Vec2, b: Vec2, f: number): Vec2 => [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f];
