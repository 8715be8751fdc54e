/**
 * A timer at an absolute instant on the injected clock. Node's timers take at most 2^31-1 ms
 * (about 24.8 days) and fire at once past it, so a token whose `exp` is months away would close its
 * connection at once; a far instant is reached in steps.
 */
import type { Clock } from '../../core/index.js';

const MAX_DELAY_MS = 2_147_483_647;

export interface Deadline {
  cancel(): void;
}

export function deadlineAt(clock: Clock, at: number, fn: () => void): Deadline {
  let handle: unknown = null;
  const arm = (): void => {
    const left = at - clock.now();
    handle = left <= MAX_DELAY_MS ? clock.setTimeout(fn, Math.max(0, left)) : clock.setTimeout(arm, MAX_DELAY_MS);
  };
  arm();
  return {
    cancel: () => {
      if (handle !== null) clock.clearTimeout(handle);
      handle = null;
    },
  };
}
