import type { Clock } from '../../core/index.js';

export interface LivenessOptions {
  readonly clock: Clock;
  readonly heartbeatIntervalMs: number;
  readonly idleTimeoutMs: number;
  /** Sends the text heartbeat `h`. */
  readonly beat: () => void;
  /** Called once when no data frame arrived within `idleTimeoutMs`. */
  readonly onIdle: () => void;
}

/**
 * Seed §Heartbeat / notes §3.3: the server sends `h` every 20 s, and the read deadline of 60 s is
 * reset only by data frames (text or binary), not by protocol pings. One timer each; `touch` is
 * O(1) (it records the time, the deadline timer re-arms itself for the remainder).
 */
export class Liveness {
  readonly #o: LivenessOptions;
  #lastDataAt: number;
  #beatTimer: unknown = null;
  #idleTimer: unknown = null;
  #stopped = false;

  constructor(options: LivenessOptions) {
    this.#o = options;
    this.#lastDataAt = options.clock.now();
    this.#armBeat();
    this.#armIdle(options.idleTimeoutMs);
  }

  /** A data frame arrived. */
  touch(): void {
    this.#lastDataAt = this.#o.clock.now();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#beatTimer !== null) this.#o.clock.clearTimeout(this.#beatTimer);
    if (this.#idleTimer !== null) this.#o.clock.clearTimeout(this.#idleTimer);
    this.#beatTimer = null;
    this.#idleTimer = null;
  }

  #armBeat(): void {
    this.#beatTimer = this.#o.clock.setTimeout(() => {
      if (this.#stopped) return;
      this.#o.beat();
      this.#armBeat();
    }, this.#o.heartbeatIntervalMs);
  }

  #armIdle(ms: number): void {
    this.#idleTimer = this.#o.clock.setTimeout(() => {
      if (this.#stopped) return;
      const quietFor = this.#o.clock.now() - this.#lastDataAt;
      if (quietFor >= this.#o.idleTimeoutMs) {
        this.#idleTimer = null;
        this.#o.onIdle();
        return;
      }
      this.#armIdle(this.#o.idleTimeoutMs - quietFor);
    }, ms);
  }
}
