/**
 * "One publisher per channel", behind a small interface so that a cluster-wide lease (a Redis
 * `SET NX PX` with renewal) can replace the in-process map without touching the sessions.
 */

/** Who holds a channel: enough for any node to check a receiver's key. */
export interface PublishClaim {
  /** Unique per publish session; tags the control messages of that publish. */
  readonly publishId: string;
  /** `keyDigest(key)` of the publisher's key; the key itself is never stored. */
  readonly keyDigest: string;
}

/** A held reservation. */
export interface PublishLease {
  readonly claim: PublishClaim;
  /** Frees the channel. Idempotent; never rejects. */
  release(): Promise<void>;
  /**
   * Registers a call for when the reservation is lost without being released (a cluster lease
   * that could not be renewed: another node may now hold the channel). The in-process registry
   * never loses one, so it leaves this out.
   */
  onLost?(listener: () => void): void;
}

export interface PublisherRegistry {
  /**
   * Atomically reserves `channel` for `claim` (notes §3.4: the original's check-then-register
   * race is closed here). Resolves null when another publish holds it.
   */
  reserve(channel: string, claim: PublishClaim): Promise<PublishLease | null>;
  /** The claim currently holding `channel`, or null. */
  current(channel: string): Promise<PublishClaim | null>;
}

/** The in-process registry: correct for one node, and the test double for a cluster lease. */
export class MemoryPublisherRegistry implements PublisherRegistry {
  readonly #held = new Map<string, PublishClaim>();

  get size(): number {
    return this.#held.size;
  }

  async reserve(channel: string, claim: PublishClaim): Promise<PublishLease | null> {
    // The check and the set happen in one synchronous step: nothing can interleave.
    if (this.#held.has(channel)) return null;
    this.#held.set(channel, claim);
    return {
      claim,
      release: async () => {
        if (this.#held.get(channel) === claim) this.#held.delete(channel);
      },
    };
  }

  async current(channel: string): Promise<PublishClaim | null> {
    return this.#held.get(channel) ?? null;
  }
}
