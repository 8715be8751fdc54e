/** What RedisBroker.stats() reports (for metrics and tests). Plain numbers, no I/O. */
export interface RedisBrokerStats {
  /** Channels this node listens to. */
  readonly channels: number;
  /** Messages delivered from the streams (gap fills after a disconnect) instead of pub/sub. */
  readonly filled: number;
  /** Messages missed during a disconnect that Redis no longer had (volatile, reset or evicted). */
  readonly unrecoverable: number;
  /** Times the Redis data set was found replaced (flush, restart without persistence, failover to an empty replica). */
  readonly dataLosses: number;
  /** Pub/sub messages that were not valid envelopes (skipped). */
  readonly badEnvelopes: number;
  /** Pub/sub reconnects after the first connect. */
  readonly resubscribes: number;
}

/** The Redis broker's counters, behind `stats()` and the health detail (/healthz). */
export class RedisCounters {
  dataLosses = 0;
  unrecoverable = 0;
  filled = 0;
  badEnvelopes = 0;
  /** Pub/sub connections made ready (the first connect included). */
  subscriberReadies = 0;

  stats(channels: number): RedisBrokerStats {
    return {
      channels,
      filled: this.filled,
      unrecoverable: this.unrecoverable,
      dataLosses: this.dataLosses,
      badEnvelopes: this.badEnvelopes,
      resubscribes: Math.max(0, this.subscriberReadies - 1),
    };
  }

  /** The health detail after the connection state: only what an operator must notice. */
  notes(channels: number): string {
    const notes = [`${channels} channels`];
    if (this.dataLosses > 0) notes.push(`redis data lost ${this.dataLosses}x (new epochs)`);
    if (this.unrecoverable > 0) notes.push(`${this.unrecoverable} messages not recoverable after disconnects`);
    if (this.badEnvelopes > 0) notes.push(`${this.badEnvelopes} undecodable messages skipped`);
    return notes.join(', ');
  }
}
