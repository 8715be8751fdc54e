/**
 * Members per key across nodes (the Redis `members(name)` port; issue 18: streamhub presence lists
 * and join/leave pushes cluster-wide). Each node writes only its own entries:
 *
 * - `<base>:m:<nodeId>:<key>`: a hash `id → value` of this node's entries of `key`;
 * - `<base>:k:<nodeId>`: the set of keys this node has entries of (so a survivor can find them),
 *   plus the marker `MARKER`: a node that finds its marker gone was taken for dead (stalled past
 *   `nodeTtlMs`, or Redis lost its data) and writes its entries again, announcing them as `add`;
 * - `<base>:n:<nodeId>` / `<base>:nodes`: the node's liveness, a NodeTable (node-table.ts);
 * - events go out on the Pub/Sub channel `<base>:e:<key>` (nothing retained).
 *
 * `<base>` is `<prefix><name>`, or `<prefix>{<name>}` on a Redis Cluster (one slot per table, as the
 * counter tables). Writes and announcements are queued and sent as one pipeline per event-loop
 * turn, in call order (so events are ordered per sender). A list reads every node in the set but
 * those the last sync found dead or disconnected: a SIGKILLed node's entries leave lists within one
 * `syncIntervalMs`; when its liveness entry expires (`nodeTtlMs`), the survivor that drops it deletes
 * its entries and announces them as `remove` (docs/cluster.md "Coordination keys").
 */
import type { Cluster } from 'ioredis';
import type { MemberEntry, MemberEvent, MemberList, MemberTable } from '../coordination/ports.js';
import { MemberWatchers } from '../coordination/local-members.js';
import type { Logger } from '../core/index.js';
import type { NodeTable } from './node-table.js';
import type { CoordinationRedis } from './redis-client.js';

export interface MemberTableOptions {
  readonly nodeId: string;
  readonly syncIntervalMs: number;
  readonly log: Logger;
}

/** An event on the wire: `o` the sending node, so a node skips its own (its watchers heard them at once). */
interface WireEvent {
  readonly o: string;
  readonly t: 'add' | 'remove';
  readonly k: string;
  readonly i: string;
  readonly v: string;
}

/** Not a key (keys of a member table are channel names, never empty): the index's "still mine" mark. */
const MARKER = '';

type Op = { readonly op: 'set'; readonly key: string; readonly id: string; readonly value: string; readonly newKey: boolean } | { readonly op: 'del'; readonly key: string; readonly id: string } | { readonly op: 'pub'; readonly event: MemberEvent };

export class RedisMemberTable implements MemberTable {
  readonly #redis: CoordinationRedis;
  readonly #nodes: NodeTable;
  readonly #o: MemberTableOptions;
  /** This node's entries, the truth its Redis entries are rewritten from after a fault. */
  readonly #local = new Map<string, Map<string, string>>();
  readonly #watchers = new MemberWatchers();
  #queue: Op[] = [];
  #flushScheduled = false;
  #rewriteNeeded = false;
  #rewriting = false;
  #sub: CoordinationRedis | null = null;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  /** The marker was written (by the first flush or a rewrite). */
  #marked = false;

  constructor(redis: CoordinationRedis, nodes: NodeTable, options: MemberTableOptions) {
    this.#redis = redis;
    this.#nodes = nodes;
    this.#o = options;
    nodes.onNodesGone((ids) => void this.#cleanUp(ids));
    // After a lost connection (or a partition long enough for the survivors to clean this node up)
    // this node's entries are written again from #local.
    redis.on('ready', this.#onReady);
    this.#timer = setInterval(() => void this.#check(), options.syncIntervalMs);
    this.#timer.unref();
  }

  set(key: string, id: string, value: string): void {
    let entries = this.#local.get(key);
    const newKey = !entries;
    if (!entries) this.#local.set(key, (entries = new Map()));
    entries.set(id, value);
    this.#enqueue({ op: 'set', key, id, value, newKey });
  }

  delete(key: string, id: string): void {
    const entries = this.#local.get(key);
    if (!entries?.delete(id)) return;
    if (entries.size === 0) this.#local.delete(key);
    this.#enqueue({ op: 'del', key, id });
  }

  async list(key: string, max: number): Promise<MemberList> {
    this.#flush(); // the reads below go after this node's queued writes, on the same connection
    const ids = (await this.#redis.smembers(this.#nodes.nodesKey)).filter((id) => id !== this.#o.nodeId && !this.#nodes.isAbsent(id));
    const members: MemberEntry[] = [];
    let truncated = false;
    for (const [id, value] of this.#local.get(key) ?? []) {
      if (members.length >= max) {
        truncated = true;
        break;
      }
      members.push({ id, value });
    }
    if (ids.length === 0) return { members, truncated };
    const pipeline = this.#redis.pipeline();
    for (const id of ids) pipeline.hlen(this.#entriesKey(id, key)).hrandfield(this.#entriesKey(id, key), max, 'WITHVALUES');
    const replies = (await pipeline.exec()) ?? [];
    for (let n = 0; n < ids.length; n++) {
      const [lenErr, len] = replies[2 * n] ?? [null, 0];
      const [err, flat] = replies[2 * n + 1] ?? [null, []];
      if (lenErr || err) throw lenErr ?? err;
      const pairs = (flat as string[] | null) ?? [];
      if (pairs.length / 2 < Number(len)) truncated = true;
      for (let j = 0; j + 1 < pairs.length; j += 2) {
        if (members.length >= max) {
          truncated = true;
          break;
        }
        members.push({ id: pairs[j]!, value: pairs[j + 1]! });
      }
    }
    return { members, truncated };
  }

  announce(event: MemberEvent): void {
    this.#watchers.emit(event);
    this.#enqueue({ op: 'pub', event });
  }

  watch(key: string, listener: (event: MemberEvent) => void): () => void {
    const first = !this.#watchers.watched(key);
    const stop = this.#watchers.watch(key, listener);
    if (first) this.#subscribe(key);
    return () => {
      stop();
      if (!this.#watchers.watched(key) && this.#sub?.status === 'ready') this.#sub.unsubscribe(this.#channel(key)).catch(() => undefined);
    };
  }

  /** Sends what is queued (the last leaves reach the other nodes), deletes this node's entries and stops listening. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#redis.off('ready', this.#onReady);
    const stored = await this.#redis.smembers(this.#indexKey(this.#o.nodeId)).catch(() => [] as string[]);
    const keys = new Set([...stored, ...this.#local.keys()]);
    await [...keys]
      .reduce((p, key) => p.del(this.#entriesKey(this.#o.nodeId, key)), this.#redis.pipeline().del(this.#indexKey(this.#o.nodeId)))
      .exec()
      .catch(() => undefined);
    this.#sub?.disconnect();
    this.#sub = null;
  }

  readonly #onReady = (): void => {
    this.#rewriteNeeded = true;
    void this.#rewrite();
  };

  #enqueue(op: Op): void {
    if (this.#closed) return;
    this.#queue.push(op);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#flush());
  }

  /** Sends the queued operations as one pipeline, in order. A failure rewrites this node's entries later. */
  #flush(): void {
    this.#flushScheduled = false;
    if (this.#queue.length === 0 || this.#closed) return;
    const ops = this.#queue;
    this.#queue = [];
    const pipeline = this.#redis.pipeline();
    const index = this.#indexKey(this.#o.nodeId);
    // The marker goes in once (and again by #rewrite): a flush after a survivor's cleanup must not
    // put it back, or the loss would go unnoticed.
    if (!this.#marked) pipeline.sadd(index, MARKER);
    this.#marked = true;
    for (const op of ops) {
      if (op.op === 'set') {
        pipeline.hset(this.#entriesKey(this.#o.nodeId, op.key), op.id, op.value);
        if (op.newKey) pipeline.sadd(index, op.key); // in the index since the key's first entry otherwise
      } else if (op.op === 'del') {
        pipeline.hdel(this.#entriesKey(this.#o.nodeId, op.key), op.id);
        // The key's last entry here: drop it from the index (the hash is gone with its last field).
        if (!this.#local.has(op.key)) pipeline.srem(index, op.key);
      } else pipeline.publish(this.#channel(op.event.key), JSON.stringify({ o: this.#o.nodeId, t: op.event.type, k: op.event.key, i: op.event.id, v: op.event.value } satisfies WireEvent));
    }
    pipeline.exec().then(
      (replies) => {
        if (replies?.some(([err]) => err)) this.#rewriteNeeded = true;
      },
      () => {
        this.#rewriteNeeded = true;
      },
    );
  }

  /** Every `syncIntervalMs`: rewrites after a failed write, or when a survivor cleaned this node up (its marker is gone). */
  async #check(): Promise<void> {
    if (this.#rewriteNeeded) return this.#rewrite();
    if (this.#local.size === 0 || this.#rewriting || this.#redis.status !== 'ready') return;
    const marked = await this.#redis.sismember(this.#indexKey(this.#o.nodeId), MARKER).catch(() => 1);
    if (marked === 0) await this.#rewrite();
  }

  /**
   * Writes this node's entries again from #local and removes the stored ones it no longer has. When
   * the marker was gone, a survivor announced these entries as `remove`: they are announced as `add`.
   */
  async #rewrite(): Promise<void> {
    if (this.#rewriting || this.#closed || this.#redis.status !== 'ready') return;
    this.#rewriting = true;
    this.#rewriteNeeded = false;
    try {
      const me = this.#o.nodeId;
      const index = this.#indexKey(me);
      const stored = await this.#redis.smembers(index);
      const cleanedUp = this.#local.size > 0 && !stored.includes(MARKER);
      const pipeline = this.#redis.pipeline();
      for (const key of stored) if (key !== MARKER && !this.#local.has(key)) pipeline.del(this.#entriesKey(me, key)).srem(index, key);
      for (const [key, entries] of this.#local) {
        const fields: string[] = [];
        for (const [id, value] of entries) fields.push(id, value);
        pipeline.del(this.#entriesKey(me, key)).hset(this.#entriesKey(me, key), ...fields).sadd(index, MARKER, key);
      }
      const replies = await pipeline.exec();
      if (replies?.some(([err]) => err)) this.#rewriteNeeded = true;
      else if (this.#local.size > 0) {
        this.#marked = true;
        if (cleanedUp) for (const [key, entries] of this.#local) for (const [id, value] of entries) this.announce({ type: 'add', key, id, value });
      }
    } catch {
      this.#rewriteNeeded = true;
    } finally {
      this.#rewriting = false;
    }
  }

  /** Deletes the entries of nodes gone for good and announces each as `remove`, once (MULTI: only one survivor reads them). */
  async #cleanUp(nodeIds: readonly string[]): Promise<void> {
    for (const nodeId of nodeIds) {
      try {
        const keys = (await this.#redis.smembers(this.#indexKey(nodeId))).filter((key) => key !== MARKER);
        const taken = await Promise.all(keys.map((key) => this.#redis.multi().hgetall(this.#entriesKey(nodeId, key)).del(this.#entriesKey(nodeId, key)).exec().then((r) => [key, r] as const)));
        await this.#redis.del(this.#indexKey(nodeId));
        for (const [key, reply] of taken) {
          const entries = reply?.[0]?.[1] as Record<string, string> | undefined;
          if (reply?.[1]?.[1] !== 1 || !entries) continue;
          for (const [id, value] of Object.entries(entries)) this.announce({ type: 'remove', key, id, value });
        }
      } catch (err) {
        this.#o.log.warn({ err: (err as Error).message }, 'cluster members: could not clean up a dead node');
      }
    }
  }

  #subscribe(key: string): void {
    const sub = (this.#sub ??= this.#startSubscriber());
    if (sub.status === 'ready') sub.subscribe(this.#channel(key)).catch(() => undefined);
  }

  #startSubscriber(): CoordinationRedis {
    const sub = (this.#redis as Cluster).duplicate() as CoordinationRedis;
    sub.on('error', () => undefined); // the main connection logs faults; this one reconnects on its own
    // Subscribes every watched key at each (re)connect; SUBSCRIBE of a channel already held is a no-op.
    sub.on('ready', () => {
      const channels = [...this.#watchers.keys()].map((key) => this.#channel(key));
      if (channels.length > 0) sub.subscribe(...channels).catch(() => undefined);
    });
    sub.on('message', (_channel: string, raw: string) => this.#onMessage(raw));
    sub.connect().catch(() => undefined);
    return sub;
  }

  #onMessage(raw: string): void {
    let wire: WireEvent;
    try {
      wire = JSON.parse(raw) as WireEvent;
    } catch {
      return;
    }
    if (wire.o === this.#o.nodeId || (wire.t !== 'add' && wire.t !== 'remove')) return;
    this.#watchers.emit({ type: wire.t, key: wire.k, id: wire.i, value: wire.v });
  }

  #entriesKey(nodeId: string, key: string): string {
    return `${this.#nodes.base}:m:${nodeId}:${key}`;
  }

  #indexKey(nodeId: string): string {
    return `${this.#nodes.base}:k:${nodeId}`;
  }

  #channel(key: string): string {
    return `${this.#nodes.base}:e:${key}`;
  }
}
