/**
 * A dialect's `close()` (issue 14, Dialect.close): every connection ends at its own instant of the
 * jittered window (../drain.ts), each after what is queued for it is written; the wait is bounded
 * by the shutdown deadline on the injected clock, past which the connections whose slot has not
 * come are ended at once. What the dialect does with the leftovers (terminate) follows.
 */
import type { Clock, Subscriber } from '../../../core/index.js';
import { endWhenFlushed, spreadDrain, type Drain } from '../drain.js';

export interface DrainOnClose<T> {
  readonly items: Iterable<T>;
  /** Ends one item; `flushLimitMs` is how long it may wait for its queue to be written. */
  readonly end: (item: T, flushLimitMs: number) => void;
  readonly clock: Clock;
  /** The shutdown deadline (`server.shutdownDeadlineMs`). */
  readonly deadlineMs: number;
  /** The jitter window (`server.shutdownDrainWindowMs`); 0 ends everything at once. */
  readonly drainWindowMs: number;
  /** What "done" means (e.g. every socket closed); default: every item was handed to `end`. */
  readonly settled?: (drain: Drain) => Promise<unknown>;
  readonly random?: () => number;
}

/** Resolves once `settled` resolves or the deadline passed; every item has then been handed to `end`. */
export async function drainWithDeadline<T>(o: DrainOnClose<T>): Promise<void> {
  const flushLimitMs = Math.max(0, o.deadlineMs - o.drainWindowMs);
  const drain = spreadDrain(o.items, (item) => o.end(item, flushLimitMs), {
    windowMs: o.drainWindowMs,
    clock: o.clock,
    ...(o.random ? { random: o.random } : {}),
  });
  const deadline = delay(o.clock, o.deadlineMs);
  // A shutdown in progress is work: the process must not exit while the drain waits, and the
  // injected clock's timers may be unref'd (core/clock.ts). This handle only holds the event loop;
  // every instant above is the injected clock's.
  const hold = setInterval(() => undefined, 1 << 30);
  try {
    await Promise.race([o.settled ? o.settled(drain) : drain.done, deadline.done]);
  } finally {
    clearInterval(hold);
    deadline.cancel();
    drain.endNow();
  }
}

/** A wait on the injected clock that can be cancelled (its timer is then cleared). */
export function delay(clock: Clock, ms: number): { readonly done: Promise<void>; cancel(): void } {
  let timer: unknown = null;
  const done = new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, Math.max(0, ms))));
  return { done, cancel: () => clock.clearTimeout(timer) };
}

/** What a WebSocket session has left to write: the hub's live queue and the socket's buffer. */
export interface WrittenState {
  readonly ws: { readonly readyState: number };
  readonly writer: { readonly bufferedAmount: number };
  readonly subscriber: () => Pick<Subscriber, 'queuedMessages'> | null;
}

/**
 * Runs `end` once what is queued for the connection is written (issue 14: "data already queued
 * for a viewer delivered before its connection ends") or the socket is no longer open, or after
 * `limitMs`.
 */
export function endOnceWritten(end: () => void, state: WrittenState, clock: Clock, limitMs: number): void {
  endWhenFlushed(end, {
    clock,
    limitMs,
    flushed: () => state.ws.readyState !== 1 || ((state.subscriber()?.queuedMessages ?? 0) === 0 && state.writer.bufferedAmount === 0),
  });
}
