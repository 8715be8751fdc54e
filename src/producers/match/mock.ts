/**
 * `createMockMatch`: a synthetic football match on a compressed timeline (issue #2 "Producers"),
 * so a viewer sees kick-off, passes, shots, goals, cards, a substitution, half-time and full-time
 * within minutes. Messages follow spec 0.1.1 (notes §1.4); timing comes from the injected Clock.
 */
import { systemClock, type Clock } from '../../core/index.js';
import type { SpecMessage } from '../../dialects/match/spec.js';
import type { MatchFeed, Producer } from '../types.js';
import { MockMatch } from './mock/engine.js';
import { mockMatchInit } from './mock/roster.js';
import { PRODUCER_SPEC_VERSION } from './spec-version.js';
import { playRounds } from './timeline.js';

export interface MockMatchOptions {
  readonly matchId: string;
  /** Default: the system clock. Tests inject ManualClock. */
  readonly clock?: Clock;
  /** Source of randomness in [0, 1). Default Math.random; tests pass a seeded generator. */
  readonly random?: () => number;
  /** Spacing of StateFrames in `t` (default 100 ms = 10 Hz, the seed's "~100 ms windows"); at least 20. */
  readonly frameIntervalMs?: number;
  /** Replay speed factor (default 1). */
  readonly speed?: number;
  /** Start a new match (new MatchInit) after each full-time. Default false. */
  readonly loop?: boolean;
  /** Length of one half in `t` (default 180 000 ms: three minutes for 45 match minutes). */
  readonly halfMs?: number;
  /** Half-time break in `t` (default 15 000 ms). */
  readonly halfTimeMs?: number;
  /** Wall-time pause between two matches when looping (default 5 000 ms). */
  readonly loopDelayMs?: number;
}

export const MOCK_DEFAULTS = { frameIntervalMs: 100, speed: 1, halfMs: 180_000, halfTimeMs: 15_000, loopDelayMs: 5_000 } as const;

/**
 * One synthetic match: its MatchInit, then every StateFrame and event in `t` order. Pure apart
 * from `random`; `startTime` is the ISO wall time of `t = 0`.
 */
export function* mockMatchMessages(matchId: string, startTime: string, options: Omit<MockMatchOptions, 'matchId' | 'clock' | 'speed' | 'loop'> = {}): Generator<SpecMessage> {
  const init = mockMatchInit(matchId, startTime, PRODUCER_SPEC_VERSION);
  yield init;
  const timing = {
    frameIntervalMs: Math.max(20, options.frameIntervalMs ?? MOCK_DEFAULTS.frameIntervalMs),
    halfMs: options.halfMs ?? MOCK_DEFAULTS.halfMs,
    halfTimeMs: options.halfTimeMs ?? MOCK_DEFAULTS.halfTimeMs,
  };
  yield* new MockMatch(init, options.random ?? Math.random, timing).messages();
}

/** A Producer that publishes synthetic matches to `feed` under `options.matchId` until aborted. */
export function createMockMatch(feed: MatchFeed, options: MockMatchOptions): Producer {
  const clock = options.clock ?? systemClock;
  return {
    name: `mock:${options.matchId}`,
    run: (signal) =>
      playRounds(feed, options.matchId, () => mockMatchMessages(options.matchId, new Date(clock.now()).toISOString(), options), {
        clock,
        speed: options.speed ?? MOCK_DEFAULTS.speed,
        signal,
        loop: options.loop ?? false,
        loopDelayMs: options.loopDelayMs ?? MOCK_DEFAULTS.loopDelayMs,
      }),
  };
}
