/**
 * The event track of a replay (notes §1.5, upstream `emitter.py`): kick-off at t = 0, the mapped
 * events, score_change after each goal and a kick-off for the conceding side ~5 s later, one
 * period_start/period_end per period, shoot-out start/end around period 5, then match_end.
 *
 * A replay never claims what its data does not hold (issue 14): period_end only from a Half End,
 * penalty_shootout_end only when period 5's Half End is there, match_end only when the data's last
 * period has its Half End and a match can end there. An excerpt that stops mid-half ends with its
 * last event; the loop then starts over with a fresh MatchInit (seed 000: clients tolerate it).
 */
import type { EventMessage } from '../../../dialects/match/spec.js';
import { teamCode } from './lineup.js';
import { EventClock, eventTimeMs, mapEvent } from './mapping.js';
import type { SbEvent, Sides } from './types.js';

/** Notes §1.5: the restart kick-off follows a goal after about 5 s. */
export const KICKOFF_AFTER_GOAL_MS = 5_000;
/** Upstream: shoot-out end 1 s after the last attempt, match_end 1 s after the last message. */
const TRAILING_MS = 1_000;

/**
 * StatsBomb periods: 1 and 2 are the halves, 3 and 4 extra time, 5 the shoot-out (open-data
 * events spec; the 2022 final's file ends with period 5's two Half End events). A match can end
 * only after period 2, 4 or 5: a file whose last Half End is period 1's or 3's was cut short.
 */
const FINAL_PERIODS: ReadonlySet<number> = new Set([2, 4, 5]);

/** Whether the data holds the end of the match: its last period has a Half End, and a match can end there. */
export function dataEndsMatch(sbEvents: readonly SbEvent[]): boolean {
  const last = sbEvents.reduce((max, e) => Math.max(max, e.period), 0);
  return FINAL_PERIODS.has(last) && sbEvents.some((e) => e.period === last && e.type?.name === 'Half End');
}

export interface EventTrack {
  /** Spec events, `t` strictly rising. */
  readonly events: EventMessage[];
  /** Stamped `t` of every StatsBomb event, by event id (the state synthesis uses the same times). */
  readonly times: ReadonlyMap<string, number>;
  /** Per stamped event: its period and match clock (ms), for the HUD clock of frames. */
  readonly marks: readonly ClockMark[];
}

export interface ClockMark {
  readonly t: number;
  readonly period: number;
  readonly clockMs: number;
}

/** Builds the whole event track of one match. */
export function buildEvents(sbEvents: readonly SbEvent[], sides: Sides): EventTrack {
  const clock = new EventClock();
  const byId = new Map(sbEvents.map((e) => [e.id, e]));
  const times = new Map<string, number>();
  const marks: ClockMark[] = [];
  const kickoffTeam = sbEvents.find((e) => e.pass?.type?.name === 'Kick Off')?.team?.id ?? sides.home;
  const out: EventMessage[] = [{ type: 'event.kickoff', t: 0, team: teamCode(kickoffTeam) }];
  const started = new Set<number>();
  const ended = new Set<number>();
  const score = { home: 0, away: 0 };
  const pens = { home: 0, away: 0 };
  let shootout = false;
  let shootoutOver = false;
  let lastAttempt = -1;

  for (const ev of sbEvents) {
    const t = clock.stamp(ev);
    times.set(ev.id, t);
    marks.push({ t, period: ev.period, clockMs: Math.min(t - clock.shift, eventTimeMs(ev) + 999) });
    if (ev.period === 5 && !shootout) {
      shootout = true;
      out.push({ type: 'event.penalty_shootout_start', t });
    }
    // Upstream ends the shoot-out on period 5's Half End (mapping.py); without one it was cut short.
    if (ev.period === 5 && ev.type?.name === 'Half End') shootoutOver = true;
    for (const m of mapEvent(ev, t, { sides, byId })) {
      // StatsBomb writes Half Start / Half End once per team: emit each once.
      const once = m.type === 'event.period_start' ? started : m.type === 'event.period_end' ? ended : null;
      if (once && 'period' in m) {
        if (once.has(m.period)) continue;
        once.add(m.period);
      }
      out.push(m);
      if (m.type === 'event.goal') {
        const homeScored = m.team === teamCode(sides.home);
        if (homeScored) score.home += 1;
        else score.away += 1;
        out.push({ type: 'event.score_change', t: m.t + 1, home: score.home, away: score.away });
        out.push({ type: 'event.kickoff', t: m.t + KICKOFF_AFTER_GOAL_MS, team: teamCode(homeScored ? sides.away : sides.home) });
      } else if (m.type === 'event.penalty_attempt') {
        lastAttempt = m.t;
        if (m.outcome === 'scored') {
          if (m.team === teamCode(sides.home)) pens.home += 1;
          else pens.away += 1;
        }
      }
    }
  }
  if (shootoutOver) {
    const winner = teamCode(pens.home > pens.away ? sides.home : sides.away);
    out.push({ type: 'event.penalty_shootout_end', t: Math.max(lastAttempt, 0) + TRAILING_MS, winner, score: { ...pens } });
  }
  const events = strictlyRising(out);
  if (dataEndsMatch(sbEvents)) events.push({ type: 'event.match_end', t: (events.at(-1)?.t ?? 0) + TRAILING_MS });
  return { events, times, marks };
}

/** Stable sort by `t`, then the +1 ms collision rule across the merged track (notes §1.5). */
function strictlyRising(events: EventMessage[]): EventMessage[] {
  const sorted = events.map((e, i) => ({ e, i })).sort((a, b) => a.e.t - b.e.t || a.i - b.i);
  let last = -1;
  return sorted.map(({ e }) => {
    const t = Math.max(e.t, last + 1);
    last = t;
    return t === e.t ? e : { ...e, t };
  });
}
