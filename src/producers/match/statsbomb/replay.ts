/**
 * `createStatsBombReplay`: replays a StatsBomb open-data match as spec 0.1.1 messages (notes §1.5):
 * MatchInit from the lineups, the event track, 10 Hz synthesised StateFrames between events,
 * paced by the injected clock at a speed factor; `loop` restarts with a new MatchInit.
 */
import { systemClock, type Clock } from '../../../core/index.js';
import type { SpecMessage } from '../../../dialects/match/spec.js';
import type { MatchFeed, Producer } from '../../types.js';
import { playRounds } from '../timeline.js';
import { buildEvents } from './emitter.js';
import { buildMatchInit, resolveSides, startingXI } from './lineup.js';
import { loadStatsBomb, type StatsBombData, type StatsBombFiles } from './load.js';
import { FRAME_INTERVAL_MS, synthesizeFrames } from './state-synth.js';
import { buildPlan } from './synth-plan.js';

export interface StatsBombReplayOptions extends StatsBombFiles {
  readonly matchId: string;
  /** Replay speed factor (default 1 = real time). */
  readonly speed?: number;
  /** Replay again, with a new MatchInit, after match_end. Default false. */
  readonly loop?: boolean;
  readonly clock?: Clock;
  /** Wall-time pause between two replays when looping (default 5 000 ms). */
  readonly loopDelayMs?: number;
  /** Spacing of synthesised StateFrames (default 100 ms, 10 Hz). */
  readonly frameIntervalMs?: number;
}

/**
 * The whole replay of one match in `t` order: MatchInit, then events and frames merged, an event
 * before a frame of the same `t` (as upstream, so renderers apply it first). Pure apart from the
 * data it is given; `startTime` is the ISO wall time of `t = 0`.
 */
export function* replayMessages(data: StatsBombData, matchId: string, startTime: string, frameIntervalMs = FRAME_INTERVAL_MS): Generator<SpecMessage> {
  const sides = resolveSides(data.lineups, data.events, data.match);
  yield buildMatchInit({ matchId, lineups: data.lineups, sides, ...(data.match ? { match: data.match } : {}), startTime });
  const track = buildEvents(data.events, sides);
  const plan = buildPlan(data.events, sides, startingXI(data.events, data.lineups, sides), track, data.threeSixty);
  const endT = track.events.at(-1)?.t ?? 0;
  const frames = synthesizeFrames(plan, { marks: track.marks, endT, frameIntervalMs: Math.max(20, frameIntervalMs) });
  let i = 0;
  for (const frame of frames) {
    while (i < track.events.length && track.events[i]!.t <= frame.t) yield track.events[i++]!;
    yield frame;
  }
  while (i < track.events.length) yield track.events[i++]!;
}

/** A Producer replaying the files to `feed` under `options.matchId` until done or aborted. */
export function createStatsBombReplay(feed: MatchFeed, options: StatsBombReplayOptions): Producer {
  const clock = options.clock ?? systemClock;
  let data: StatsBombData | null = null;
  return {
    name: `statsbomb:${options.matchId}`,
    async run(signal) {
      data ??= await loadStatsBomb(options);
      const loaded = data;
      await playRounds(feed, options.matchId, () => replayMessages(loaded, options.matchId, new Date(clock.now()).toISOString(), options.frameIntervalMs), {
        clock,
        speed: options.speed ?? 1,
        signal,
        loop: options.loop ?? false,
        loopDelayMs: options.loopDelayMs ?? 5_000,
      });
    },
  };
}
