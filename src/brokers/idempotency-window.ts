/**
 * The memory broker's idempotency keys of one channel (issue 15 item 3, as Centrifugo's
 * `idempotency_key`): producer-assigned ids remembered for `windowMs` on the broker's clock, at
 * most `maxKeys` of them (the oldest is forgotten first), each with the position it was published at.
 * The Redis broker keeps the same window inside its publish script (redis-publish.lua).
 */
import type { MessageKind } from '../core/index.js';

/** What a repeated key answers: the original message's position and attributes (not its payload). */
export interface RememberedPublish {
  readonly offset: number;
  readonly epoch: string;
  readonly kind: MessageKind;
  readonly time: number;
  readonly publishedAt: number;
}

export interface IdempotencyLimits {
  /** How long a key is remembered after its publish (default 5 min, IDEMPOTENCY_DEFAULTS). */
  readonly windowMs: number;
  /** Most keys remembered per channel; past it the oldest goes first. */
  readonly maxKeys: number;
}

/** Documented defaults (src/brokers/REDIS.md "Settings", docs/config.md `server.idempotency*`). */
export const IDEMPOTENCY_DEFAULTS: IdempotencyLimits = { windowMs: 300_000, maxKeys: 10_000 };

export class IdempotencyWindow {
  /** Insertion order is publish order, so expired and excess keys are always at the head. */
  readonly #keys = new Map<string, RememberedPublish>();
  readonly #limits: IdempotencyLimits;

  constructor(limits: IdempotencyLimits) {
    this.#limits = limits;
  }

  get size(): number {
    return this.#keys.size;
  }

  /** The original publish of `key`, when it is still inside the window at `now`. */
  find(key: string, now: number): RememberedPublish | undefined {
    this.#expire(now);
    return this.#keys.get(key);
  }

  remember(key: string, publish: RememberedPublish): void {
    this.#keys.set(key, publish);
    while (this.#keys.size > this.#limits.maxKeys) {
      const oldest = this.#keys.keys().next().value as string;
      this.#keys.delete(oldest);
    }
  }

  #expire(now: number): void {
    for (const [key, publish] of this.#keys) {
      if (publish.publishedAt > now - this.#limits.windowMs) return;
      this.#keys.delete(key);
    }
  }
}
