import type { Clock } from '../../core/index.js';
import { AppKeepalive } from '../shared/lifecycle/index.js';

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
 * per-connection sequence from 1; liveness is any inbound frame (the shared read deadline,
 * shared/lifecycle/keepalive.ts); the seed's 10 s "ping timeout" only bounds which pongs count
 * for latency.
 */
export class Heartbeat {
  readonly #o: HeartbeatOptions;
  readonly #keepalive: AppKeepalive;
  #sequence = 0;
  #sentAt = 0;
  #latencyMs: number | null = null;

  constructor(options: HeartbeatOptions) {
    this.#o = options;
    this.#keepalive = new AppKeepalive({
      clock: options.clock,
      beatIntervalMs: options.pingIntervalMs,
      idleTimeoutMs: options.idleTimeoutMs,
      beat: (now) => this.#ping(now),
      onIdle: options.onIdle,
    });
  }

  /** Round-trip time of the last pong that echoed the awaited sequence in time; null before one. */
  get latencyMs(): number | null {
    return this.#latencyMs;
  }

  start(): void {
    this.#keepalive.start();
  }

  /** Any inbound frame: text, binary, RFC 6455 ping or pong. */
  touch(): void {
    this.#keepalive.touch();
  }

  /** A `pong` event; `sequence` is optional (the example client never sends one, notes §2.3). */
  pong(sequence: number | null): void {
    if (sequence === null || sequence !== this.#sequence || this.#sentAt === 0) return;
    const rtt = this.#o.clock.now() - this.#sentAt;
    if (rtt <= this.#o.pingTimeoutMs) this.#latencyMs = rtt;
    this.#sentAt = 0;
  }

  stop(): void {
    this.#keepalive.stop();
  }

  #ping(now: number): void {
    this.#sequence += 1;
    this.#sentAt = now;
    this.#o.sendPing(this.#sequence, now);
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
