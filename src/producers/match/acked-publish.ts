/**
 * How StreamHub's own match producers publish (issue 15 item 3; match PROTOCOL.md §3.3 "Zero
 * loss"): a message counts as sent only once the feed acknowledged it; a broker failure (Redis
 * down, a command timeout that may or may not have published) is retried with the same
 * idempotency key until it is acknowledged, so the message is published exactly once and the
 * ones after it wait (order kept). An invalid message is not retried: it fails the producer.
 */
import type { Clock } from '../../core/index.js';
import type { SpecMessage } from '../../dialects/match/spec.js';
import type { MatchFeed } from '../types.js';
import { sleep } from './sleep.js';

export interface RetrySettings {
  /** First wait before a resend (default 100 ms); doubled per attempt up to `maxDelayMs`. */
  readonly minDelayMs: number;
  /** Longest wait between resends (default 5 000 ms). */
  readonly maxDelayMs: number;
}

export const RETRY_DEFAULTS: RetrySettings = { minDelayMs: 100, maxDelayMs: 5_000 };

/** `ERR_INVALID_MESSAGE` (src/errors.ts) means the message itself is refused: resending cannot help. */
function isRefusal(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'ERR_INVALID_MESSAGE';
}

/**
 * Publishes `message` under `key` until acknowledged. Resolves true once it is, false when
 * `signal` aborts first; rejects when the message is refused as invalid.
 */
export async function publishAcked(
  feed: MatchFeed,
  matchId: string,
  message: SpecMessage,
  key: string,
  options: { readonly clock: Clock; readonly signal: AbortSignal; readonly retry?: RetrySettings; readonly onRetry?: (err: unknown) => void },
): Promise<boolean> {
  const retry = options.retry ?? RETRY_DEFAULTS;
  for (let attempt = 0; ; attempt++) {
    try {
      await feed.publish(matchId, message, { idempotencyKey: key });
      return true;
    } catch (err) {
      if (isRefusal(err)) throw err;
      options.onRetry?.(err);
    }
    const delay = Math.min(retry.maxDelayMs, retry.minDelayMs * 2 ** Math.min(attempt, 20));
    if (!(await sleep(options.clock, delay, options.signal))) return false;
  }
}
