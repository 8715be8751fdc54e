import { Redis, type Cluster } from 'ioredis';
import {
  randomIds,
  systemClock,
  type Broker,
  type BrokerEvents,
  type BrokerHealth,
  type ChannelHistory,
  type Clock,
  type HistoryQuery,
  type IdSource,
  type Logger,
  type Message,
  type Payload,
  type PublishOptions,
  type PublishedMessage,
} from '../core/index.js';
import { decodePublished, kindOfCode } from './envelope.js';
import type { IdempotencyLimits } from './idempotency-window.js';
import { ErrorCode, StreamHubError } from '../errors.js';
import { channelKeys, channelOfTopic, instanceKey } from './redis-keys.js';
import { PublishBatcher, type PublishOutcome } from './redis-publish-batch.js';
import { defineScripts, PUBLISH_SCRIPT, publishCall, runScript, type LuaScript } from './redis-scripts.js';
import { readChannel, toHistory } from './redis-store.js';
import { channelOfClusterTopic, clusterTopic, createClusterConnections, isClusterUrl, shardedPublishScript } from './redis-cluster-client.js';
import type { ShardedPubSub } from './redis-sharded-pubsub.js';
import { RedisCounters, type RedisBrokerStats } from './redis-counters.js';
import { DEFAULTS, redisBrokerSettings, type RedisBrokerOptions } from './redis-options.js';
import { ChannelTail, type TailHost } from './redis-tail.js';

export type { RedisBrokerOptions } from './redis-options.js';
export type { RedisBrokerStats } from './redis-counters.js';

const SUBSCRIBE_CHUNK = 500;
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

/**
 * The scale-out broker (DESIGN.md § Scale-out; how it works: src/brokers/REDIS.md). Positions and
 * retention live in Redis, written by one Lua script per publish; each node listens on pub/sub
 * only for channels it has local subscribers for and fills gaps from the channel's stream.
 * Two connections: commands (publish, history) and pub/sub. Both reconnect by themselves; while
 * either is down, health() is not ok and commands fail fast (no offline queue).
 */
export class RedisBroker implements Broker {
  readonly name = 'redis';
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #ids: IdSource;
  readonly #prefix: string;
  readonly #streamMaxLen: number;
  readonly #gapFillBatch: number;
  readonly #maxPending: number;
  /** Delay before a failed gap fill is tried again: the command timeout. */
  readonly #retryMs: number;
  readonly #cmd: Redis | Cluster;
  readonly #sub: Redis | ShardedPubSub;
  /** On a Redis Cluster (a `redis+cluster://` URL): sharded topics, SPUBLISH, one subscriber per master (REDIS.md "Redis Cluster"). */
  readonly #clustered: boolean;
  readonly #publishScript: LuaScript;
  readonly #tails = new Map<string, ChannelTail>();
  /** Subscribes in flight, so concurrent calls for one channel share one. */
  readonly #joining = new Map<string, Promise<void>>();
  readonly #tailHost: TailHost;
  #deliver: ((msg: Message) => void) | null = null;
  #events: BrokerEvents = {};
  #resubscribed = false;
  #instance: string | null = null;
  /**
   * False from a command-connection drop until the data identity is checked on the new connection.
   * Publishes wait meanwhile (at most `maxPendingPublishes`), so that after a data loss the hub's
   * republished snapshots are the first messages of the new epochs (issue 15 item 1).
   */
  #dataChecked = false;
  readonly #awaitingCheck: Array<(ok: boolean) => void> = [];
  readonly #maxPendingPublishes: number;
  readonly #idempotency: IdempotencyLimits;
  readonly #counters = new RedisCounters();
  /** The publishes of one event-loop turn, one script call per channel (issue 17). */
  readonly #batcher: PublishBatcher;
  #errorLogged = false;
  #retryTimer: unknown = null;
  #commandReadies = 0;
  #started = false;
  #closed = false;

  constructor(options: RedisBrokerOptions) {
    const settings = redisBrokerSettings(options);
    this.#clustered = isClusterUrl(options.url);
    this.#clock = options.clock ?? systemClock;
    this.#log = (options.log ?? quiet).child({ mod: 'broker.redis' });
    this.#ids = options.ids ?? randomIds;
    this.#prefix = settings.keyPrefix;
    this.#streamMaxLen = settings.streamMaxLen;
    this.#gapFillBatch = settings.gapFillBatch;
    this.#maxPending = settings.maxPendingDuringFill;
    this.#maxPendingPublishes = settings.maxPendingPublishes;
    this.#idempotency = settings.idempotency;
    this.#retryMs = settings.connection.commandTimeout ?? 5_000;
    const common = settings.connection;
    if (this.#clustered) {
      const cluster = createClusterConnections(options.url, common, options.reconnectMaxDelayMs ?? DEFAULTS.reconnectMaxDelayMs);
      this.#cmd = cluster.cmd;
      this.#sub = cluster.sub;
    } else {
      this.#cmd = new Redis(options.url, {
        ...common,
        connectionName: 'streamhub-cmd',
        // Commands issued in one tick share one socket write: the publish path's main cost otherwise.
        enableAutoPipelining: true,
      });
      this.#sub = new Redis(options.url, { ...common, connectionName: 'streamhub-sub', autoResubscribe: false });
    }
    // On a Cluster the script SPUBLISHes to the channel's sharded topic (redis-cluster-client.ts).
    this.#publishScript = this.#clustered ? shardedPublishScript(PUBLISH_SCRIPT) : PUBLISH_SCRIPT;
    defineScripts(this.#cmd);
    if (this.#clustered) this.#cmd.defineCommand(this.#publishScript.command, { numberOfKeys: this.#publishScript.keys, lua: this.#publishScript.source });
    this.#batcher = new PublishBatcher((first, args) => runScript(this.#cmd, this.#publishScript, first.keys, args), settings.publishBatch);
    this.#tailHost = {
      deliver: (msg) => this.#deliver?.(msg),
      read: (channel, since) =>
        readChannel(this.#cmd, channelKeys(this.#prefix, channel), { since, cap: this.#gapFillBatch }, this.#log),
      filled: (_channel, count) => {
        this.#counters.filled += count;
      },
      unrecoverable: (channel, count) => {
        this.#counters.unrecoverable += count;
        this.#log.warn({ channel, count }, 'messages missed during a disconnect were not retained');
      },
      retryLater: () => this.#scheduleRetry(),
      log: this.#log,
      maxPending: this.#maxPending,
    };
    this.#cmd.on('ready', () => void this.#onCommandReady());
    this.#cmd.on('close', () => {
      this.#dataChecked = false;
    });
    this.#sub.on('ready', () => void this.#onSubscriberReady());
    this.#sub.on('close', () => {
      this.#resubscribed = false;
    });
    this.#sub.on('messageBuffer', (topic: Buffer, message: Buffer) => this.#onMessage(topic, message));
    for (const conn of [this.#cmd, this.#sub]) conn.on('error', (err: Error) => this.#onError(err));
  }

  /** Connects both connections. Never throws for an unreachable Redis: the node starts degraded and keeps retrying. */
  async start(deliver: (msg: Message) => void, events: BrokerEvents = {}): Promise<void> {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#deliver = deliver;
    this.#events = events;
    const results = await Promise.allSettled([this.#cmd.connect(), this.#sub.connect()]);
    for (const r of results) {
      if (r.status === 'rejected') this.#log.warn({ err: (r.reason as Error).message }, 'redis not reachable at start; retrying');
    }
  }

  async publish(channel: string, payload: Payload, options: PublishOptions): Promise<PublishedMessage> {
    if (this.#closed) throw new StreamHubError(ErrorCode.broker, 'broker closed');
    // Connected but the data identity not yet checked: wait, in order, so nothing reaches a
    // replaced data set before the hub has republished its snapshots there.
    if (!this.#dataChecked && this.#cmd.status === 'ready') await this.#dataCheck();
    const now = this.#clock.now();
    const call = publishCall(this.#prefix, channel, payload, options, {
      now,
      streamMaxLen: this.#streamMaxLen,
      epoch: () => this.#ids.epoch(), // drawn once per batch, for its first call (issue 17)
      idempotency: this.#idempotency,
      topic: this.#topic(channel),
    });
    let outcome: PublishOutcome;
    try {
      outcome = await this.#batcher.publish(call);
    } catch (err) {
      throw new StreamHubError(ErrorCode.broker, `redis publish failed: ${(err as Error).message}`, { cause: err });
    }
    if (outcome.duplicate) {
      // A repeated idempotency key: the original's position; nothing was appended or published.
      return Object.freeze({
        channel,
        offset: outcome.offset,
        epoch: outcome.epoch,
        kind: kindOfCode(outcome.kindCode),
        time: outcome.time,
        publishedAt: outcome.publishedAt,
        payload,
        duplicate: true,
      });
    }
    const { kind, time } = call;
    const msg: Message = Object.freeze({ channel, offset: outcome.offset, epoch: outcome.epoch, kind, time, publishedAt: now, payload });
    this.#tails.get(channel)?.onOwn(msg);
    return msg;
  }

  async history(channel: string, query: HistoryQuery = {}): Promise<ChannelHistory> {
    if (this.#closed) throw new StreamHubError(ErrorCode.broker, 'broker closed');
    try {
      const view = await readChannel(
        this.#cmd,
        channelKeys(this.#prefix, channel),
        { since: query.since, limit: query.limit, cap: this.#streamMaxLen },
        this.#log,
      );
      return toHistory(view, query);
    } catch (err) {
      throw new StreamHubError(ErrorCode.broker, `redis history failed: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * Registers interest once Redis acknowledged the SUBSCRIBE and the channel's top is known; fails
   * (and registers nothing) while Redis is unreachable. Concurrent calls for one channel share the
   * first call's registration.
   */
  async subscribe(channel: string): Promise<void> {
    if (this.#closed) throw new StreamHubError(ErrorCode.broker, 'broker closed');
    const joining = this.#joining.get(channel);
    if (joining) return joining;
    if (this.#tails.has(channel)) return;
    const join: Promise<void> = this.#join(channel).finally(() => {
      if (this.#joining.get(channel) === join) this.#joining.delete(channel);
    });
    this.#joining.set(channel, join);
    return join;
  }

  async #join(channel: string): Promise<void> {
    if (this.#sub.status !== 'ready') throw new StreamHubError(ErrorCode.broker, `redis pub/sub ${this.#sub.status}`);
    const tail = new ChannelTail(channel, this.#tailHost);
    this.#tails.set(channel, tail);
    const keys = channelKeys(this.#prefix, channel);
    try {
      await this.#sub.subscribe(this.#topic(channel));
      // The top after the SUBSCRIBE ack: later messages come live (or from a gap fill), earlier ones
      // are the hub's replay's business. Without it, a disconnect before the first live message
      // would lose what was published in between.
      const [epoch, seq] = await this.#cmd.hmget(keys.meta, 'ep', 'seq');
      tail.begin(epoch && seq ? { epoch, offset: Number(seq) } : null);
    } catch (err) {
      if (this.#tails.get(channel) !== tail) return; // unsubscribed meanwhile: nothing to report
      this.#tails.delete(channel);
      tail.close();
      throw new StreamHubError(ErrorCode.broker, `redis subscribe failed: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Drops interest at once (nothing more is delivered for the channel), then UNSUBSCRIBEs. Idempotent. */
  async unsubscribe(channel: string): Promise<void> {
    const tail = this.#tails.get(channel);
    if (!tail) return;
    this.#tails.delete(channel);
    this.#joining.delete(channel);
    tail.close();
    if (this.#closed || this.#sub.status !== 'ready') return; // a reconnect subscribes only to channels still wanted
    try {
      await this.#sub.unsubscribe(this.#topic(channel));
    } catch (err) {
      this.#log.debug({ channel, err: (err as Error).message }, 'unsubscribe failed');
    }
  }

  health(): BrokerHealth {
    if (this.#closed) return { ok: false, detail: 'closed' };
    const ok = this.#cmd.status === 'ready' && this.#sub.status === 'ready' && this.#resubscribed;
    const state = ok ? 'connected' : `commands ${this.#cmd.status}, pub/sub ${this.#resubscribed ? 'ready' : this.#sub.status}`;
    return { ok, detail: `redis ${state}, ${this.#counters.notes(this.#tails.size)}` };
  }

  /** Counters for metrics and tests; cheap, no I/O. */
  stats(): RedisBrokerStats {
    return this.#counters.stats(this.#tails.size);
  }

  /** Disconnects both connections at once (no waiting on a dead Redis). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#deliver = null;
    this.#releasePublishes(false);
    this.#batcher.failAll(new StreamHubError(ErrorCode.broker, 'broker closed'));
    for (const tail of this.#tails.values()) tail.close();
    this.#tails.clear();
    if (this.#retryTimer !== null) this.#clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#cmd.disconnect();
    this.#sub.disconnect();
  }

  #onMessage(topic: Buffer, message: Buffer): void {
    const channel = (this.#clustered ? channelOfClusterTopic : channelOfTopic)(this.#prefix, topic.toString());
    const tail = channel === null ? undefined : this.#tails.get(channel);
    if (!tail) return;
    let batch: Message[];
    try {
      batch = decodePublished(message);
    } catch (err) {
      this.#counters.badEnvelopes += 1;
      this.#log.warn({ channel, err: (err as Error).message }, 'skipping an undecodable envelope');
      return;
    }
    for (const msg of batch) if (msg.channel === channel) tail.onLive(msg);
  }

  /** Resolves once the data identity of the current connection is checked; rejects past the bound. */
  #dataCheck(): Promise<void> {
    if (this.#awaitingCheck.length >= this.#maxPendingPublishes) {
      return Promise.reject(new StreamHubError(ErrorCode.broker, 'redis publish failed: too many publishes waiting for the reconnect'));
    }
    return new Promise((resolve, reject) =>
      this.#awaitingCheck.push((ok) => (ok ? resolve() : reject(new StreamHubError(ErrorCode.broker, 'broker closed')))),
    );
  }

  /** Lets the waiting publishes go, in the order they came. */
  #releasePublishes(ok: boolean): void {
    const waiting = this.#awaitingCheck.splice(0);
    for (const release of waiting) release(ok);
  }

  /** Redis data identity (SET NX on first use): a new value means a flush or a failover to an empty replica. */
  async #onCommandReady(): Promise<void> {
    this.#errorLogged = false;
    const reconnect = this.#commandReadies++ > 0;
    let lost = false;
    try {
      const key = instanceKey(this.#prefix);
      await this.#cmd.set(key, this.#ids.epoch(), 'NX');
      const instance = await this.#cmd.get(key);
      if (this.#instance !== null && instance !== this.#instance) {
        lost = true;
        this.#counters.dataLosses += 1;
        this.#log.warn({ before: this.#instance, now: instance }, 'redis data was lost: channels restart with new epochs');
      }
      this.#instance = instance;
    } catch (err) {
      // Unknown: publishes go on rather than wait for the next reconnect; the loss, if any, goes unnoticed.
      this.#log.warn({ err: (err as Error).message }, 'redis instance check failed');
    }
    if (this.#closed) return this.#releasePublishes(false);
    this.#dataChecked = true;
    // The hub's republished snapshots are sent here, synchronously, ahead of every waiting publish.
    if (lost) this.#events.dataLost?.();
    this.#releasePublishes(true);
    // The fills use this connection: after a reconnect, catch up what failed while it was down.
    if (reconnect && this.#resubscribed) this.#catchUpAll();
  }

  /** After (re)connecting: SUBSCRIBE again to every channel still wanted, then fill what was missed. */
  async #onSubscriberReady(): Promise<void> {
    this.#errorLogged = false;
    const topics = [...this.#tails.keys()].map((ch) => this.#topic(ch));
    try {
      for (let i = 0; i < topics.length; i += SUBSCRIBE_CHUNK) await this.#sub.subscribe(...topics.slice(i, i + SUBSCRIBE_CHUNK));
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'resubscribe failed; retrying on the next reconnect');
      this.#sub.disconnect(true);
      return;
    }
    if (this.#closed) return;
    this.#resubscribed = true;
    this.#counters.subscriberReadies += 1;
    if (topics.length > 0) this.#log.info({ channels: topics.length }, 'redis pub/sub resubscribed');
    this.#catchUpAll();
  }

  /** A channel's pub/sub topic: `<prefix>pub:<channel>`, or on a Cluster `<prefix>{<channel>}:pub`, in the slot of its keys. */
  #topic(channel: string): string {
    return this.#clustered ? clusterTopic(this.#prefix, channel) : channelKeys(this.#prefix, channel).topic;
  }

  #catchUpAll(): void {
    for (const tail of this.#tails.values()) void tail.catchUp();
  }

  /** One timer for the whole node: a failed fill (say, a command timeout without a disconnect) is retried. */
  #scheduleRetry(): void {
    if (this.#retryTimer !== null || this.#closed) return;
    this.#retryTimer = this.#clock.setTimeout(() => {
      this.#retryTimer = null;
      if (this.health().ok) this.#catchUpAll(); // otherwise the reconnect catches up
    }, this.#retryMs);
  }

  #onError(err: Error): void {
    // ioredis reports every failed reconnect attempt; one warning per outage is enough.
    if (this.#errorLogged || this.#closed) return this.#log.debug({ err: err.message }, 'redis connection error');
    this.#errorLogged = true;
    this.#log.warn({ err: err.message }, 'redis connection error; reconnecting');
  }
}
