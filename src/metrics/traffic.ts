/**
 * Plain per-dialect running totals of what the hub observed, kept next to the Prometheus
 * counters so the dashboard can show rates without parsing the exposition format. Bounded: one
 * entry per dialect and one per close code seen (a handful of each).
 */

/** Cumulative counts of one dialect since start. */
export interface DialectTraffic {
  /** Messages accepted by the broker from this node (publishes into the dialect's channels). */
  messagesIn: number;
  bytesIn: number;
  /** Messages handed to client sockets (live tail). */
  messagesOut: number;
  bytesOut: number;
  /** Messages dropped from slow subscribers by the overflow policy. */
  dropped: number;
  /** Connections the hub closed (slow consumer, overflow, shutdown), by close code. */
  closes: Record<string, number>;
}

/** Close codes counted per dialect before further codes are folded into `other` (cardinality bound). */
const MAX_CODES_PER_DIALECT = 32;
/** Dialect names tracked; anything past this (a misnamed channel prefix) is folded into `other`. */
const MAX_DIALECTS = 32;

export class TrafficTotals {
  readonly #byDialect = new Map<string, DialectTraffic>();

  #of(dialect: string): DialectTraffic {
    let entry = this.#byDialect.get(dialect);
    if (!entry) {
      if (this.#byDialect.size >= MAX_DIALECTS && dialect !== 'other') return this.#of('other');
      entry = { messagesIn: 0, bytesIn: 0, messagesOut: 0, bytesOut: 0, dropped: 0, closes: {} };
      this.#byDialect.set(dialect, entry);
    }
    return entry;
  }

  published(dialect: string, bytes: number): void {
    const t = this.#of(dialect);
    t.messagesIn += 1;
    t.bytesIn += bytes;
  }

  delivered(dialect: string, messages: number, bytes: number): void {
    const t = this.#of(dialect);
    t.messagesOut += messages;
    t.bytesOut += bytes;
  }

  dropped(dialect: string, messages: number): void {
    this.#of(dialect).dropped += messages;
  }

  closed(dialect: string, code: number): void {
    const closes = this.#of(dialect).closes;
    let key = String(code);
    if (!(key in closes) && Object.keys(closes).length >= MAX_CODES_PER_DIALECT) key = 'other';
    closes[key] = (closes[key] ?? 0) + 1;
  }

  /** A copy, safe to serialise. */
  snapshot(): Record<string, DialectTraffic> {
    const out: Record<string, DialectTraffic> = {};
    for (const [dialect, t] of this.#byDialect) out[dialect] = { ...t, closes: { ...t.closes } };
    return out;
  }
}
