/**
 * relay's "one publisher per channel" cluster-wide (issue #7): the claim is a Redis lease
 * `<prefix>relay-pub:<channel>` holding the claim as JSON, so any node's receivers can check a
 * key against it (`current`). The lease is renewed while the publish lasts and released after its
 * `end` is ordered; a node killed mid-publish frees the channel after `leaseTtlMs`.
 */
import type { Redis } from 'ioredis';
import type { PublishClaim, PublishLease, PublisherRegistry } from '../dialects/relay/publisher-registry.js';
import { HeldLease } from './lease.js';

export class RedisPublisherRegistry implements PublisherRegistry {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #held = new Set<HeldLease>();

  constructor(redis: Redis, options: { keyPrefix: string; leaseTtlMs: number }) {
    this.#redis = redis;
    this.#prefix = options.keyPrefix;
    this.#ttlMs = options.leaseTtlMs;
  }

  /** Leases held by this node (stats, tests). */
  get size(): number {
    return this.#held.size;
  }

  async reserve(channel: string, claim: PublishClaim): Promise<PublishLease | null> {
    const value = JSON.stringify({ publishId: claim.publishId, keyDigest: claim.keyDigest });
    const lease = await HeldLease.acquire(this.#redis, this.#key(channel), value, this.#ttlMs);
    if (!lease) return null;
    this.#held.add(lease);
    lease.onLost(() => this.#held.delete(lease));
    return {
      claim,
      release: async () => {
        this.#held.delete(lease);
        await lease.release();
      },
      onLost: (listener) => lease.onLost(listener),
    };
  }

  async current(channel: string): Promise<PublishClaim | null> {
    const raw = await this.#redis.get(this.#key(channel));
    if (raw === null) return null;
    try {
      const parsed = JSON.parse(raw) as Partial<PublishClaim>;
      return typeof parsed.publishId === 'string' && typeof parsed.keyDigest === 'string'
        ? { publishId: parsed.publishId, keyDigest: parsed.keyDigest }
        : null;
    } catch {
      return null; // not ours (a foreign writer under our prefix): treat as free rather than crash
    }
  }

  /** Releases every lease this node holds (shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.#held].map((lease) => lease.release()));
    this.#held.clear();
  }

  #key(channel: string): string {
    return `${this.#prefix}relay-pub:${channel}`;
  }
}
