/**
 * One timer for every connection's keepalive deadlines (issue 19: "one shared timer sweep
 * instead of per-connection Timeouts"). Each deadline is an object the sweep keeps in a binary
 * min-heap by due time; the injected clock holds one timer, for the earliest. A connection then
 * costs its deadline objects (a few fields) instead of a Node `Timeout` (~120 B) and a closure per
 * timer, and deadlines still fire at their exact instant, in due order (ManualClock tests see the
 * same times as with one timer each).
 */
import type { Clock } from '../../../core/index.js';

/** A deadline the sweep fires; `slot` is its place in the heap (-1: not scheduled), kept by the sweep. */
export interface Due {
  dueAt: number;
  slot: number;
  fire(now: number): void;
}

export class TimerSweep {
  readonly clock: Clock;
  readonly #heap: Due[] = [];
  #timer: unknown = null;
  #timerAt = Infinity;
  #firing = false;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** Deadlines scheduled (tests, stats). */
  get size(): number {
    return this.#heap.length;
  }

  /** (Re)schedules `due` at `at`. */
  schedule(due: Due, at: number): void {
    due.dueAt = at;
    if (due.slot < 0) {
      due.slot = this.#heap.length;
      this.#heap.push(due);
    }
    this.#siftUp(due.slot);
    this.#siftDown(due.slot);
    this.#arm();
  }

  cancel(due: Due): void {
    const i = due.slot;
    if (i < 0) return;
    due.slot = -1;
    const last = this.#heap.pop()!;
    if (last !== due) {
      this.#heap[i] = last;
      last.slot = i;
      this.#siftUp(i);
      this.#siftDown(last.slot);
    }
    this.#arm();
  }

  #arm(): void {
    if (this.#firing) return;
    const next = this.#heap[0];
    const at = next ? next.dueAt : Infinity;
    if (at === this.#timerAt) return;
    if (this.#timer !== null) this.clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerAt = at;
    if (next) this.#timer = this.clock.setTimeout(() => this.#run(), Math.max(0, at - this.clock.now()));
  }

  #run(): void {
    this.#timer = null;
    this.#timerAt = Infinity;
    this.#firing = true;
    try {
      const now = this.clock.now();
      for (let next = this.#heap[0]; next && next.dueAt <= now; next = this.#heap[0]) {
        this.cancel(next);
        try {
          next.fire(now);
        } catch {
          // One connection's failing callback must not stop the others' deadlines.
        }
      }
    } finally {
      this.#firing = false;
      this.#arm();
    }
  }

  #less(a: number, b: number): boolean {
    return this.#heap[a]!.dueAt < this.#heap[b]!.dueAt;
  }

  #swap(a: number, b: number): void {
    const heap = this.#heap;
    const x = heap[a]!;
    const y = heap[b]!;
    heap[a] = y;
    heap[b] = x;
    y.slot = a;
    x.slot = b;
  }

  #siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(i, parent)) return;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #siftDown(i: number): void {
    const n = this.#heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < n && this.#less(l, min)) min = l;
      if (r < n && this.#less(r, min)) min = r;
      if (min === i) return;
      this.#swap(i, min);
      i = min;
    }
  }
}

const sweeps = new WeakMap<Clock, TimerSweep>();

/** The one sweep of a clock (every dialect on the node shares it). */
export function sweepOf(clock: Clock): TimerSweep {
  let sweep = sweeps.get(clock);
  if (!sweep) sweeps.set(clock, (sweep = new TimerSweep(clock)));
  return sweep;
}
