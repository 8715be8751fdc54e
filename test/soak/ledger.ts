/**
 * The account of every message in the soak: what each producer sent (by sequence number) and
 * what each client received, checked for loss, duplicates and reordering.
 */

/** One client's view of one sequenced stream. */
export class Ledger {
  readonly seen: number[] = [];
  duplicates = 0;
  reordered = 0;

  record(seq: number): void {
    const last = this.seen.at(-1);
    if (last !== undefined && seq === last) this.duplicates += 1;
    else if (last !== undefined && seq < last) this.reordered += 1;
    this.seen.push(seq);
  }

  get count(): number {
    return this.seen.length;
  }

  /** Sequence numbers missing between the first and the last seen (a gap inside the run). */
  gaps(): number {
    let missing = 0;
    for (let i = 1; i < this.seen.length; i++) {
      const step = this.seen[i]! - this.seen[i - 1]!;
      if (step > 1) missing += step - 1;
    }
    return missing;
  }
}

export interface StreamAccount {
  readonly dialect: string;
  readonly sent: number;
  /** Well-behaved clients connected for the whole run: each must have received exactly `sent`. */
  readonly steady: { received: number; lost: number; duplicates: number; reordered: number }[];
  /** Clients that joined and left during the run: no gap, duplicate or reordering while connected. */
  readonly joiners: { sessions: number; received: number; gaps: number; duplicates: number; reordered: number };
}

/** Builds a stream's account from its ledgers; `sent` counts sequence numbers 0..sent-1. */
export function account(dialect: string, sent: number, steady: Ledger[], joiners: Ledger[]): StreamAccount {
  return {
    dialect,
    sent,
    steady: steady.map((l) => {
      const distinct = new Set(l.seen);
      let lost = 0;
      for (let i = 0; i < sent; i++) if (!distinct.has(i)) lost += 1;
      return { received: l.count, lost, duplicates: l.duplicates, reordered: l.reordered };
    }),
    joiners: {
      sessions: joiners.length,
      received: joiners.reduce((n, l) => n + l.count, 0),
      gaps: joiners.reduce((n, l) => n + l.gaps(), 0),
      duplicates: joiners.reduce((n, l) => n + l.duplicates, 0),
      reordered: joiners.reduce((n, l) => n + l.reordered, 0),
    },
  };
}
