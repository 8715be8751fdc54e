/**
 * Log-storm guard (issue 15 item 4): an error that can repeat per message or per connection is
 * logged the first time, then counted; at most once per `intervalMs` one line reports how many
 * more occurred. Keyed by a caller-chosen string (usually the message text plus its code).
 */
import type { Clock, Logger } from '../core/index.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogThrottleOptions {
  readonly clock: Clock;
  /** Shortest gap between two lines for one key; default 5,000 ms. */
  readonly intervalMs?: number;
  /** Most distinct keys tracked at once (bounded memory); the oldest is forgotten first. Default 1,000. */
  readonly maxKeys?: number;
}

interface KeyState {
  lastLoggedAt: number;
  suppressed: number;
  flushTimer: unknown;
}

export class LogThrottle {
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #maxKeys: number;
  readonly #keys = new Map<string, KeyState>();

  constructor(log: Logger, options: LogThrottleOptions) {
    this.#log = log;
    this.#clock = options.clock;
    this.#intervalMs = options.intervalMs ?? 5_000;
    this.#maxKeys = options.maxKeys ?? 1_000;
  }

  /**
   * Logs `msg` at `level` unless the same `key` was logged less than `intervalMs` ago; suppressed
   * occurrences are reported as `{ repeated: N }` on one line when the interval ends.
   */
  log(level: LogLevel, key: string, obj: object, msg: string): void {
    const now = this.#clock.now();
    const state = this.#keys.get(key);
    if (state && now - state.lastLoggedAt < this.#intervalMs) {
      state.suppressed += 1;
      if (state.flushTimer === undefined) {
        const wait = this.#intervalMs - (now - state.lastLoggedAt);
        state.flushTimer = this.#clock.setTimeout(() => this.#flush(level, key, obj, msg), wait);
      }
      return;
    }
    if (!state && this.#keys.size >= this.#maxKeys) this.#forgetOldest();
    if (state && state.suppressed > 0) {
      // Its summary timer is late (a busy event loop): report the count now instead of losing it.
      if (state.flushTimer !== undefined) this.#clock.clearTimeout(state.flushTimer);
      state.flushTimer = undefined;
      this.#log[level]({ ...obj, repeated: state.suppressed }, `${msg} (repeated ${state.suppressed} times)`);
    }
    this.#keys.delete(key); // re-insert: Map order is the age order used by #forgetOldest
    this.#keys.set(key, { lastLoggedAt: now, suppressed: 0, flushTimer: state?.flushTimer });
    this.#log[level](obj, msg);
  }

  warn(key: string, obj: object, msg: string): void {
    this.log('warn', key, obj, msg);
  }

  error(key: string, obj: object, msg: string): void {
    this.log('error', key, obj, msg);
  }

  /** Reports what is still suppressed and cancels the timers (call on shutdown). */
  close(): void {
    for (const [key, state] of this.#keys) {
      if (state.flushTimer !== undefined) this.#clock.clearTimeout(state.flushTimer);
      if (state.suppressed > 0) this.#log.warn({ key, repeated: state.suppressed }, 'repeated log lines suppressed');
    }
    this.#keys.clear();
  }

  #flush(level: LogLevel, key: string, obj: object, msg: string): void {
    const state = this.#keys.get(key);
    if (!state) return;
    state.flushTimer = undefined;
    if (state.suppressed === 0) return;
    const repeated = state.suppressed;
    state.suppressed = 0;
    state.lastLoggedAt = this.#clock.now();
    this.#log[level]({ ...obj, repeated }, `${msg} (repeated ${repeated} times)`);
  }

  #forgetOldest(): void {
    const oldest = this.#keys.keys().next();
    if (oldest.done) return;
    const state = this.#keys.get(oldest.value)!;
    if (state.flushTimer !== undefined) this.#clock.clearTimeout(state.flushTimer);
    this.#keys.delete(oldest.value);
  }
}
