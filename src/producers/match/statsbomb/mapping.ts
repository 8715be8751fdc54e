/**
 * StatsBomb events to spec events (notes §1.5 "Time" and "Event mapping"). Pure: no I/O, no
 * timers, so it is unit-tested on the real excerpt.
 */
import type { EventMessage } from '../../../dialects/match/spec.js';
import { sbToSpec, sbToSpec3 } from './coords.js';
import { playerId, teamCode } from './lineup.js';
import type { SbEvent, SbRef, Sides } from './types.js';

/** Milliseconds of a StatsBomb `HH:MM:SS.mmm` timestamp (0 when malformed). */
export function timestampMs(ts: string | undefined): number {
  const m = /^(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(ts ?? '');
  return m ? Math.round((Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1000) : 0;
}

/** Notes §1.5: `t = minute*60000 + second*1000 + (timestamp ms % 1000)`; `minute` runs on across periods. */
export function eventTimeMs(ev: Pick<SbEvent, 'minute' | 'second' | 'timestamp'>): number {
  return (ev.minute || 0) * 60_000 + (ev.second || 0) * 1000 + (timestampMs(ev.timestamp) % 1000);
}

/**
 * Stamps events in file order with a strictly rising `t`: a collision gets last + 1 ms (notes
 * §1.5). One addition: each new period starts 1 ms after the previous period's last event and
 * keeps its own spacing. StatsBomb's second half restarts at minute 45 even when the first ran
 * into stoppage time (without the shift the +1 rule would squeeze minutes of play into
 * milliseconds), and the break between periods is not in the data: a file holding only part of
 * a period must not be replayed as minutes of frozen frames (issue 14). Full matches only ever
 * shift forward; the HUD clock keeps StatsBomb's own minute (`t - shift`).
 */
export class EventClock {
  #last = -1;
  #period = 0;
  #shift = 0;

  /** How far the current period was shifted forward (ms); `t - shift` is the match clock. */
  get shift(): number {
    return this.#shift;
  }

  stamp(ev: Pick<SbEvent, 'minute' | 'second' | 'timestamp' | 'period'>): number {
    const raw = eventTimeMs(ev);
    if (ev.period > this.#period) {
      this.#period = ev.period;
      if (this.#last >= 0) this.#shift = this.#last + 1 - raw;
    }
    const t = Math.max(raw + this.#shift, this.#last + 1);
    this.#last = t;
    return t;
  }
}

/**
 * Whether an event's locations are in the home team's frame. StatsBomb orients each event for the
 * team that performs it (the excerpt shows it: France's pass #136, made while Argentina had
 * possession, ends where Argentina's ball recovery #137 starts only under this rule). Notes §1.5
 * say "possessing team"; for passes and shots the two nearly always agree.
 */
export function orientationIsHome(ev: SbEvent, sides: Sides): boolean {
  return (ev.team ?? ev.possession_team)?.id === sides.home;
}

const SAVED_SHOTS = new Set(['saved', 'saved to post', 'saved off target']);
const KEEPER_SAVES = new Set(['shot saved', 'shot saved to post', 'shot saved off target', 'penalty saved']);
const lc = (ref: SbRef | undefined): string => (ref?.name ?? '').toLowerCase();
const pid = (ref: SbRef | undefined): string | null => (ref ? playerId(ref.id) : null);

/** Card name to severity; a second yellow sends the player off, so it is `red` (notes list both). */
export function cardSeverity(card: SbRef | undefined): 'yellow' | 'red' | null {
  const n = lc(card);
  if (n.includes('red') || n.includes('second yellow')) return 'red';
  if (n.includes('yellow')) return 'yellow';
  return null;
}

/** An event before its `t` is stamped. */
export type EventBody = EventMessage extends infer E ? (E extends EventMessage ? Omit<E, 't'> : never) : never;

export interface MapContext {
  readonly sides: Sides;
  /** Events by id, to name a foul's victim from its related Foul Won. */
  readonly byId?: ReadonlyMap<string, SbEvent>;
}

/**
 * One StatsBomb event to zero or more spec events, all at its `t` except a goal at `t + 1`.
 * Carry, Pressure, Ball Receipt and the rest map to nothing (they only feed state synthesis).
 */
export function mapEvent(ev: SbEvent, t: number, ctx: MapContext): EventMessage[] {
  const at = (body: EventBody, dt = 0): EventMessage => ({ ...body, t: t + dt }) as EventMessage;
  const home = orientationIsHome(ev, ctx.sides);
  const player = pid(ev.player);
  const team = ev.team ? teamCode(ev.team.id) : null;
  const kind = ev.type?.name;
  if (ev.period === 5) {
    // Notes §1.5: in the shoot-out each Shot is a penalty attempt; start/end come from buildEvents.
    if (kind !== 'Shot' || !player || !team) return [];
    const outcome = lc(ev.shot?.outcome);
    const target = sbToSpec3(ev.shot?.end_location ?? [120, 40, 1.5], home);
    return [at({ type: 'event.penalty_attempt', player, team, outcome: outcome === 'goal' ? 'scored' : SAVED_SHOTS.has(outcome) ? 'saved' : 'missed', target })];
  }
  switch (kind) {
    case 'Half Start':
      return [at({ type: 'event.period_start', period: ev.period })];
    case 'Half End':
      return [at({ type: 'event.period_end', period: ev.period })];
    case 'Pass': {
      if (!player) return [];
      const end = sbToSpec(ev.pass?.end_location ?? [60, 40], home);
      const to = pid(ev.pass?.recipient);
      return [at({ type: 'event.pass', from: player, ...(to ? { to } : {}), target: end, success: !ev.pass?.outcome })];
    }
    case 'Shot': {
      if (!player) return [];
      const outcome = lc(ev.shot?.outcome);
      const shot = at({ type: 'event.shot', player, target: sbToSpec3(ev.shot?.end_location ?? [120, 40, 0], home), on_target: outcome === 'goal' || SAVED_SHOTS.has(outcome), saved: SAVED_SHOTS.has(outcome) });
      return outcome === 'goal' && team ? [shot, at({ type: 'event.goal', player, team }, 1)] : [shot];
    }
    case 'Own Goal Against': {
      // The conceding side's player; the goal counts for the other side.
      const scoredFor = ev.team?.id === ctx.sides.home ? ctx.sides.away : ctx.sides.home;
      return player ? [at({ type: 'event.goal', player, team: teamCode(scoredFor) })] : [];
    }
    case 'Foul Committed': {
      if (!player) return [];
      const victim = (ev.related_events ?? []).map((id) => ctx.byId?.get(id)).find((e) => e?.type?.name === 'Foul Won')?.player;
      const severity = cardSeverity(ev.foul_committed?.card) ?? 'soft';
      return [at({ type: 'event.foul', player, ...(victim ? { victim: playerId(victim.id) } : {}), severity })];
    }
    case 'Bad Behaviour': {
      // Cards shown outside a foul (dissent, time wasting); the upstream producer drops them [infer].
      const severity = cardSeverity(ev.bad_behaviour?.card);
      return player && severity ? [at({ type: 'event.foul', player, severity })] : [];
    }
    case 'Goal Keeper':
      return player && KEEPER_SAVES.has(lc(ev.goalkeeper?.type)) ? [at({ type: 'event.save', keeper: player })] : [];
    case 'Substitution': {
      const playerIn = pid(ev.substitution?.replacement);
      return player && playerIn && team ? [at({ type: 'event.substitution', team, player_in: playerIn, player_out: player })] : [];
    }
    default:
      return [];
  }
}
