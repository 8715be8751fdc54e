/**
 * StatsBomb 360 freeze frames as position anchors (notes §1.5 "StateFrame synthesis"). Entries
 * carry no player ids, so identity is inferred per side: the actor is the event's player, the
 * keeper flag names the side's keeper, and the rest are matched greedily, closest pair first,
 * against where the synthesiser expects each player. (Upstream runs the Hungarian algorithm; for
 * ≤ 11 players per side greedy closest-pair matching gives the same answer unless two players
 * cross, and needs no solver.)
 */
import type { Vec2 } from '../../../dialects/match/spec.js';
import { distance } from '../motion.js';
import { sb360ToSpec } from './coords.js';
import type { Sb360Frame } from './types.js';

/** A player the synthesiser has on the pitch at the frame's time, and where it expects them. */
export interface ExpectedPlayer {
  readonly id: string;
  readonly home: boolean;
  readonly keeper: boolean;
  readonly pos: Vec2;
}

export interface FrameContext {
  readonly period: number;
  /** True when the event's team (whom `teammate` refers to) is the home team. */
  readonly actorTeamIsHome: boolean;
  /** The event's player, who is the entry flagged `actor`. */
  readonly actorId: string | null;
}

/** Spec-frame positions for the players one freeze frame shows. */
export function assignFreezeFrame(frame: Sb360Frame, ctx: FrameContext, expected: readonly ExpectedPlayer[]): Map<string, Vec2> {
  const out = new Map<string, Vec2>();
  const entries = (frame.freeze_frame ?? [])
    .filter((e) => Array.isArray(e.location) && e.location.length >= 2)
    .map((e) => ({ pos: sb360ToSpec(e.location!, ctx.period), home: Boolean(e.teammate) === ctx.actorTeamIsHome, keeper: Boolean(e.keeper), actor: Boolean(e.actor) }));
  const free = new Set(entries.keys());
  const take = (id: string, index: number): void => {
    out.set(id, entries[index]!.pos);
    free.delete(index);
  };
  if (ctx.actorId) {
    const actor = entries.findIndex((e) => e.actor);
    if (actor >= 0 && expected.some((p) => p.id === ctx.actorId)) take(ctx.actorId, actor);
  }
  for (const home of [true, false]) {
    const side = expected.filter((p) => p.home === home && !out.has(p.id));
    const keeper = side.find((p) => p.keeper);
    const keeperEntry = [...free].find((i) => entries[i]!.home === home && entries[i]!.keeper);
    if (keeper && keeperEntry !== undefined) take(keeper.id, keeperEntry);
    const players = side.filter((p) => !out.has(p.id));
    const pairs: { id: string; index: number; d: number }[] = [];
    for (const p of players) {
      for (const i of free) if (entries[i]!.home === home && !entries[i]!.keeper) pairs.push({ id: p.id, index: i, d: distance(p.pos, entries[i]!.pos) });
    }
    pairs.sort((a, b) => a.d - b.d);
    for (const pair of pairs) if (!out.has(pair.id) && free.has(pair.index)) take(pair.id, pair.index);
  }
  return out;
}
