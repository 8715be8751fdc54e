/**
 * Sharded pub/sub on a Redis Cluster (issue 17 "Past one Redis" (b); Redis 7 SSUBSCRIBE): one
 * subscriber connection per master that serves a wanted topic, each SSUBSCRIBE naming topics of
 * one slot. It stands in for the broker's pub/sub connection (the same few methods and events as
 * an ioredis `Redis`: subscribe, unsubscribe, status, connect, disconnect; 'ready', 'close',
 * 'messageBuffer', 'error'), so RedisBroker keeps one code path.
 *
 * Why not ioredis's own `shardedSubscribers`: after a failover it resubscribes fire-and-forget
 * (a failure goes to its debug log only), a repeated SSUBSCRIBE grows its channel list, and it
 * says nothing the broker could fill a gap on. Other clients' known failures are avoided here:
 * a resubscribe that names several slots (CROSSSLOT, node-redis #2902), a MOVED answer to
 * SSUBSCRIBE after a failover (ioredis #1987), and the SUNSUBSCRIBE a demoted master pushes (jedis
 * #3548). Every change of the slot map (ioredis refreshes it on MOVED and every
 * `slotsRefreshInterval`) re-checks each topic's owner; a topic is moved with one SSUBSCRIBE per
 * slot on its new owner; and the broker hears 'ready' again after every such round, so it fills
 * from the streams whatever pub/sub missed meanwhile. A round that cannot finish is retried after a
 * bounded backoff: never a loop of SSUBSCRIBEs against a node that answers MOVED.
 */
import { EventEmitter } from 'node:events';
import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis';
import { keySlot } from '../util/redis-cluster-slot.js';
import { ErrorCode, StreamHubError } from '../errors.js';

/** Most topics per SSUBSCRIBE (all of one slot); a larger group is split. */
const SSUBSCRIBE_CHUNK = 500;
/** How often the slot map is read again without a MOVED or a lost connection to ask for it. */
const SLOTS_REFRESH_MS = 1_000;

export interface ShardedPubSubOptions {
  readonly seeds: readonly ClusterNode[];
  /** Options of every node connection (the broker's: fail fast, no offline queue, its timeouts). */
  readonly redisOptions: RedisOptions;
  /** Longest wait before a round that failed is tried again (the backoff grows 100 ms per attempt). */
  readonly reconnectMaxDelayMs: number;
}

type Status = 'wait' | 'connecting' | 'ready' | 'end';

export class ShardedPubSub extends EventEmitter {
  readonly #options: ShardedPubSubOptions;
  /** Topology only: the slot map, refreshed by ioredis on MOVED and periodically. */
  readonly #map: Cluster;
  /** Wanted topics and their slot. */
  readonly #wanted = new Map<string, number>();
  /** Topics acknowledged by SSUBSCRIBE on the connection of this node ("host:port"), since its last connect. */
  readonly #active = new Map<string, string>();
  readonly #nodes = new Map<string, Redis>();
  #status: Status = 'wait';
  #reconciling: Promise<void> | null = null;
  #again = false;
  #attempt = 0;
  #retryTimer: NodeJS.Timeout | null = null;
  /** Rounds that (re)subscribed topics: tests and the failover test bound them (no storm). */
  #rounds = 0;
  #moved = 0;

  constructor(options: ShardedPubSubOptions) {
    super();
    this.#options = options;
    // ioredis's defaults for the map's node connections (queue until connected, not retried when lost).
    const { enableOfflineQueue: _queue, retryStrategy: _retry, lazyConnect: _lazy, ...nodeOptions } = options.redisOptions;
    this.#map = new Cluster([...options.seeds], {
      lazyConnect: true,
      enableOfflineQueue: false,
      clusterRetryStrategy: (attempt: number) => Math.min(attempt * 100, options.reconnectMaxDelayMs),
      // A demoted master tells its subscribers SUNSUBSCRIBE, which ioredis does not surface: the
      // map is read every second (one CLUSTER SLOTS), so a moved slot is found within that.
      slotsRefreshInterval: SLOTS_REFRESH_MS,
      redisOptions: { ...nodeOptions, connectionName: 'streamhub-sub-map' },
    });
    this.#map.on('ready', () => this.#reconcileSoon());
    this.#map.on('refresh', () => this.#reconcileSoon());
    this.#map.on('error', (err: Error) => this.emit('error', err));
  }

  /** `ready` while every wanted topic is acknowledged by the master serving its slot. */
  get status(): Status {
    return this.#status;
  }

  /** Counters: rounds that (re)subscribed topics, and SSUBSCRIBEs answered MOVED. */
  get stats(): { rounds: number; moved: number; nodes: number } {
    return { rounds: this.#rounds, moved: this.#moved, nodes: this.#nodes.size };
  }

  /** Resolves once the slot map is known and every wanted topic is acknowledged (as a Redis connection's `ready`). */
  async connect(): Promise<void> {
    if (this.#status === 'end') throw new StreamHubError(ErrorCode.broker, 'sharded pub/sub closed');
    this.#status = 'connecting';
    await this.#map.connect();
    if (this.status === 'ready') return; // the first round already ran (the map's 'ready')
    const timeoutMs = this.#options.redisOptions.connectTimeout ?? 10_000;
    await new Promise<void>((resolve, reject) => {
      const onReady = () => (clearTimeout(timer), resolve());
      const timer = setTimeout(() => {
        this.off('ready', onReady);
        reject(new StreamHubError(ErrorCode.broker, `sharded pub/sub not ready in ${timeoutMs} ms`));
      }, timeoutMs);
      this.once('ready', onReady);
    });
  }

  /**
   * SSUBSCRIBEs each topic on the master of its slot, one command per slot; resolves once all are
   * acknowledged. Topics already acknowledged on their owner are not sent again (the broker calls
   * this for every topic after each 'ready'). Rejects, forgetting the topics it could not
   * subscribe, when a master is unreachable or keeps answering MOVED.
   */
  async subscribe(...topics: string[]): Promise<void> {
    if (this.#status === 'end') throw new StreamHubError(ErrorCode.broker, 'sharded pub/sub closed');
    const fresh = topics.filter((t) => !this.#wanted.has(t));
    for (const t of topics) this.#wanted.set(t, keySlot(t));
    try {
      await this.#ensure(topics, true);
    } catch (err) {
      for (const t of fresh) if (!this.#active.has(t)) this.#wanted.delete(t);
      throw err;
    }
  }

  /** Forgets the topics at once, then SUNSUBSCRIBEs them where they were acknowledged. */
  async unsubscribe(...topics: string[]): Promise<void> {
    const byNode = new Map<string, string[]>();
    for (const t of topics) {
      this.#wanted.delete(t);
      const node = this.#active.get(t);
      this.#active.delete(t);
      if (node) byNode.set(node, [...(byNode.get(node) ?? []), t]);
    }
    await Promise.all(
      [...byNode].flatMap(([node, list]) =>
        [...groupBySlot(list).values()].map((group) => this.#nodes.get(node)?.sunsubscribe(...group).catch(() => undefined)),
      ),
    );
  }

  /** Closes every connection. With `reconnect`, starts over (the broker does so when a resubscribe failed). */
  disconnect(reconnect = false): void {
    if (reconnect && this.#status !== 'end') {
      this.#active.clear();
      for (const node of this.#nodes.values()) node.disconnect(true);
      return;
    }
    this.#status = 'end';
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    for (const node of this.#nodes.values()) node.disconnect();
    this.#nodes.clear();
    this.#map.disconnect();
  }

  /** The master serving `slot` in the current map ("host:port"), or undefined while unknown. */
  #owner(slot: number): string | undefined {
    return this.#map.slots[slot]?.[0];
  }

  #connection(nodeKey: string): Redis {
    let node = this.#nodes.get(nodeKey);
    if (node) return node;
    const at = nodeKey.lastIndexOf(':');
    node = new Redis({
      ...this.#options.redisOptions,
      host: nodeKey.slice(0, at),
      port: Number(nodeKey.slice(at + 1)),
      connectionName: 'streamhub-sub',
      // Topics are re-sent by #reconcile, to the slot's owner of the moment, one slot per command.
      autoResubscribe: false,
    });
    const conn = node;
    conn.on('smessageBuffer', (topic: Buffer, message: Buffer) => this.emit('messageBuffer', topic, message));
    conn.on('error', (err: Error) => this.emit('error', err));
    conn.on('close', () => this.#lost(nodeKey, conn));
    conn.on('ready', () => this.#reconcileSoon());
    this.#nodes.set(nodeKey, conn);
    return conn;
  }

  /** A node connection dropped: its topics are no longer live; the broker hears 'close'. */
  #lost(nodeKey: string, conn: Redis): void {
    if (this.#nodes.get(nodeKey) !== conn) return;
    let had = false;
    for (const [topic, node] of this.#active) if (node === nodeKey) this.#active.delete(topic), (had = true);
    if (!had || this.#status === 'end') return;
    this.#status = 'connecting';
    this.emit('close');
    // The master may be gone for good (a failover): ask for the slot map now rather than in 5 s.
    this.#map.refreshSlotsCache(() => undefined);
    this.#retryLater();
  }

  /** SSUBSCRIBEs the given topics that are not acknowledged on their slot's current owner. */
  async #ensure(topics: readonly string[], strict: boolean): Promise<number> {
    const byNode = new Map<string, string[]>();
    for (const t of topics) {
      const slot = this.#wanted.get(t);
      if (slot === undefined) continue;
      const owner = this.#owner(slot);
      if (!owner) {
        if (strict) throw new StreamHubError(ErrorCode.broker, `redis cluster: no master known for slot ${slot}`);
        continue;
      }
      if (this.#active.get(t) === owner) continue;
      byNode.set(owner, [...(byNode.get(owner) ?? []), t]);
    }
    let sent = 0;
    const failures: Error[] = [];
    await Promise.all(
      [...byNode].map(async ([owner, list]) => {
        const conn = this.#connection(owner);
        try {
          await this.#open(conn);
        } catch (err) {
          failures.push(err as Error);
          return;
        }
        for (const group of groupBySlot(list).values()) {
          for (let i = 0; i < group.length; i += SSUBSCRIBE_CHUNK) {
            const chunk = group.slice(i, i + SSUBSCRIBE_CHUNK);
            try {
              await conn.ssubscribe(...chunk);
              for (const t of chunk) {
                const before = this.#active.get(t);
                // Moved from another master (a failover, a slot migration): stop listening there.
                if (before && before !== owner) void this.#nodes.get(before)?.sunsubscribe(t).catch(() => undefined);
                if (this.#wanted.has(t)) this.#active.set(t, owner);
              }
              sent += chunk.length;
            } catch (err) {
              // MOVED: our map is old. One refresh for the round; the refresh's event runs it again.
              if (/MOVED/.test((err as Error).message)) this.#moved += 1;
              failures.push(err as Error);
            }
          }
        }
      }),
    );
    if (failures.length > 0) {
      if (failures.some((e) => /MOVED/.test(e.message))) this.#map.refreshSlotsCache(() => undefined);
      if (strict) throw new StreamHubError(ErrorCode.broker, `redis cluster: ssubscribe failed: ${failures[0]!.message}`, { cause: failures[0] });
    }
    return sent;
  }

  /** Waits (at most `connectTimeout`) until a node connection is ready; starts it if it never was. */
  async #open(conn: Redis): Promise<void> {
    if (conn.status === 'ready') return;
    if (conn.status === 'end') throw new StreamHubError(ErrorCode.broker, 'redis cluster: subscriber connection ended');
    if (conn.status === 'wait') void conn.connect().catch(() => undefined);
    const timeoutMs = this.#options.redisOptions.connectTimeout ?? 10_000;
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        conn.off('ready', ok);
        conn.off('end', ended);
        if (err) reject(err);
        else resolve();
      };
      const ok = () => done();
      const ended = () => done(new StreamHubError(ErrorCode.broker, 'redis cluster: subscriber connection ended'));
      const timer = setTimeout(() => done(new StreamHubError(ErrorCode.broker, `redis cluster: subscriber connection not ready in ${timeoutMs} ms`)), timeoutMs);
      conn.once('ready', ok);
      conn.once('end', ended);
    });
  }

  #reconcileSoon(): void {
    if (this.#status === 'end') return;
    if (this.#reconciling) {
      this.#again = true;
      return;
    }
    this.#reconciling = this.#reconcile().finally(() => {
      this.#reconciling = null;
      if (this.#again) {
        this.#again = false;
        this.#reconcileSoon();
      }
    });
  }

  /** One round: every wanted topic to its owner's connection; unused connections closed; 'ready' when whole. */
  async #reconcile(): Promise<void> {
    if (this.#map.status !== 'ready') return;
    // Judged on the topics of this round only: one that `subscribe` adds meanwhile is its own call's business.
    const round = [...this.#wanted.keys()];
    const sent = await this.#ensure(round, false);
    if (this.#status === 'end') return;
    const owners = new Set<string>();
    for (const slot of this.#wanted.values()) {
      const owner = this.#owner(slot);
      if (owner) owners.add(owner);
    }
    // A node that serves no wanted topic (a dead master replaced by its replica) is let go, so
    // nothing keeps reconnecting to it.
    for (const [key, conn] of this.#nodes) {
      if (owners.has(key)) continue;
      if ([...this.#active.values()].includes(key)) continue;
      conn.disconnect();
      this.#nodes.delete(key);
    }
    const whole = round.every((t) => !this.#wanted.has(t) || this.#active.get(t) === this.#owner(this.#wanted.get(t)!));
    if (!whole) {
      this.#status = 'connecting';
      return this.#retryLater();
    }
    this.#attempt = 0;
    const wasReady = this.#status === 'ready';
    this.#status = 'ready';
    if (sent > 0) this.#rounds += 1;
    // The broker resubscribes (a no-op now) and fills what pub/sub missed while topics moved.
    if (!wasReady || sent > 0) this.emit('ready');
  }

  #retryLater(): void {
    if (this.#retryTimer || this.#status === 'end') return;
    this.#attempt += 1;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#map.refreshSlotsCache(() => undefined); // its 'refresh' runs the next round
      this.#reconcileSoon();
    }, Math.min(this.#attempt * 100, this.#options.reconnectMaxDelayMs));
    this.#retryTimer.unref();
  }
}

function groupBySlot(topics: readonly string[]): Map<number, string[]> {
  const groups = new Map<number, string[]>();
  for (const t of topics) {
    const slot = keySlot(t);
    groups.set(slot, [...(groups.get(slot) ?? []), t]);
  }
  return groups;
}
