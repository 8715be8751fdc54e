import type { Clock } from '../../core/index.js';

export interface HeartbeatOptions {
  readonly clock: Clock;
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
  readonly idleTimeoutMs: number;
  /** Sends `ping {sequence, timestamp}` and an RFC 6455 ping. */
  readonly sendPing: (sequence: number, now: number) => void;
  /** No inbound frame for `idleTimeoutMs`. */
  readonly onIdle: (silentForMs: number) => void;
}

/**
 * One connection's keepalive (seed 001 §6; notes §2.4.1–§2.4.2): a ping every interval with a
 * per-connection sequence from 1; liveness is any inbound frame, checked by one timer that
 * re-arms for the remaining time (no timer churn per message); the seed's 10 s "ping timeout"
 * only bounds which pongs count for latency.
 */
export class Heartbeat {
  readonly #o: HeartbeatOptions;
  #sequence = 0;
  #sentAt = 0;
  #lastInboundAt: number;
  #latencyMs: number | null = null;
  #pingTimer: unknown = null;
  #idleTimer: unknown = null;
  #stopped = false;

  constructor(options: HeartbeatOptions) {
    this.#o = options;
    this.#lastInboundAt = options.clock.now();
  }

  /** Round-trip time of the last pong that echoed the awaited sequence in time; null before one. */
  get latencyMs(): number | null {
    return this.#latencyMs;
  }

  start(): void {
    const { clock } = this.#o;
    this.#pingTimer = clock.setTimeout(() => this.#ping(), this.#o.pingIntervalMs);
    this.#idleTimer = clock.setTimeout(() => this.#checkIdle(), this.#o.idleTimeoutMs);
  }

  /** Any inbound frame: text, binary, RFC 6455 ping or pong. */
  touch(): void {
    this.#lastInboundAt = this.#o.clock.now();
  }

  /** A `pong` event; `sequence` is optional (the example client never sends one, notes §2.3). */
  pong(sequence: number | null): void {
    if (sequence === null || sequence !== this.#sequence || this.#sentAt === 0) return;
    const rtt = this.#o.clock.now() - this.#sentAt;
    if (rtt <= this.#o.pingTimeoutMs) this.#latencyMs = rtt;
    this.#sentAt = 0;
  }

  stop(): void {
    this.#stopped = true;
    const { clock } = this.#o;
    if (this.#pingTimer !== null) clock.clearTimeout(this.#pingTimer);
    if (this.#idleTimer !== null) clock.clearTimeout(this.#idleTimer);
    this.#pingTimer = this.#idleTimer = null;
  }

  #ping(): void {
    this.#pingTimer = null;
    if (this.#stopped) return;
    const now = this.#o.clock.now();
    this.#sequence += 1;
    this.#sentAt = now;
    this.#o.sendPing(this.#sequence, now);
    if (!this.#stopped) this.#pingTimer = this.#o.clock.setTimeout(() => this.#ping(), this.#o.pingIntervalMs);
  }

  #checkIdle(): void {
    this.#idleTimer = null;
    if (this.#stopped) return;
    const silentFor = this.#o.clock.now() - this.#lastInboundAt;
    if (silentFor >= this.#o.idleTimeoutMs) {
      this.#o.onIdle(silentFor);
      return;
    }
    this.#idleTimer = this.#o.clock.setTimeout(() => this.#checkIdle(), this.#o.idleTimeoutMs - silentFor);
  }
}

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
