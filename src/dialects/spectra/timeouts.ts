/**
 * The team-timeout countdown (notes §4.6 "left_timeout / right_timeout"): `timeoutDuration`
 * seconds, ticked every second on the injected Clock. After the 10 s grace period a cancelled
 * timeout counts against the team; an expired one always does. Pure apart from the Clock.
 */
import type { Clock } from '../../core/index.js';
import type { MatchWire } from './model-types.js';

export type TimeoutSide = 'left' | 'right';

/** Cancelling within this many ms refunds the timeout (notes §4.6). */
const TIMEOUT_GRACE_MS = 10_000;
const TICK_MS = 1_000;

export interface TimeoutTimers {
  tick: unknown;
  graceStart: number;
  side: TimeoutSide | null;
}

export interface TimeoutHooks {
  state(): MatchWire;
  changed(): void;
}

export function startTimeout(timers: TimeoutTimers, clock: Clock, side: TimeoutSide, hooks: TimeoutHooks): void {
  stopTimeout(timers, clock);
  timers.side = side;
  timers.graceStart = clock.now();
  const tick = () => {
    const m = hooks.state();
    m.timeoutState.timeRemaining = Math.max(0, m.timeoutState.timeRemaining - 1);
    if (clock.now() - timers.graceStart >= TIMEOUT_GRACE_MS) m.timeoutGracePeriodPassed = true;
    if (m.timeoutState.timeRemaining <= 0) {
      // Expiry: the timeout was used in full.
      const c = m.tools.timeoutCounter;
      if (side === 'left') c.left = Math.max(0, c.left - 1);
      else c.right = Math.max(0, c.right - 1);
      m.timeoutState.leftTeam = false;
      m.timeoutState.rightTeam = false;
      m.timeoutGracePeriodPassed = false;
      timers.tick = null;
      timers.side = null;
    } else {
      timers.tick = clock.setTimeout(tick, TICK_MS);
    }
    hooks.changed();
  };
  if (hooks.state().timeoutState.timeRemaining <= 0) return;
  timers.tick = clock.setTimeout(tick, TICK_MS);
}

/** Stops the countdown. Idempotent. */
export function stopTimeout(timers: TimeoutTimers, clock: Clock): void {
  if (timers.tick !== null) clock.clearTimeout(timers.tick);
  timers.tick = null;
  timers.side = null;
}
