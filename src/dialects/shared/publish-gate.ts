/**
 * Flow control of one producer's publishes (issue 15 item 2, DESIGN.md "Producers"): a producer is
 * slowed by backpressure, never cut off for being fast. The gate counts the bytes and the number of
 * publishes read from one producer and not yet settled by the broker; while either is over its
 * bound the producer's socket is not read (`pause`), so TCP's flow control slows the producer down
 * and nothing it wrote is dropped. Reading resumes once both are back under half their bound (the
 * gap keeps a producer at the limit from toggling its socket on every publish).
 *
 * The bound is soft by what is already read when the gate pauses: `ws` still delivers the frames
 * of the chunk it is parsing (at most one socket read plus one frame, `maxFrameBytes`), so the
 * memory held per producer is at most `maxBytes` + one read + one frame.
 */

/** The bound of one producer's in-flight publishes. */
export interface PublishBudget {
  /** Most bytes (as read from the producer) of publishes not yet settled. */
  readonly maxBytes: number;
  /** Most publishes not yet settled. */
  readonly maxCount: number;
}

/** What the gate stops and restarts: for `ws`, `WebSocket.pause()` / `resume()` (ws ≥ 8.6). */
export interface Pausable {
  pause(): void;
  resume(): void;
}

export class PublishGate {
  readonly #budget: PublishBudget;
  readonly #source: Pausable;
  #bytes = 0;
  #count = 0;
  #paused = false;
  #closed = false;
  /** How many times reading was paused (for tests and stats). */
  pauses = 0;

  constructor(budget: PublishBudget, source: Pausable) {
    this.#budget = budget;
    this.#source = source;
  }

  get inflightBytes(): number {
    return this.#bytes;
  }

  get inflightCount(): number {
    return this.#count;
  }

  get paused(): boolean {
    return this.#paused;
  }

  /**
   * Counts one publish of `bytes` until `publish` settles (either way) and pauses the source once
   * over the budget. Returns `publish` itself, so the caller's own handlers are unaffected.
   */
  track<T>(bytes: number, publish: Promise<T>): Promise<T> {
    this.#bytes += bytes;
    this.#count += 1;
    if (!this.#paused && !this.#closed && (this.#bytes > this.#budget.maxBytes || this.#count >= this.#budget.maxCount)) {
      this.#paused = true;
      this.pauses += 1;
      this.#source.pause();
    }
    const settle = (): void => this.#settle(bytes);
    publish.then(settle, settle);
    return publish;
  }

  /** The source is gone: it is never resumed again (in-flight publishes still settle). */
  close(): void {
    this.#closed = true;
  }

  #settle(bytes: number): void {
    this.#bytes -= bytes;
    this.#count -= 1;
    if (!this.#paused) return;
    if (this.#bytes > this.#budget.maxBytes / 2 || this.#count > this.#budget.maxCount / 2) return;
    this.#paused = false;
    if (!this.#closed) this.#source.resume();
  }
}
