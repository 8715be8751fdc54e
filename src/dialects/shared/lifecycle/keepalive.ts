/**
 * App-level keepalive of one connection, on the injected clock: a beat every interval (relay's
 * text `h`, seed 002 §Heartbeat; nova's `ping {sequence}`, seed 001 §6) and a read deadline that
 * inbound frames push back (relay notes §3.3, nova notes §2.4.2), or an outbound idle beat (match's
 * `x_keepalive`, seed 000). Every deadline is kept by the clock's one shared sweep (timer-sweep.ts);
 * `touch` only records the time, so there is no timer churn per message.
 */
import type { Clock } from '../../../core/index.js';
import { sweepOf, type Due, type TimerSweep } from './timer-sweep.js';

/** Calls `fn` every `intervalMs` until stopped (a deadline of the clock's shared sweep, no timer of its own). */
export class Repeat implements Due {
  readonly #sweep: TimerSweep;
  readonly #intervalMs: number;
  readonly #fn: (now: number) => void;
  dueAt = 0;
  slot = -1;
  #stopped = false;

  constructor(clock: Clock, intervalMs: number, fn: (now: number) => void) {
    this.#sweep = sweepOf(clock);
    this.#intervalMs = intervalMs;
    this.#fn = fn;
  }

  start(): void {
    if (this.#stopped || this.slot >= 0 || this.#intervalMs <= 0) return;
    this.#sweep.schedule(this, this.#sweep.clock.now() + this.#intervalMs);
  }

  stop(): void {
    this.#stopped = true;
    this.#sweep.cancel(this);
  }

  /** The sweep: the interval is over. */
  fire(now: number): void {
    if (this.#stopped) return;
    this.#fn(now);
    if (!this.#stopped && this.slot < 0) this.#sweep.schedule(this, now + this.#intervalMs);
  }
}

/**
 * Fires `onIdle(idleForMs)` once nothing was `touch`ed for `idleMs`. With `repeat`, it keeps
 * running after firing (an outbound keepalive: the callback sends, the next period starts);
 * without, it fires once (a read deadline: the callback drops the peer). `touch` only records the
 * time; at the deadline the remainder since the last touch is scheduled again.
 */
export class IdleDeadline implements Due {
  readonly #sweep: TimerSweep;
  readonly #idleMs: number;
  readonly #onIdle: (idleForMs: number) => void;
  readonly #repeat: boolean;
  #lastAt: number;
  dueAt = 0;
  slot = -1;
  #stopped = false;

  constructor(clock: Clock, idleMs: number, onIdle: (idleForMs: number) => void, repeat = false) {
    this.#sweep = sweepOf(clock);
    this.#idleMs = idleMs;
    this.#onIdle = onIdle;
    this.#repeat = repeat;
    this.#lastAt = clock.now();
  }

  start(): void {
    if (this.#stopped || this.slot >= 0 || this.#idleMs <= 0) return;
    this.#sweep.schedule(this, this.#lastAt + this.#idleMs);
  }

  touch(): void {
    this.#lastAt = this.#sweep.clock.now();
  }

  stop(): void {
    this.#stopped = true;
    this.#sweep.cancel(this);
  }

  /** The sweep: the deadline set from an earlier touch is reached. */
  fire(now: number): void {
    if (this.#stopped) return;
    const idleFor = now - this.#lastAt;
    if (idleFor < this.#idleMs) return this.#sweep.schedule(this, this.#lastAt + this.#idleMs);
    if (!this.#repeat) {
      this.#stopped = true;
      this.#onIdle(idleFor);
      return;
    }
    this.#lastAt = now;
    this.#onIdle(idleFor);
    if (!this.#stopped && this.slot < 0) this.#sweep.schedule(this, now + this.#idleMs);
  }
}

/** A beat every interval and a read deadline, as one connection's app-level keepalive. */
export interface AppKeepaliveOptions {
  readonly clock: Clock;
  readonly beatIntervalMs: number;
  readonly idleTimeoutMs: number;
  /** Sends the beat. */
  readonly beat: (now: number) => void;
  /** Called once when nothing arrived within `idleTimeoutMs`. */
  readonly onIdle: (silentForMs: number) => void;
}

export class AppKeepalive {
  readonly #beat: Repeat;
  readonly #deadline: IdleDeadline;

  constructor(o: AppKeepaliveOptions) {
    this.#beat = new Repeat(o.clock, o.beatIntervalMs, o.beat);
    this.#deadline = new IdleDeadline(o.clock, o.idleTimeoutMs, (silentFor) => {
      this.#beat.stop();
      o.onIdle(silentFor);
    });
  }

  start(): void {
    this.#beat.start();
    this.#deadline.start();
  }

  /** Something arrived: the read deadline starts again. */
  touch(): void {
    this.#deadline.touch();
  }

  stop(): void {
    this.#beat.stop();
    this.#deadline.stop();
  }
}
