/**
 * What the 10 Hz state synthesis needs from the events, in time order (notes §1.5 "StateFrame
 * synthesis"): where the ball is at event times, where each actor is, who carries the ball, which
 * side has it, event animations, and line-up changes (substitutions, sendings-off).
 */
import type { AnimTag, Vec2, Vec3 } from '../../../dialects/match/spec.js';
import { sbToSpec, sbToSpec3 } from './coords.js';
import type { EventTrack } from './emitter.js';
import { playerId, type Starter } from './lineup.js';
import { cardSeverity, orientationIsHome } from './mapping.js';
import { shapePosition, slotOf } from './shape.js';
import { assignFreezeFrame, type ExpectedPlayer } from './three-sixty.js';
import type { Sb360Frame, SbEvent, Sides } from './types.js';

export interface Key<T> {
  readonly t: number;
  readonly v: T;
}

export interface SlotInfo {
  readonly home: boolean;
  readonly keeper: boolean;
  readonly slot: Vec2;
}

export interface SynthPlan {
  readonly ball: Key<Vec3>[];
  readonly players: Map<string, Key<Vec2>[]>;
  readonly carrier: Key<string | null>[];
  /** True while the home side has the ball. */
  readonly possession: Key<boolean>[];
  readonly actions: Map<string, { t: number; until: number; anim: AnimTag }[]>;
  /** Line-up changes: `out` leaves at `t`, `in` (if any) takes their slot. */
  readonly roster: { t: number; out: string; in?: string }[];
  readonly starters: Map<string, SlotInfo>;
}

/** Events whose location is where the ball is. */
const ON_BALL = new Set(['Pass', 'Carry', 'Ball Receipt*', 'Ball Recovery', 'Shot', 'Clearance', 'Dribble', 'Miscontrol', 'Interception', 'Goal Keeper', 'Block', 'Foul Won', 'Duel', 'Dispossessed', '50/50', 'Shield']);
const GAINS = new Set(['Ball Receipt*', 'Carry', 'Ball Recovery', 'Dribble']);
const RELEASES = new Set(['Pass', 'Shot', 'Clearance', 'Miscontrol', 'Dispossessed', 'Half End', 'Foul Won']);
const ACTION_MS = 400;

function actionOf(ev: SbEvent): [AnimTag, number] | null {
  switch (ev.type?.name) {
    case 'Pass':
      if (ev.pass?.type?.name === 'Throw-in') return ['throw', ACTION_MS];
      return [(ev.pass?.length ?? 0) > 30 ? 'kick' : 'pass', ACTION_MS];
    case 'Shot':
      return ['shoot', ACTION_MS];
    case 'Clearance':
      return ['kick', ACTION_MS];
    case 'Foul Committed':
      return ['tackle', ACTION_MS];
    case 'Foul Won':
      return ['fall', 1000];
    case 'Goal Keeper':
      return ['catch', 600];
    case 'Dribble':
      return ['dribble', ACTION_MS];
    default:
      return null;
  }
}

/** Builds the plan. `track.times` gives every event's stamped `t`. */
export function buildPlan(events: readonly SbEvent[], sides: Sides, starting: { home: Starter[]; away: Starter[] }, track: EventTrack, threeSixty: readonly Sb360Frame[] = []): SynthPlan {
  const plan: SynthPlan = { ball: [], players: new Map(), carrier: [], possession: [], actions: new Map(), roster: [], starters: new Map() };
  for (const [list, home] of [[starting.home, true], [starting.away, false]] as const) {
    for (const s of list) plan.starters.set(s.id, { home, keeper: s.position === 'Goalkeeper', slot: slotOf(s.position) });
  }
  const active = new Map(plan.starters);
  const frames360 = new Map(threeSixty.map((f) => [f.event_uuid, f]));
  const keyOf = (id: string, t: number, v: Vec2): void => {
    const keys = plan.players.get(id) ?? [];
    keys.push({ t, v });
    plan.players.set(id, keys);
  };
  let ball: Vec2 = [0, 0];
  for (const ev of events) {
    const t = track.times.get(ev.id);
    if (t === undefined) continue;
    const home = orientationIsHome(ev, sides);
    const actor = ev.player ? playerId(ev.player.id) : null;
    const kind = ev.type?.name ?? '';
    const endMs = t + Math.max(0, Math.round((ev.duration ?? 0) * 1000));
    if (ev.possession_team) plan.possession.push({ t, v: ev.possession_team.id === sides.home });
    if (ev.location && actor) keyOf(actor, t, sbToSpec(ev.location, home));
    if (ev.location && ON_BALL.has(kind)) {
      ball = sbToSpec(ev.location, home);
      plan.ball.push({ t, v: [ball[0], ball[1], 0] });
    }
    if (kind === 'Pass' && ev.pass?.end_location) {
      const end = sbToSpec(ev.pass.end_location, home);
      plan.ball.push({ t: endMs, v: [end[0], end[1], 0] });
      if (ev.pass.recipient) keyOf(playerId(ev.pass.recipient.id), endMs, end);
    }
    if (kind === 'Carry' && ev.carry?.end_location && actor) {
      const end = sbToSpec(ev.carry.end_location, home);
      plan.ball.push({ t: endMs, v: [end[0], end[1], 0] });
      keyOf(actor, endMs, end);
    }
    if (kind === 'Shot' && ev.shot?.end_location) plan.ball.push({ t: Math.max(endMs, t + 600), v: sbToSpec3(ev.shot.end_location, home) });
    for (const entry of ev.shot?.freeze_frame ?? []) if (entry.player && entry.location) keyOf(playerId(entry.player.id), t, sbToSpec(entry.location, home));
    if (actor && GAINS.has(kind) && !(kind === 'Ball Receipt*' && ev.ball_receipt?.outcome)) plan.carrier.push({ t, v: actor });
    else if (RELEASES.has(kind)) plan.carrier.push({ t, v: null });
    const action = actor ? actionOf(ev) : null;
    if (action && actor) plan.actions.set(actor, [...(plan.actions.get(actor) ?? []), { t, until: t + action[1], anim: action[0] }]);
    if (kind === 'Shot' && ev.shot?.outcome?.name === 'Goal' && actor) plan.actions.set(actor, [...(plan.actions.get(actor) ?? []), { t: t + 1200, until: t + 4000, anim: 'celebrate' }]);
    const frame = frames360.get(ev.id);
    if (frame) {
      const expected: ExpectedPlayer[] = [...active].map(([id, s]) => ({ id, home: s.home, keeper: s.keeper, pos: lastKey(plan.players.get(id), t) ?? shapePosition(s.slot, s.home, s.keeper, ball, ev.possession_team?.id === (s.home ? sides.home : sides.away)) }));
      const ctx = { period: ev.period, actorTeamIsHome: home, actorId: actor };
      for (const [id, pos] of assignFreezeFrame(frame, ctx, expected)) keyOf(id, t, pos);
    }
    if (kind === 'Substitution' && actor && ev.substitution?.replacement) {
      const incoming = playerId(ev.substitution.replacement.id);
      const slot = active.get(actor);
      if (slot) active.set(incoming, slot);
      active.delete(actor);
      plan.roster.push({ t, out: actor, in: incoming });
    }
    const card = kind === 'Foul Committed' ? ev.foul_committed?.card : kind === 'Bad Behaviour' ? ev.bad_behaviour?.card : undefined;
    if (actor && cardSeverity(card) === 'red') {
      active.delete(actor);
      plan.roster.push({ t, out: actor });
    }
  }
  const byT = <T>(a: Key<T>, b: Key<T>): number => a.t - b.t;
  plan.ball.sort(byT);
  for (const keys of plan.players.values()) keys.sort(byT);
  return plan;
}

/** The latest key at or before `t` within 10 s, if any. */
function lastKey(keys: readonly Key<Vec2>[] | undefined, t: number): Vec2 | undefined {
  const k = keys?.findLast((key) => key.t <= t);
  return k && t - k.t < 10_000 ? k.v : undefined;
}
