/**
 * Counts summed across nodes, with node-scoped entries that vanish when their node dies
 * (issue #7: cluster-wide caps, counter tables). Each node owns one hash
 * `<prefix><table>:n:<nodeId>` (its counts, plus a `_` liveness field) with a TTL of
 * `nodeTtlMs`, rewritten every `syncIntervalMs`; the set `<prefix><table>:nodes` lists the
 * nodes. A node that stops writing (SIGKILL) expires, and the others drop it from the set.
 * Reads are local and synchronous: the other nodes' sums are at most one sync old.
 *
 * On a Redis Cluster the table's keys share the hash tag `{<table>}`: `<prefix>{<table>}:n:<nodeId>`
 * and `<prefix>{<table>}:nodes`, so the MULTI and the pipelined reads below name one slot (they
 * would fail with CROSSSLOT otherwise), and CLIENT LIST asks the master of that slot, the Redis
 * every live node writes this table to. On one Redis the keys stay as they were (docs/cluster.md
 * "Redis Cluster": nothing to migrate).
 */
import { Cluster } from 'ioredis';
import { keySlot } from '../util/redis-cluster-slot.js';
import type { CoordinationRedis } from './redis-client.js';
import type { Logger } from '../core/index.js';
import { ErrorCode, StreamHubError } from '../errors.js';

export interface NodeTableOptions {
  readonly keyPrefix: string;
  readonly table: string;
  readonly nodeId: string;
  readonly syncIntervalMs: number;
  readonly nodeTtlMs: number;
  readonly log: Logger;
}

/** The name a node's coordination connection carries (CLIENT SETNAME), so the others see it die. */
export const nodeConnectionName = (nodeId: string) => `streamhub-cluster:${nodeId}`;

export class NodeTable {
  readonly #redis: CoordinationRedis;
  readonly #o: NodeTableOptions;
  /** `<prefix><table>` on one Redis, `<prefix>{<table>}` on a Redis Cluster (one slot per table). */
  readonly #base: string;
  readonly #local = new Map<string, number>();
  #others = new Map<string, number>();
  /** Own counts as written plus the live others' as read, at the last sync: one consistent sum. */
  #settled = new Map<string, number>();
  /** False once CLIENT LIST was refused (an ACL): dead nodes then leave after `nodeTtlMs` only. */
  #canListClients = true;
  #earlyTimer: NodeJS.Timeout | null = null;
  #syncAgain = false;
  /** False until the first sync and after a failed one. */
  #settledOk = false;
  readonly #listeners = new Set<(changed: readonly string[]) => void>();
  readonly #goneListeners = new Set<(nodeIds: readonly string[]) => void>();
  /** Other nodes the last sync found dead (entry expired) or without a connection (member-table.ts hides their entries). */
  #absent = new Set<string>();
  #timer: NodeJS.Timeout | null = null;
  #syncing = false;
  #syncs = 0;
  #failures = 0;

  constructor(redis: CoordinationRedis, options: NodeTableOptions) {
    this.#redis = redis;
    this.#o = options;
    this.#base = redis instanceof Cluster ? `${options.keyPrefix}{${options.table}}` : `${options.keyPrefix}${options.table}`;
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
    if (this.#earlyTimer) clearTimeout(this.#earlyTimer);
    this.#earlyTimer = null;
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

  /**
   * The sum as of the last sync: this node's counts as it wrote them plus the live other nodes' as
   * it read them in the same round. It never holds a unit twice when one moves from a dead node
   * (issue 15 item 5: read together with `sum`, a dead node's stale count plus the newcomers here
   * showed 40 viewers for 30); it lags a local change by one `requestSync`.
   */
  settled(field: string): number {
    // Redis unreachable: nothing settles, so this node's own changes are counted as they happen.
    return this.#settledOk ? (this.#settled.get(field) ?? 0) : this.sum(field);
  }

  /** Syncs soon (at most once per tenth of `syncIntervalMs`), so a local change settles quickly. */
  requestSync(): void {
    if (this.#earlyTimer || !this.#timer) return;
    this.#earlyTimer = setTimeout(() => {
      this.#earlyTimer = null;
      void this.sync();
    }, Math.max(1, Math.floor(this.#o.syncIntervalMs / 10)));
    this.#earlyTimer.unref();
  }

  /** Called after a sync with the fields whose other-nodes' sum, or settled sum, moved. */
  onRemoteChange(listener: (changed: readonly string[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Called with the ids of nodes whose entry expired (they stopped writing `nodeTtlMs` ago), when
   * this node drops them from the set: usually one survivor hears a given node, sometimes a few at
   * once (what they clean up must be idempotent), and none when every node died (the next node to
   * start hears them).
   */
  onNodesGone(listener: (nodeIds: readonly string[]) => void): () => void {
    this.#goneListeners.add(listener);
    return () => this.#goneListeners.delete(listener);
  }

  /** True when the last sync found `nodeId` dead or its connection closed (a SIGKILL: within one sync). */
  isAbsent(nodeId: string): boolean {
    return this.#absent.has(nodeId);
  }

  /** The set of node ids (this table's `<base>:nodes`); member-table.ts reads it with its own commands. */
  get nodesKey(): string {
    return this.#nodes();
  }

  /** `<prefix><table>`, or `<prefix>{<table>}` on a Redis Cluster: the base of every key of this table. */
  get base(): string {
    return this.#base;
  }

  get stats(): { syncs: number; failures: number; fields: number } {
    return { syncs: this.#syncs, failures: this.#failures, fields: this.#local.size };
  }

  /** One write of our counts and one read of everyone else's. Never rejects. */
  async sync(): Promise<void> {
    if (this.#syncing) {
      this.#syncAgain = true; // a change arrived while this round was in flight: one more round after it
      return;
    }
    this.#syncing = true;
    try {
      const own = this.#own();
      const written = new Map(this.#local);
      const fields: (string | number)[] = ['_', 1];
      for (const [field, n] of written) fields.push(field, n);
      const reply = await this.#redis
        .multi()
        .del(own)
        .hset(own, ...(fields as [string, number]))
        .pexpire(own, this.#o.nodeTtlMs)
        .sadd(this.#nodes(), this.#o.nodeId)
        .smembers(this.#nodes())
        .exec();
      const members = (reply?.[4]?.[1] as string[] | undefined) ?? [];
      const others = members.filter((id) => id !== this.#o.nodeId);
      const [read, connected] = await Promise.all([
        others.length === 0 ? [] : others.reduce((p, id) => p.hgetall(this.#key(id)), this.#redis.pipeline()).exec().then((r) => r ?? []),
        others.length === 0 ? null : this.#connectedNodes(),
      ]);
      const sums = new Map<string, number>();
      const dead: string[] = [];
      read.forEach(([err, value], i) => {
        const entry = (err ? null : value) as Record<string, string> | null;
        if (!entry || entry._ === undefined) return void dead.push(others[i]!);
        // Its process is gone (its connection closed: a SIGKILL, a crash): its counts leave the sum
        // now, not when its entry expires `nodeTtlMs` later. The entry stays until then, in case it
        // was only a reconnect.
        if (connected && !connected.has(others[i]!)) return;
        for (const [field, raw] of Object.entries(entry)) {
          const n = Number(raw);
          if (field !== '_' && Number.isFinite(n) && n > 0) sums.set(field, (sums.get(field) ?? 0) + n);
        }
      });
      const unconnected = connected ? others.filter((id) => !connected.has(id)) : [];
      this.#absent = new Set([...dead, ...unconnected]);
      if (dead.length > 0) {
        await this.#redis.srem(this.#nodes(), ...dead);
        for (const listener of this.#goneListeners) listener(dead);
      }
      const settled = new Map(sums);
      for (const [field, n] of written) settled.set(field, (settled.get(field) ?? 0) + n);
      const changed = [...new Set([...sums.keys(), ...this.#others.keys(), ...settled.keys(), ...this.#settled.keys()])].filter(
        (f) => sums.get(f) !== this.#others.get(f) || settled.get(f) !== this.#settled.get(f),
      );
      this.#others = sums;
      this.#settled = settled;
      this.#settledOk = true;
      this.#syncs += 1;
      if (changed.length > 0) for (const listener of this.#listeners) listener(changed);
    } catch (err) {
      // Redis unreachable: keep the last view of the others (caps stay as strict as they were) and retry.
      this.#failures += 1;
      this.#settledOk = false;
      if (this.#failures === 1 || this.#failures % 60 === 0) this.#o.log.warn({ err: (err as Error).message, table: this.#o.table }, 'cluster counters: sync failed');
    } finally {
      this.#syncing = false;
    }
    if (this.#syncAgain && this.#timer) {
      this.#syncAgain = false;
      this.requestSync();
    }
  }

  /** Node ids with an open coordination connection to Redis, or null when that cannot be known. */
  async #connectedNodes(): Promise<Set<string> | null> {
    if (!this.#canListClients) return null;
    try {
      const list = await this.#clientList();
      const prefix = nodeConnectionName('');
      const ids = new Set<string>();
      for (const found of list.matchAll(/(?:^| )name=(\S*)/gm)) if (found[1]!.startsWith(prefix)) ids.add(found[1]!.slice(prefix.length));
      return ids;
    } catch (err) {
      if (/NOPERM|unknown command/i.test((err as Error).message)) {
        this.#canListClients = false;
        this.#o.log.warn({ err: (err as Error).message }, 'cluster counters: CLIENT LIST refused; a dead node leaves the sums after nodeTtlMs');
      }
      return null;
    }
  }

  /** CLIENT LIST of the Redis that holds this table: on a Cluster, the master of the table's slot. */
  async #clientList(): Promise<string> {
    const redis = this.#redis;
    if (!(redis instanceof Cluster)) return String(await redis.call('CLIENT', 'LIST', 'TYPE', 'normal'));
    const owner = redis.slots[keySlot(this.#nodes())]?.[0];
    const node = owner === undefined ? undefined : redis.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === owner);
    // Slot map not known yet (or mid-failover): unknown this round, so the TTL decides.
    if (!node) throw new StreamHubError(ErrorCode.coordination, 'cluster: no connection to the master of the table slot');
    return String(await node.call('CLIENT', 'LIST', 'TYPE', 'normal'));
  }

  #own(): string {
    return this.#key(this.#o.nodeId);
  }

  #key(nodeId: string): string {
    return `${this.#base}:n:${nodeId}`;
  }

  #nodes(): string {
    return `${this.#base}:nodes`;
  }
}
