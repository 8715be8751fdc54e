/**
 * One physics step of the synthetic match, and the StateFrame it shows (notes §1.4 StateFrame):
 * bodies hold formation shape shifted with the ball, the nearest defender presses the carrier,
 * the receiver runs onto the pass; anim from speed, facing from velocity.
 */
import type { StateFrame, Vec2 } from '../../../dialects/match/spec.js';
import { lerp2, r2 } from '../motion.js';
import { ballAt, flightVel, goalOf, kickSpot, nearest, playerState, shapeTarget, steer, toOwn, toWorld, type Body, type PitchView } from './bodies.js';

/** Speeds (m/s) picked so the anim bands (walk 1.5, run 4, sprint 6) all show up in play. */
const SPEED = { press: 7.2, cover: 5.2, shape: 5, receive: 6.8, carry: 3.8, push: 6.6, jog: 2.2 } as const;

/** Advances every body on the pitch by `dt` seconds at stream time `now`. */
export function moveAll(p: PitchView, now: number, dt: number): void {
  const ball = ballAt(p, now);
  const possession = p.carrier?.team ?? (p.flight?.kind === 'pass' ? p.flight.by.team : null);
  const ctx = { ball: [ball[0], ball[1]] as Vec2, possession, kickoffShape: p.kickoffShape };
  const c = p.carrier;
  const presser = c && !p.stopped ? nearest(p.bodies, other(c.team), c.pos, (b) => b.keeper) : null;
  const cover = c && presser ? nearest(p.bodies, other(c.team), c.pos, (b) => b.keeper || b === presser) : null;
  for (const b of p.bodies) {
    if (!b.onPitch) continue;
    const [target, speed] = targetOf(p, b, now, ctx, presser, cover);
    steer(b, target, speed, dt);
  }
}

const other = (team: 0 | 1): 0 | 1 => (team === 0 ? 1 : 0);

function targetOf(p: PitchView, b: Body, now: number, ctx: Parameters<typeof shapeTarget>[1], presser: Body | null, cover: Body | null): [Vec2, number] {
  const celebrating = b.action?.anim === 'celebrate' && now < b.action.until;
  if (p.kickoffShape && b === p.kicker && !celebrating) return [kickSpot(b.team), SPEED.shape];
  if (p.stopped || p.kickoffShape || celebrating) return [shapeTarget(b, ctx), SPEED.jog];
  const c = p.carrier;
  if (b === c) {
    if (b.keeper) return [b.pos, 0];
    if (p.pushing) return [goalOf(b.team), SPEED.push];
    const own = toOwn(b.team, b.pos);
    return [toWorld(b.team, [own[0] + 8, own[1] * 0.95]), SPEED.carry];
  }
  if (p.flight && b === p.flight.receiver) return [[p.flight.to[0], p.flight.to[1]], SPEED.receive];
  if (c && b === presser) return [c.pos, SPEED.press];
  if (c && b === cover) return [lerp2(c.pos, goalOf(c.team), 0.25), SPEED.cover];
  return [shapeTarget(b, ctx), SPEED.shape];
}

/** The StateFrame at stream time `now`. */
export function stateFrame(p: PitchView, now: number, period: number, clock: string): StateFrame {
  const pos = ballAt(p, now);
  const vel = p.flight ? flightVel(p.flight, now) : p.carrier ? [p.carrier.vel[0], p.carrier.vel[1], 0] : [0, 0, 0];
  const frame: StateFrame = {
    type: 'state',
    t: now,
    ball: { pos: [r2(pos[0]), r2(pos[1]), r2(pos[2])], vel: [r2(vel[0]!), r2(vel[1]!), r2(vel[2]!)] },
    players: p.bodies.filter((b) => b.onPitch).map((b) => playerState(b, now, p.carrier)),
    period,
    clock_display: clock,
  };
  if (p.carrier) frame.ball.carrier = p.carrier.id;
  return frame;
}
