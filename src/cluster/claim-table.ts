/**
 * One holder per key cluster-wide (issue #7; the Redis `claims(name)` port: e.g. one publisher
 * per channel): a claim is a Redis lease `<prefix><name>:<key>` holding the claim as
 * JSON, so any node can check a later request against it (`current`). The lease is renewed while
 * the claim lasts and released on `release`; a node killed while holding it frees the key after
 * `leaseTtlMs`.
 */
import type { CoordinationRedis } from './redis-client.js';
import type { Claim, ClaimHandle, ClaimTable } from '../coordination/ports.js';
import { HeldLease } from './lease.js';

/**
 * The stored value keeps the field names nodes have written since issue #7 (docs/cluster.md
 * "Coordination keys": `{"publishId","keyDigest"}`), so nodes before and after the ports change
 * read each other's claims during a rolling upgrade: nothing in Redis is migrated.
 */
interface StoredClaim {
  readonly publishId: string;
  readonly keyDigest: string;
}

const encode = (claim: Claim): string => JSON.stringify({ publishId: claim.holderId, keyDigest: claim.digest } satisfies StoredClaim);

function decode(raw: string): Claim | null {
  try {
    const stored = JSON.parse(raw) as Partial<StoredClaim>;
    return typeof stored.publishId === 'string' && typeof stored.keyDigest === 'string' ? { holderId: stored.publishId, digest: stored.keyDigest } : null;
  } catch {
    return null; // not ours (a foreign writer under our prefix): treat as free rather than crash
  }
}

export class RedisClaimTable implements ClaimTable {
  readonly #redis: CoordinationRedis;
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #held = new Set<HeldLease>();

  constructor(redis: CoordinationRedis, options: { keyPrefix: string; name: string; leaseTtlMs: number }) {
    this.#redis = redis;
    this.#prefix = `${options.keyPrefix}${options.name}:`;
    this.#ttlMs = options.leaseTtlMs;
  }

  /** Claims held by this node (stats, tests). */
  get size(): number {
    return this.#held.size;
  }

  async claim(key: string, claim: Claim): Promise<ClaimHandle | null> {
    const lease = await HeldLease.acquire(this.#redis, this.#prefix + key, encode(claim), this.#ttlMs);
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

  async current(key: string): Promise<Claim | null> {
    const raw = await this.#redis.get(this.#prefix + key);
    return raw === null ? null : decode(raw);
  }

  /** Releases every claim this node holds (shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.#held].map((lease) => lease.release()));
    this.#held.clear();
  }
}
