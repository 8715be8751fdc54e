/**
 * A viewer's inbound rate limit (`nova.maxInboundPerSecond`, PROTOCOL.md: past it, close 1008). The keepalive itself (ping every interval,
 * read deadline) lives in session.ts on the clock's shared timer sweep (issue 19).
 */
import type { Clock } from '../../core/index.js';

/** Inbound messages per second, as a token bucket whose burst equals the rate. */
export class RateLimit {
  readonly #rate: number;
  readonly #clock: Clock;
  #tokens: number;
  #at: number;

  constructor(perSecond: number, clock: Clock) {
    this.#rate = perSecond;
    this.#clock = clock;
    this.#tokens = perSecond;
    this.#at = clock.now();
  }

  /** Takes one token; false when the bucket is empty. */
  take(): boolean {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#rate, this.#tokens + ((now - this.#at) / 1000) * this.#rate);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
