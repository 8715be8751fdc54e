/**
 * A Redis lease: `SET key value NX PX ttl`, renewed every ttl/3 by a compare-and-PEXPIRE script,
 * released by a compare-and-DEL script. The holder treats the lease as lost when a renewal finds
 * another value (the key expired and someone else took it) or when no renewal succeeded for a
 * two thirds of the ttl (Redis unreachable: the key expires at the ttl and another node may take it), whichever comes first.
 */
import type { CoordinationRedis } from './redis-client.js';

// A missing key is taken back: after Redis lost its data (a restart without persistence) nobody
// else holds it, and giving the lease up would end a healthy claim's session (issue 15 item 1).
const RENEW =
  "local v = redis.call('GET', KEYS[1]) " +
  "if v == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end " +
  "if v == false then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end " +
  'return 0';
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

/** A lease this node holds. */
export class HeldLease {
  readonly #redis: CoordinationRedis;
  readonly #key: string;
  readonly #value: string;
  readonly #ttlMs: number;
  readonly #timer: NodeJS.Timeout;
  readonly #lostListeners = new Set<() => void>();
  #lastRenewed = Date.now();
  #over = false;
  #lost = false;

  private constructor(redis: CoordinationRedis, key: string, value: string, ttlMs: number) {
    this.#redis = redis;
    this.#key = key;
    this.#value = value;
    this.#ttlMs = ttlMs;
    this.#timer = setInterval(() => void this.#renew(), Math.max(1, Math.floor(ttlMs / 3)));
    this.#timer.unref();
  }

  /** Takes `key` for `value` when nobody holds it; null when someone does. Rejects when Redis is unreachable. */
  static async acquire(redis: CoordinationRedis, key: string, value: string, ttlMs: number): Promise<HeldLease | null> {
    const ok = await redis.set(key, value, 'PX', ttlMs, 'NX');
    return ok === 'OK' ? new HeldLease(redis, key, value, ttlMs) : null;
  }

  /**
   * False once lost or released, and also while the last renewal is older than ⅔ of the TTL (an
   * event loop stalled past that may already have lost the key; the next renewal settles it).
   */
  get held(): boolean {
    return !this.#over && Date.now() - this.#lastRenewed < (2 * this.#ttlMs) / 3;
  }

  /** Called once if the lease is lost (not when it is released). */
  onLost(listener: () => void): void {
    if (this.#lost) listener();
    else if (!this.#over) this.#lostListeners.add(listener);
  }

  /** Frees the key if it is still ours. Idempotent; never rejects. */
  async release(): Promise<void> {
    if (this.#over) return;
    this.#end();
    // If Redis is unreachable the key simply expires after the ttl.
    await this.#redis.eval(RELEASE, 1, this.#key, this.#value).catch(() => undefined);
  }

  async #renew(): Promise<void> {
    if (this.#over) return;
    const sent = Date.now(); // the new expiry counts from the request, not the reply
    try {
      const renewed = await this.#redis.eval(RENEW, 1, this.#key, this.#value, String(this.#ttlMs));
      if (this.#over) return;
      if (renewed === 1) this.#lastRenewed = sent;
      else this.#loseIt();
    } catch {
      // Redis unreachable: the key expires a ttl after the last renewal, and then another node may
      // take it. Giving up at two thirds of the ttl leaves a margin, so two holders never overlap.
      if (Date.now() - this.#lastRenewed >= (2 * this.#ttlMs) / 3) this.#loseIt();
    }
  }

  #loseIt(): void {
    if (this.#over) return;
    this.#lost = true;
    this.#end();
    for (const listener of this.#lostListeners) listener();
    this.#lostListeners.clear();
  }

  #end(): void {
    this.#over = true;
    clearInterval(this.#timer);
  }
}
