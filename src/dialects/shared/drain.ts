/**
 * The jittered drain of a graceful shutdown (issue 14): every connection of a node that stops is
 * ended at its own instant inside a window, so that its clients — which all reconnect, each by its
 * own rule — do not reach the remaining nodes in the same second (Mercure spreads its
 * disconnections the same way). Timers run on the injected clock.
 */
import type { Clock } from '../../core/index.js';

export interface DrainOptions {
  /** Length of the window the ends are spread over (`server.shutdownDrainWindowMs`); 0 ends everything at once. */
  readonly windowMs: number;
  readonly clock: Clock;
  /** Uniform in [0, 1); `Math.random` unless a test fixes it. */
  readonly random?: () => number;
}

export interface Drain {
  /** Resolves once every item has been handed to `end` (by its slot or by `endNow`). */
  readonly done: Promise<void>;
  /** Ends every item whose slot has not come yet (the shutdown deadline passed). */
  endNow(): void;
}

/**
 * Calls `end(item)` once per item, at a random instant inside the item's own slot: with n items,
 * slot i is [i·w/n, (i+1)·w/n) of the window w, and items take the slots in a random order.
 * Stratified jitter: the ends are spread evenly over the window whatever the random draws (never
 * all in one instant), yet no two shutdowns end the same client at the same offset.
 */
export function spreadDrain<T>(items: Iterable<T>, end: (item: T) => void, options: DrainOptions): Drain {
  const random = options.random ?? Math.random;
  const order = shuffle([...items], random);
  const pending = new Map<T, unknown>();
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const endOne = (item: T): void => {
    if (!pending.has(item)) return;
    options.clock.clearTimeout(pending.get(item));
    pending.delete(item);
    endSafely(end, item);
    if (pending.size === 0) finish();
  };
  if (options.windowMs <= 0) {
    // No window: everything ends now, with no timer (a test's ManualClock need not be advanced).
    for (const item of order) endSafely(end, item);
    finish();
    return { done, endNow() {} };
  }
  if (order.length === 0) finish();
  const slotMs = options.windowMs / Math.max(1, order.length);
  order.forEach((item, i) => {
    const at = Math.floor((i + random()) * slotMs);
    pending.set(item, options.clock.setTimeout(() => endOne(item), Math.min(at, Math.max(0, options.windowMs - 1))));
  });
  return {
    done,
    endNow() {
      for (const item of [...pending.keys()]) endOne(item);
    },
  };
}

export interface FlushWait {
  /** True once nothing is left to write for this connection (hub queue and socket buffer empty). */
  readonly flushed: () => boolean;
  readonly clock: Clock;
  /** Longest wait for the flush; past it the connection is ended anyway. */
  readonly limitMs: number;
  /** How often `flushed` is checked again. */
  readonly pollMs?: number;
}

/**
 * Runs `end` once what is already queued for the connection has been written (issue 14: "data
 * already queued for a viewer delivered before its connection ends"), or after `limitMs`.
 */
export function endWhenFlushed(end: () => void, wait: FlushWait): void {
  const pollMs = wait.pollMs ?? 20;
  const giveUpAt = wait.clock.now() + Math.max(0, wait.limitMs);
  const check = (): void => {
    if (wait.flushed() || wait.clock.now() >= giveUpAt) end();
    else wait.clock.setTimeout(check, Math.min(pollMs, giveUpAt - wait.clock.now()));
  };
  check();
}

/** One connection whose end throws (a socket already torn down) must not stop the drain of the others, nor crash the process. */
function endSafely<T>(end: (item: T) => void, item: T): void {
  try {
    end(item);
  } catch {
    // The deadline's terminate pass still drops this connection.
  }
}

function shuffle<T>(list: T[], random: () => number): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}
