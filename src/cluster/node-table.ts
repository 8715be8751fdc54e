/**
 * Counts summed across nodes, with node-scoped entries that vanish when their node dies
 * (issue #7: cluster-wide caps, nova viewer counts). Each node owns one hash
 * `<prefix><table>:n:<nodeId>` (its counts, plus a `_` liveness field) with a TTL of
 * `nodeTtlMs`, rewritten every `syncIntervalMs`; the set `<prefix><table>:nodes` lists the
 * nodes. A node that stops writing (SIGKILL) expires, and the others drop it from the set.
 * Reads are local and synchronous: the other nodes' sums are at most one sync old.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../core/index.js';

export interface NodeTableOptions {
  readonly keyPrefix: string;
  readonly table: string;
  readonly nodeId: string;
  readonly syncIntervalMs: number;
  readonly nodeTtlMs: number;
  readonly log: Logger;
}

export class NodeTable {
  readonly #redis: Redis;
  readonly #o: NodeTableOptions;
  readonly #local = new Map<string, number>();
  #others = new Map<string, number>();
  readonly #listeners = new Set<(changed: readonly string[]) => void>();
  #timer: NodeJS.Timeout | null = null;
  #syncing = false;
  #syncs = 0;
  #failures = 0;

  constructor(redis: Redis, options: NodeTableOptions) {
    this.#redis = redis;
    this.#o = options;
  }

  /** Writes and reads now, then every `syncIntervalMs`. Idempotent. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.sync(), this.#o.syncIntervalMs);
    this.#timer.unref();
    void this.sync();
  }

  /** Stops syncing and deletes this node's entry (a clean leave frees its counts at once). */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#redis
      .multi()
      .del(this.#own())
      .srem(this.#nodes(), this.#o.nodeId)
      .exec()
      .catch(() => undefined);
  }

  /** Adds `delta` to this node's count for `field` (never below 0; 0 takes no memory). */
  adjust(field: string, delta: number): void {
    const next = Math.max(0, (this.#local.get(field) ?? 0) + delta);
    if (next === 0) this.#local.delete(field);
    else this.#local.set(field, next);
  }

  local(field: string): number {
    return this.#local.get(field) ?? 0;
  }

  /** This node's count plus the other live nodes' at the last sync. */
  sum(field: string): number {
    return this.local(field) + (this.#others.get(field) ?? 0);
  }

  /** Called after a sync with the fields whose other-nodes' sum moved. */
  onRemoteChange(listener: (changed: readonly string[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get stats(): { syncs: number; failures: number; fields: number } {
    return { syncs: this.#syncs, failures: this.#failures, fields: this.#local.size };
  }

  /** One write of our counts and one read of everyone else's. Never rejects. */
  async sync(): Promise<void> {
    if (this.#syncing) return;
    this.#syncing = true;
    try {
      const own = this.#own();
      const fields: (string | number)[] = ['_', 1];
      for (const [field, n] of this.#local) fields.push(field, n);
      const written = await this.#redis
        .multi()
        .del(own)
        .hset(own, ...(fields as [string, number]))
        .pexpire(own, this.#o.nodeTtlMs)
        .sadd(this.#nodes(), this.#o.nodeId)
        .smembers(this.#nodes())
        .exec();
      const members = (written?.[4]?.[1] as string[] | undefined) ?? [];
      const others = members.filter((id) => id !== this.#o.nodeId);
      const read = others.length === 0 ? [] : ((await others.reduce((p, id) => p.hgetall(this.#key(id)), this.#redis.pipeline()).exec()) ?? []);
      const sums = new Map<string, number>();
      const dead: string[] = [];
      read.forEach(([err, value], i) => {
        const entry = (err ? null : value) as Record<string, string> | null;
        if (!entry || entry._ === undefined) return void dead.push(others[i]!);
        for (const [field, raw] of Object.entries(entry)) {
          const n = Number(raw);
          if (field !== '_' && Number.isFinite(n) && n > 0) sums.set(field, (sums.get(field) ?? 0) + n);
        }
      });
      if (dead.length > 0) await this.#redis.srem(this.#nodes(), ...dead);
      const changed = [...new Set([...sums.keys(), ...this.#others.keys()])].filter((f) => sums.get(f) !== this.#others.get(f));
      this.#others = sums;
      this.#syncs += 1;
      if (changed.length > 0) for (const listener of this.#listeners) listener(changed);
    } catch (err) {
      // Redis unreachable: keep the last view of the others (caps stay as strict as they were) and retry.
      this.#failures += 1;
      if (this.#failures === 1 || this.#failures % 60 === 0) this.#o.log.warn({ err: (err as Error).message, table: this.#o.table }, 'cluster counters: sync failed');
    } finally {
      this.#syncing = false;
    }
  }

  #own(): string {
    return this.#key(this.#o.nodeId);
  }

  #key(nodeId: string): string {
    return `${this.#o.keyPrefix}${this.#o.table}:n:${nodeId}`;
  }

  #nodes(): string {
    return `${this.#o.keyPrefix}${this.#o.table}:nodes`;
  }
}
