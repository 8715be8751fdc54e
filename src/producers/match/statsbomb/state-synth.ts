/**
 * 10 Hz StateFrames between StatsBomb events (notes §1.5 "StateFrame synthesis"): the Starting XI
 * at formation slots sliding with the ball, pulled onto event locations around the moments they
 * act (linear interpolation between their own anchors), the ball interpolated between on-ball
 * events, anim from speed and facing from velocity. A generator: a whole match is ~80 000 frames,
 * so frames are made as the replay needs them, never held in memory.
 */
import type { PlayerState, StateFrame, Vec2, Vec3 } from '../../../dialects/match/spec.js';
import { animForSpeed, clamp, clockDisplay, facingFrom, lerp2, r2, r3 } from '../motion.js';
import type { ClockMark } from './emitter.js';
import { shapePosition } from './shape.js';
import type { Key, SlotInfo, SynthPlan } from './synth-plan.js';

/** Seed: "~100 ms windows" (10 Hz, as the upstream producer emits). */
export const FRAME_INTERVAL_MS = 100;
/** How long before and after an anchor a player is drawn toward it. */
const PULL_MS = 4_000;
/** Ball anchors further apart than this are held, not interpolated (a stoppage). */
const BALL_GAP_MS = 8_000;
const BALL_Z = 0.11;

/** Index of the last key at or before `t`, advancing `from` (times only rise). */
function seek(keys: readonly { readonly t: number }[], from: number, t: number): number {
  let i = from;
  while (i + 1 < keys.length && keys[i + 1]!.t <= t) i++;
  return i;
}

export interface SynthOptions {
  readonly marks: readonly ClockMark[];
  /** Last frame time (inclusive). */
  readonly endT: number;
  readonly frameIntervalMs?: number;
}

/** The StateFrames of a match, from t = 0 to `endT`, one per interval. */
export function* synthesizeFrames(plan: SynthPlan, options: SynthOptions): Generator<StateFrame> {
  const step = options.frameIntervalMs ?? FRAME_INTERVAL_MS;
  const on = new Map<string, SlotInfo>(plan.starters);
  const prev = new Map<string, { pos: Vec2; facing: number }>();
  const cursor = new Map<string, number>();
  let ballIdx = -1;
  let carrierIdx = -1;
  let possIdx = -1;
  let markIdx = -1;
  let rosterIdx = 0;
  let lastBall: Vec3 = [0, 0, BALL_Z];
  for (let t = 0; t <= options.endT; t += step) {
    while (rosterIdx < plan.roster.length && plan.roster[rosterIdx]!.t <= t) {
      const change = plan.roster[rosterIdx++]!;
      const slot = on.get(change.out);
      on.delete(change.out);
      if (change.in && slot) on.set(change.in, slot);
    }
    ballIdx = seek(plan.ball, ballIdx, t);
    const ball = ballAt(plan.ball, ballIdx, t);
    carrierIdx = seek(plan.carrier, carrierIdx, t);
    const carrier = plan.carrier[carrierIdx]?.v ?? null;
    possIdx = seek(plan.possession, possIdx, t);
    const homeHasBall = plan.possession[possIdx]?.v ?? true;
    markIdx = seek(options.marks, markIdx, t);
    const mark = options.marks[markIdx];
    const players: PlayerState[] = [];
    for (const [id, info] of on) {
      const base = shapePosition(info.slot, info.home, info.keeper, [ball[0], ball[1]], info.home === homeHasBall);
      const keys = plan.players.get(id) ?? [];
      const k = seek(keys, cursor.get(id) ?? -1, t);
      cursor.set(id, k);
      let pos = anchored(base, keys[k], keys[k + 1], t);
      if (id === carrier) pos = behindBall(ball, info.home);
      const last = prev.get(id);
      const vx = last ? (pos[0] - last.pos[0]) / (step / 1000) : 0;
      const vy = last ? (pos[1] - last.pos[1]) / (step / 1000) : 0;
      const facing = facingFrom(vx, vy, last?.facing ?? (info.home ? 0 : Math.PI));
      prev.set(id, { pos, facing });
      const action = plan.actions.get(id)?.find((a) => a.t <= t && t < a.until);
      const state: PlayerState = { id, pos: [r2(pos[0]), r2(pos[1])], facing: r3(facing), anim: action?.anim ?? animForSpeed(Math.hypot(vx, vy)) };
      if (id === carrier) state.has_ball = true;
      players.push(state);
    }
    const bv: Vec3 = [(ball[0] - lastBall[0]) * (1000 / step), (ball[1] - lastBall[1]) * (1000 / step), (ball[2] - lastBall[2]) * (1000 / step)];
    lastBall = ball;
    const frame: StateFrame = {
      type: 'state',
      t,
      ball: { pos: [r2(ball[0]), r2(ball[1]), r2(ball[2])], vel: [r2(bv[0]), r2(bv[1]), r2(bv[2])] },
      players,
      period: mark?.period ?? 1,
      clock_display: clockDisplay(mark ? mark.clockMs + (t - mark.t) : t),
    };
    if (carrier && on.has(carrier)) frame.ball.carrier = carrier;
    yield frame;
  }
}

function ballAt(keys: readonly Key<Vec3>[], i: number, t: number): Vec3 {
  const a = keys[i];
  const b = keys[i + 1];
  if (!a) return b && t >= b.t ? lift(b.v) : [0, 0, BALL_Z];
  if (!b || b.t - a.t > BALL_GAP_MS || b.t <= a.t) return lift(a.v);
  const u = (t - a.t) / (b.t - a.t);
  return lift([a.v[0] + (b.v[0] - a.v[0]) * u, a.v[1] + (b.v[1] - a.v[1]) * u, a.v[2] + (b.v[2] - a.v[2]) * u]);
}

const lift = (v: Vec3): Vec3 => [v[0], v[1], Math.max(BALL_Z, v[2])];

/** The carrier stands half a metre behind the ball, on the side of the goal they defend. */
const behindBall = (ball: Vec3, home: boolean): Vec2 => [ball[0] + (home ? -0.5 : 0.5), ball[1]];

/**
 * A player's position: the formation base, pulled toward their own anchors when one is within
 * PULL_MS; between two close anchors it moves linearly from one to the other.
 */
function anchored(base: Vec2, a: Key<Vec2> | undefined, b: Key<Vec2> | undefined, t: number): Vec2 {
  const wa = a && a.t <= t ? clamp(1 - (t - a.t) / PULL_MS, 0, 1) : 0;
  const wb = b && b.t > t ? clamp(1 - (b.t - t) / PULL_MS, 0, 1) : 0;
  if (wa > 0 && wb > 0) return lerp2(base, lerp2(a!.v, b!.v, (t - a!.t) / (b!.t - a!.t)), Math.max(wa, wb));
  if (wa > 0) return lerp2(base, a!.v, wa);
  if (wb > 0) return lerp2(base, b!.v, wb);
  return base;
}
