/**
 * Paces a match's spec messages onto the wall clock: `match.init` at once, every later message at
 * `start + t / speed` (notes §1.4: `t` is ms since match.init). Timing comes from the injected
 * Clock, so tests drive it with ManualClock and never sleep.
 */
import type { Clock } from '../../core/index.js';
import type { SpecMessage } from '../../dialects/match/spec.js';
import type { MatchFeed } from '../types.js';
import { publishAcked, type RetrySettings } from './acked-publish.js';
import { sleep } from './sleep.js';

export { sleep } from './sleep.js';

export interface PlayOptions {
  readonly clock: Clock;
  /** Replay speed factor: 2 plays a match twice as fast as its `t` says. */
  readonly speed: number;
  readonly signal: AbortSignal;
  /** Resend timing of a message the feed failed to publish (default 100 ms doubling to 5 s). */
  readonly retry?: RetrySettings;
}

/** A key unique to one played round, so that each message of it has its own idempotency key. */
function roundId(clock: Clock): string {
  return `${clock.now().toString(36)}.${Math.floor(Math.random() * 36 ** 6).toString(36)}`;
}

/**
 * Publishes `messages` (a MatchInit first, then t-ordered messages) in time. Messages already due
 * (after a stall, or at a high speed) go out back to back without a timer, so the stream catches
 * up rather than drifting. A message the feed fails to publish is resent under the same idempotency
 * key until acknowledged (acked-publish.ts). Resolves true at the end, false when aborted; rejects
 * when the feed refuses a message as invalid.
 */
export async function playTimeline(feed: MatchFeed, matchId: string, messages: Iterable<SpecMessage>, options: PlayOptions): Promise<boolean> {
  const { clock, speed, signal } = options;
  const start = clock.now();
  const round = roundId(clock);
  let index = 0;
  for (const message of messages) {
    if (signal.aborted) return false;
    const t = message.type === 'match.init' ? 0 : message.t;
    const wait = start + t / speed - clock.now();
    if (wait > 0 && !(await sleep(clock, wait, signal))) return false;
    // Acknowledged or retried under the same key (issue 15 item 3): a broker fault delays, never loses or repeats.
    const key = `${round}:${++index}`;
    if (!(await publishAcked(feed, matchId, message, key, { clock, signal, ...(options.retry ? { retry: options.retry } : {}) }))) return false;
  }
  return !signal.aborted;
}

export interface LoopOptions extends PlayOptions {
  readonly loop: boolean;
  /** Wall-time pause between two matches when looping. */
  readonly loopDelayMs: number;
}

/**
 * Plays one match, or match after match when `loop` is set: each round calls `build` again so the
 * next match starts with a new MatchInit (seed 000: "clients must tolerate MatchInit more than once").
 */
export async function playRounds(feed: MatchFeed, matchId: string, build: () => Iterable<SpecMessage>, options: LoopOptions): Promise<void> {
  for (;;) {
    const finished = await playTimeline(feed, matchId, build(), options);
    if (!finished || !options.loop) return;
    if (!(await sleep(options.clock, options.loopDelayMs, options.signal))) return;
  }
}
