/**
 * "Once per cluster" work by role (issue #7; the Redis `lease(role)` port): every node tries to
 * take the lease `<prefix>leader:<role>` every ttl/3; the holder renews it. When the holder dies
 * its lease expires after `leaseTtlMs` and the next node to try takes over. `held()` is
 * synchronous so a work loop can ask it before every round.
 */
import type { CoordinationRedis } from './redis-client.js';
import type { Lease } from '../coordination/ports.js';
import type { Logger } from '../core/index.js';
import { HeldLease } from './lease.js';

export class RedisLeadership implements Lease {
  readonly #redis: CoordinationRedis;
  readonly #key: string;
  readonly #nodeId: string;
  readonly #ttlMs: number;
  readonly #log: Logger;
  #lease: HeldLease | null = null;
  #timer: NodeJS.Timeout | null = null;
  #trying = false;
  #elections = 0;

  constructor(redis: CoordinationRedis, options: { keyPrefix: string; role: string; nodeId: string; leaseTtlMs: number; log: Logger }) {
    this.#redis = redis;
    this.#key = `${options.keyPrefix}leader:${options.role}`;
    this.#nodeId = options.nodeId;
    this.#ttlMs = options.leaseTtlMs;
    this.#log = options.log;
  }

  /** True while this node holds the lease. */
  held(): boolean {
    return this.#lease?.held ?? false;
  }

  /** Times this node became leader (stats, tests). */
  get elections(): number {
    return this.#elections;
  }

  /** Starts competing (first attempt now). Idempotent. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.#tryTake(), Math.max(1, Math.floor(this.#ttlMs / 3)));
    this.#timer.unref();
    void this.#tryTake();
  }

  /** Stops competing and hands the lease back, so another node takes over at its next attempt. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    const lease = this.#lease;
    this.#lease = null;
    await lease?.release();
  }

  async #tryTake(): Promise<void> {
    if (this.#trying || this.held() || !this.#timer) return;
    this.#trying = true;
    try {
      const lease = await HeldLease.acquire(this.#redis, this.#key, this.#nodeId, this.#ttlMs);
      if (!lease) return;
      if (!this.#timer) return void (await lease.release()); // stopped while acquiring
      this.#lease = lease;
      this.#elections += 1;
      this.#log.info({ lease: this.#key }, 'cluster lease taken: this node leads');
      lease.onLost(() => this.#log.warn({ lease: this.#key }, 'cluster lease lost: this node no longer leads'));
    } catch {
      // Redis unreachable: try again at the next tick (the connection logs the fault once).
    } finally {
      this.#trying = false;
    }
  }
}
