/**
 * Reconnect delays: "full jitter" exponential backoff (AWS Architecture Blog, "Exponential Backoff
 * And Jitter", 2015): delay = random(0, min(cap, base * 2^attempt)). Full jitter spreads a crowd of
 * clients that lost the same server over the whole window, so a restarted node is not hit by all
 * of them in the same instant.
 */
import type { Random } from './clock.js';

export interface BackoffOptions {
  /** Window of the first retry, ms (default 500). */
  readonly baseMs?: number;
  /** Largest window, ms (default 20 000). */
  readonly capMs?: number;
  /** Smallest delay, ms (default 0): keeps a tight loop off a server that refuses at once. */
  readonly minMs?: number;
  /** Give up after this many failed attempts in a row (default Infinity: never). */
  readonly maxAttempts?: number;
}

export const DEFAULT_BACKOFF = { baseMs: 500, capMs: 20_000, minMs: 0, maxAttempts: Infinity } as const;

/** Counts failed attempts since the last success and gives the delay before the next one. */
export class Backoff {
  readonly #options: Required<BackoffOptions>;
  readonly #random: Random;
  #attempt = 0;

  constructor(options: BackoffOptions = {}, random: Random = Math.random) {
    const o = { ...DEFAULT_BACKOFF, ...options };
    if (!(o.baseMs > 0) || !(o.capMs >= o.baseMs) || !(o.minMs >= 0) || !(o.maxAttempts >= 1)) {
      throw new TypeError('backoff: need baseMs > 0, capMs >= baseMs, minMs >= 0, maxAttempts >= 1');
    }
    this.#options = o;
    this.#random = random;
  }

  /** Failed attempts since the last `reset()`. */
  get attempt(): number {
    return this.#attempt;
  }

  /** True once `maxAttempts` failures have been counted. */
  get exhausted(): boolean {
    return this.#attempt >= this.#options.maxAttempts;
  }

  /** The window for the current attempt: min(cap, base * 2^attempt). */
  window(): number {
    // 2^attempt overflows to Infinity for big attempts; min() keeps it at the cap.
    return Math.min(this.#options.capMs, this.#options.baseMs * 2 ** this.#attempt);
  }

  /** Delay before the next attempt, then counts that attempt. */
  next(): number {
    const delay = Math.max(this.#options.minMs, Math.floor(this.#random() * this.window()));
    this.#attempt += 1;
    return delay;
  }

  /** A connection succeeded: start from the base window again. */
  reset(): void {
    this.#attempt = 0;
  }
}
