/**
 * How the synthetic carrier passes and shoots: who to pass to (forward options preferred, keepers
 * and very long or very short balls rarely), where an intercepted ball ends, and where a shot goes
 * for each outcome. Pure functions of the bodies and the random source.
 */
import type { Vec2, Vec3 } from '../../../dialects/match/spec.js';
import { distance, lerp2 } from '../motion.js';
import { goalOf, nearest, toOwn, toWorld, type Body } from './bodies.js';

/** Notes: about four passes in five find their man in open play. */
const PASS_SUCCESS = 0.82;

export interface PassPlan {
  /** The intended recipient (`event.pass.to`). */
  readonly mate: Body;
  /** Who actually gets the ball: the mate, or an interceptor. */
  readonly receiver: Body;
  readonly target: Vec2;
  readonly success: boolean;
}

const other = (team: 0 | 1): 0 | 1 => (team === 0 ? 1 : 0);

/** Picks a pass for carrier `c`, or null when nobody is there to receive it. */
export function planPass(bodies: readonly Body[], c: Body, random: () => number): PassPlan | null {
  const mates = bodies.filter((b) => b.onPitch && b.team === c.team && b !== c);
  if (mates.length === 0) return null;
  const ownX = toOwn(c.team, c.pos)[0];
  const weights = mates.map((m) => {
    const d = distance(m.pos, c.pos);
    let w = 1 + Math.min(3, Math.max(-0.8, (toOwn(m.team, m.pos)[0] - ownX) / 8));
    if (m.keeper) w *= 0.15;
    if (d > 40) w *= 0.2;
    if (d < 5) w *= 0.3;
    return w;
  });
  let pick = random() * weights.reduce((a, b) => a + b, 0);
  let mate = mates[mates.length - 1]!;
  for (let i = 0; i < mates.length; i++) {
    pick -= weights[i]!;
    if (pick <= 0) {
      mate = mates[i]!;
      break;
    }
  }
  const own = toOwn(mate.team, mate.pos);
  const lead: Vec2 = toWorld(mate.team, [own[0] + 1.5, own[1]]);
  const success = random() < PASS_SUCCESS;
  const interceptor = success ? null : nearest(bodies, other(c.team), lead, (b) => b.keeper);
  if (!interceptor) return { mate, receiver: mate, target: lead, success };
  return { mate, receiver: interceptor, target: lerp2(lead, interceptor.pos, 0.6), success };
}

export type ShotOutcome = 'goal' | 'saved' | 'off';

export interface ShotPlan {
  readonly outcome: ShotOutcome;
  /** Where the shot is aimed on the goal line (`event.shot.target`). */
  readonly target: Vec3;
  /** Where the ball ends: in the net, in the keeper's hands, or past the post. */
  readonly end: Vec3;
}

/** A shot by `c`: a forced outcome (a scripted goal) or ~35 % off target, ~45 % saved, ~20 % in. */
export function planShot(c: Body, forced: ShotOutcome | null, random: () => number): ShotPlan {
  const roll = random();
  const outcome = forced ?? (roll < 0.35 ? 'off' : roll < 0.8 ? 'saved' : 'goal');
  const goalX = goalOf(c.team)[0];
  const sign = Math.sign(goalX);
  const y = outcome === 'off' ? (random() < 0.5 ? -1 : 1) * (4 + random() * 5) : (random() * 2 - 1) * 3.2;
  const z = outcome === 'off' ? 0.3 + random() * 3 : 0.2 + random() * 2;
  const end: Vec3 = outcome === 'saved' ? [goalX - sign, y * 0.6, z] : [goalX + sign * (outcome === 'goal' ? 0.8 : 2), y, z];
  return { outcome, target: [goalX, y, z], end };
}
