import { Deque } from '../../core/index.js';

/** One finished check. */
export interface CheckRecord {
  /** Wall-clock ms when the check started (DATA `d[0]`, notes §5.3 "DATA timing"). */
  readonly time: number;
  readonly status: boolean;
  readonly latency: number;
  readonly detail: string | null;
}

/**
 * The last `limit` checks of one service: feeds `GET /api/status` (latency graph, uptime),
 * in place of the original's per-service SQLite tables (notes §5.3 "process_work").
 */
export class ServiceHistory {
  readonly #limit: number;
  readonly #records = new Deque<CheckRecord>();
  #up = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  add(record: CheckRecord): void {
    this.#records.push(record);
    if (record.status) this.#up += 1;
    while (this.#records.length > this.#limit) {
      const gone = this.#records.shift();
      if (gone?.status) this.#up -= 1;
    }
  }

  get latest(): CheckRecord | null {
    return this.#records.length === 0 ? null : (this.#records.at(this.#records.length - 1) ?? null);
  }

  get length(): number {
    return this.#records.length;
  }

  /** Share of retained checks that were up, in percent with two decimals; null before the first check. */
  uptime(): number | null {
    if (this.#records.length === 0) return null;
    return Math.round((this.#up / this.#records.length) * 10_000) / 100;
  }

  /** `[[unix_ms, latency_ms], …]`, oldest first; down checks are left out, as they have no latency. */
  latencyGraph(): [number, number][] {
    return this.#records
      .toArray()
      .filter((r) => r.status)
      .map((r) => [r.time, r.latency]);
  }
}
