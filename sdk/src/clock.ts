/**
 * Time and randomness, injected so tests can drive reconnects and token refreshes by hand
 * (STYLE.md rule 9). The default uses the host's timers and Math.random.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** A number in [0, 1). */
export type Random = () => number;
