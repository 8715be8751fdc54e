/**
 * The per-node new-connection rate limit (issue 15 item 7: reconnect storms). When a node with
 * thousands of viewers dies they all reconnect to the others within seconds; every newcomer costs
 * a handshake, an auth check and a snapshot + ring replay, so a node admits new connections at a
 * bounded rate (a token bucket, as Centrifugo's `connection_rate_limit`) and tells the others when
 * to come back. It is checked at the HTTP upgrade (Engine.IO handshake for spectra), never at TCP
 * accept: a refused client must get a specified answer (DESIGN.md "Every refusal is specified").
 */
import type { Clock } from '../core/index.js';
import { ErrorCode, StreamHubError } from '../errors.js';

/** One bucket: `perSecond` tokens are added per second, at most `burst` are held. */
export interface RateSettings {
  readonly perSecond: number;
  readonly burst: number;
}

/** Admitted, or refused with the number of whole seconds after which a retry should find a token. */
export type RateVerdict = { readonly admitted: true } | { readonly admitted: false; readonly retryAfterSeconds: number };

/** What a listener asks before it takes a new connection. */
export interface ConnectionRateGate {
  tryAdmit(): RateVerdict;
}

/**
 * A token bucket on the injected clock. It starts full. Besides the tokens it keeps a cursor of
 * the retries it has already promised, so that the Nth client refused in a burst is told to come
 * back when the Nth token will be there, not all of them at the same second.
 */
export class TokenBucket {
  readonly #settings: RateSettings;
  readonly #clock: Clock;
  #tokens: number;
  #at: number;
  /** Instant (ms) up to which the refill is already promised to refused clients. */
  #promisedUntil: number;

  constructor(settings: RateSettings, clock: Clock) {
    if (!(settings.perSecond > 0) || !(settings.burst >= 1)) throw new StreamHubError(ErrorCode.config, 'a token bucket needs perSecond > 0 and burst >= 1');
    this.#settings = settings;
    this.#clock = clock;
    this.#tokens = settings.burst;
    this.#at = clock.now();
    this.#promisedUntil = this.#at;
  }

  /** Tokens held now (fractional while refilling). */
  get tokens(): number {
    this.#refill();
    return this.#tokens;
  }

  /** True when a token is there (without taking it). */
  ready(): boolean {
    return this.tokens >= 1;
  }

  /** Takes a token if there is one. */
  take(): boolean {
    if (!this.ready()) return false;
    this.#tokens -= 1;
    return true;
  }

  /**
   * Milliseconds after which a client refused now should retry: the time the next unpromised
   * token needs to arrive. Each call promises one more token, so a burst of refusals is spread
   * at the refill rate. Promises reach at most `maxMs` ahead, so those of clients that never came
   * back are forgotten within `maxMs`.
   */
  promiseRetry(maxMs: number): number {
    this.#refill();
    const now = this.#clock.now();
    const interval = 1_000 / this.#settings.perSecond;
    const firstToken = now + Math.max(0, (1 - this.#tokens) * interval);
    this.#promisedUntil = Math.min(now + maxMs, Math.max(this.#promisedUntil + interval, firstToken));
    return this.#promisedUntil - now;
  }

  #refill(): void {
    const now = this.#clock.now();
    // A clock that goes backwards (wall-time adjustments) adds nothing and takes nothing.
    const elapsed = Math.max(0, now - this.#at);
    this.#at = now;
    this.#tokens = Math.min(this.#settings.burst, this.#tokens + (elapsed * this.#settings.perSecond) / 1_000);
  }
}

export interface ConnectionRateOptions {
  /** `server.connectionRate` perSecond/burst: the node's budget, shared by every dialect. Null: unlimited. */
  readonly node: RateSettings | null;
  /** `server.connectionRate.byDialect`: optional tighter budgets of single dialects. */
  readonly byDialect?: Readonly<Record<string, RateSettings>>;
  /** `server.connectionRate.retryAfterMaxSeconds`: the longest `Retry-After` ever given. */
  readonly retryAfterMaxSeconds: number;
  readonly clock: Clock;
}

/**
 * The node's buckets and refusal counts. `gate(dialect)` is what a dialect's listeners ask: a
 * connection takes one token from its dialect's bucket (when it has one) and one from the node's;
 * a refusal takes none, so clients that are told to wait do not eat the budget of those admitted.
 */
export class ConnectionRate {
  readonly #node: TokenBucket | null;
  readonly #byDialect = new Map<string, TokenBucket>();
  readonly #refused = new Map<string, number>();
  readonly #admitted = new Map<string, number>();
  /** Admissions of the node per clock second (epoch second → count), the last RECENT_SECONDS only. */
  readonly #recent = new Map<number, number>();
  readonly #retryAfterMax: number;
  readonly #clock: Clock;

  constructor(options: ConnectionRateOptions) {
    this.#node = options.node ? new TokenBucket(options.node, options.clock) : null;
    for (const [dialect, settings] of Object.entries(options.byDialect ?? {})) {
      this.#byDialect.set(dialect, new TokenBucket(settings, options.clock));
    }
    this.#retryAfterMax = Math.max(1, options.retryAfterMaxSeconds);
    this.#clock = options.clock;
  }

  gate(dialect: string): ConnectionRateGate {
    return { tryAdmit: () => this.#tryAdmit(dialect) };
  }

  /** Connections refused for the rate since start, by dialect (the metric reads it on scrape). */
  refusedByDialect(): Record<string, number> {
    return Object.fromEntries(this.#refused);
  }

  /** Connections admitted by the rate since start, by dialect. */
  admittedByDialect(): Record<string, number> {
    return Object.fromEntries(this.#admitted);
  }

  /**
   * Connections admitted in each of the last 60 clock seconds (oldest first, seconds with none
   * left out): what the node really let in during a storm, for operators and tests.
   */
  admissionsPerSecond(): { readonly second: number; readonly admitted: number }[] {
    return [...this.#recent].sort(([a], [b]) => a - b).map(([second, admitted]) => ({ second, admitted }));
  }

  #tryAdmit(dialect: string): RateVerdict {
    const own = this.#byDialect.get(dialect);
    // Check both before taking either, so a refusal by one bucket costs the other nothing.
    const empty = own && !own.ready() ? own : this.#node && !this.#node.ready() ? this.#node : null;
    if (empty) {
      this.#refused.set(dialect, (this.#refused.get(dialect) ?? 0) + 1);
      // Retry-After is whole seconds [RFC 9110 §10.2.3]; rounded up so a client is never early.
      const seconds = Math.ceil(empty.promiseRetry(this.#retryAfterMax * 1_000) / 1_000);
      return { admitted: false, retryAfterSeconds: Math.min(this.#retryAfterMax, Math.max(1, seconds)) };
    }
    own?.take();
    this.#node?.take();
    this.#admitted.set(dialect, (this.#admitted.get(dialect) ?? 0) + 1);
    this.#countSecond();
    return { admitted: true };
  }

  #countSecond(): void {
    const second = Math.floor(this.#clock.now() / 1_000);
    this.#recent.set(second, (this.#recent.get(second) ?? 0) + 1);
    // Bounded: only the last RECENT_SECONDS seconds are kept.
    if (this.#recent.size > RECENT_SECONDS) {
      for (const old of this.#recent.keys()) if (old <= second - RECENT_SECONDS) this.#recent.delete(old);
    }
  }
}

/** How many clock seconds of admissions `admissionsPerSecond` keeps. */
const RECENT_SECONDS = 60;
