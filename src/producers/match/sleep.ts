/** Waiting on the injected Clock, so that tests drive producers with ManualClock and never sleep. */
import type { Clock } from '../../core/index.js';

/** Resolves true after `ms`, or false as soon as `signal` aborts (the timer is then cleared). */
export function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      resolve(false);
    };
    const handle = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
