import type { CounterTable } from '../../coordination/ports.js';
import type { Clock } from '../../core/index.js';

/**
 * Where viewer counts come from: the `counters('nova-viewers')` port (issue 16 item 2). One node
 * counts its own viewers; a cluster sums every node's and calls the change listeners when the sum
 * moves, so nothing else in the dialect changes (issue #3). Keys are stream ids.
 */
export type ViewerCountSource = CounterTable;

/** The counter table nova asks the coordination ports for (Redis keys `<prefix>nova-viewers:…`, docs/cluster.md). */
export const VIEWER_COUNTS_TABLE = 'nova-viewers';

export interface CountBroadcast {
  readonly streamId: string;
  readonly viewerCount: number;
  /** Net change since the previous broadcast of this stream (seed: `change`; notes §2.4.7). */
  readonly change: number;
  readonly time: number;
}

/**
 * Coalesces joins and leaves: the first change of a stream arms a timer of `windowMs`
 * (seed: "typically 10-100ms delay for batching"); when it fires, one broadcast carries the
 * count and the net change since the last broadcast. A net change of zero broadcasts nothing.
 * Only live streams broadcast (`isLive`), so a stream's end silences its count.
 */
export class ViewerCountCoalescer {
  readonly #source: ViewerCountSource;
  readonly #clock: Clock;
  readonly #windowMs: number;
  readonly #isLive: (streamId: string) => boolean;
  readonly #broadcast: (update: CountBroadcast) => void;
  readonly #timers = new Map<string, unknown>();
  /** Count at the last broadcast, per live stream (the baseline of the next `change`). */
  readonly #last = new Map<string, number>();
  readonly #unsubscribe: () => void;

  constructor(options: {
    source: ViewerCountSource;
    clock: Clock;
    windowMs: number;
    isLive: (streamId: string) => boolean;
    broadcast: (update: CountBroadcast) => void;
  }) {
    this.#source = options.source;
    this.#clock = options.clock;
    this.#windowMs = options.windowMs;
    this.#isLive = options.isLive;
    this.#broadcast = options.broadcast;
    this.#unsubscribe = this.#source.onChange((id) => this.#changed(id));
  }

  /** A stream (re)started: the baseline is its current count, and no pending change carries over. */
  reset(streamId: string): void {
    this.#cancel(streamId);
    this.#last.set(streamId, this.#source.count(streamId));
  }

  /** A stream ended: drop its pending broadcast and baseline. */
  forget(streamId: string): void {
    this.#cancel(streamId);
    this.#last.delete(streamId);
  }

  close(): void {
    this.#unsubscribe();
    for (const id of [...this.#timers.keys()]) this.#cancel(id);
    this.#last.clear();
  }

  #changed(streamId: string): void {
    if (this.#timers.has(streamId) || !this.#isLive(streamId)) return;
    this.#timers.set(
      streamId,
      this.#clock.setTimeout(() => this.#fire(streamId), this.#windowMs),
    );
  }

  #fire(streamId: string): void {
    this.#timers.delete(streamId);
    if (!this.#isLive(streamId)) return;
    const count = this.#source.count(streamId);
    const change = count - (this.#last.get(streamId) ?? 0);
    this.#last.set(streamId, count);
    if (change !== 0) this.#broadcast({ streamId, viewerCount: count, change, time: this.#clock.now() });
  }

  #cancel(streamId: string): void {
    const timer = this.#timers.get(streamId);
    if (timer === undefined) return;
    this.#clock.clearTimeout(timer);
    this.#timers.delete(streamId);
  }
}
