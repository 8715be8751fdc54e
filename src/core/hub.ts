import { systemClock } from './clock.js';
import { FanOut, emptyFanOutState, type FanOutChannel } from './fan-out.js';
import { HeldSnapshots } from './held-snapshots.js';
import { HubSubscriber, type SubscriberHost } from './subscriber.js';
import type {
  Broker,
  ChannelHistory,
  ChannelStats,
  Clock,
  CloseReason,
  HistoryQuery,
  HubObserver,
  HubStats,
  Message,
  Payload,
  PublishOptions,
  PublishedMessage,
  QueueLimits,
  Sink,
  SubscribeOptions,
  Subscriber,
} from './types.js';

export interface HubOptions {
  readonly broker: Broker;
  readonly clock?: Clock;
  readonly observer?: HubObserver;
  /** Flush scheduler: once per tick by default, so writes to one socket coalesce. Tests may pass a synchronous one. */
  readonly schedule?: (fn: () => void) => void;
  /**
   * Most subscriber visits (channel passes and queue flushes) in one turn of the event loop
   * (default 512). A pass over many thousand sockets is cut into slices so that I/O — incoming
   * publishes, drains, new connections — is served in between.
   */
  readonly flushSliceSize?: number;
  /**
   * Most live messages a channel's log holds (default 4096; fan-out.ts). When passes over
   * slow-to-write sockets let more pile up, the channel is caught up at once, before more input
   * is read, so this bounds the memory of a channel's backlog.
   */
  readonly channelBatchLimit?: number;
}

interface DeliveryTally {
  messages: number;
  bytes: number;
  /** Oldest `publishedAt` among the batches, for the latency metric. */
  oldestPublishedAt: number;
}

interface LocalChannel extends FanOutChannel<HubSubscriber> {
  /** Resolves once the broker has registered this node's interest. */
  joined: Promise<void>;
  messagesIn: number;
  messagesSent: number;
  lastOffset: number;
  epoch: string | null;
}

/** The dialect part of a channel name `<dialect>:<name>` (DESIGN.md "Channel"). */
export function dialectOf(channel: string): string {
  const colon = channel.indexOf(':');
  return colon < 0 ? channel : channel.slice(0, colon);
}

/**
 * The hub: local channel registry and the fan-out path broker → channel → subscriber queues →
 * sinks. Positions and retention belong to the broker; the hub owns subscribers, their bounded
 * queues, the replay/live seam and the per-tick flush.
 */
export class Hub {
  readonly broker: Broker;
  readonly clock: Clock;
  readonly #observer: HubObserver;
  readonly #schedule: (fn: () => void) => void;
  readonly #channels = new Map<string, LocalChannel>();
  readonly #subscribers = new Set<HubSubscriber>();
  readonly #dirty = new Set<HubSubscriber>();
  readonly #host: SubscriberHost;
  readonly #flushSliceSize: number;
  readonly #tallies = new Map<string, DeliveryTally>();
  readonly #fanOut: FanOut<HubSubscriber>;
  readonly #held = new HeldSnapshots();
  #flushScheduled = false;
  #started = false;
  #closed = false;
  #stallCloses = 0;
  #overflowCloses = 0;

  constructor(options: HubOptions) {
    this.broker = options.broker;
    this.clock = options.clock ?? systemClock;
    this.#observer = options.observer ?? {};
    this.#schedule = options.schedule ?? ((fn) => setImmediate(fn));
    this.#flushSliceSize = Math.max(1, options.flushSliceSize ?? 512);
    this.#fanOut = new FanOut(options.channelBatchLimit ?? 4096, (dialect, messages, bytes, oldest) =>
      this.#count(dialect, messages, bytes, oldest),
    );
    this.#host = {
      clock: this.clock,
      observer: this.#observer,
      join: (sub, channel) => this.#join(sub, channel),
      leave: (sub, channel) => this.#leave(sub, channel),
      history: (channel, options) => this.#replay(channel, options),
      scheduleFlush: (sub) => this.#markDirty(sub),
      forget: (sub) => {
        this.#subscribers.delete(sub);
        this.#dirty.delete(sub);
      },
      tally: (dialect, batch) => this.#tally(dialect, batch),
      countClose: (kind) => {
        if (kind === 'stall') this.#stallCloses += 1;
        else this.#overflowCloses += 1;
      },
    };
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.broker.start((msg) => this.#onBrokerMessage(msg), { dataLost: () => this.#republishSnapshots() });
  }

  /**
   * Asks the broker for a position and retention, then the broker fans the message out to every
   * node. The last snapshot of each channel is held, to be published again if the broker loses it.
   */
  async publish(channel: string, payload: Payload, options: PublishOptions): Promise<PublishedMessage> {
    this.#held.record(channel, payload, options, this.clock.now());
    const msg = await this.broker.publish(channel, payload, options);
    // A repeated idempotency key published nothing (issue 15 item 3).
    if (!msg.duplicate) this.#observer.published?.(dialectOf(channel), payload.byteLength);
    return msg;
  }

  /** Retained history of a channel, straight from the broker. */
  history(channel: string, query?: HistoryQuery): Promise<ChannelHistory> {
    return this.broker.history(channel, query);
  }

  /** Registers one connection. The hub owns the queue; the sink owns the socket. */
  attach(sink: Sink, limits: QueueLimits): Subscriber {
    const sub = new HubSubscriber(this.#host, sink, limits);
    this.#subscribers.add(sub);
    return sub;
  }

  /** Local subscriber count of one channel (no I/O). */
  subscriberCount(channel: string): number {
    return this.#channels.get(channel)?.members.size ?? 0;
  }

  stats(): HubStats {
    const channels: ChannelStats[] = [];
    for (const ch of this.#channels.values()) {
      channels.push({
        name: ch.name,
        dialect: ch.dialect,
        subscribers: ch.members.size,
        messagesIn: ch.messagesIn,
        messagesSent: ch.messagesSent,
        lastOffset: ch.lastOffset,
      });
    }
    let queued = 0;
    let dropped = 0;
    const queuedByDialect: Record<string, number> = {};
    for (const sub of this.#subscribers) {
      const depth = sub.queuedMessages;
      queued += depth;
      dropped += sub.droppedMessages;
      queuedByDialect[sub.sink.dialect] = (queuedByDialect[sub.sink.dialect] ?? 0) + depth;
    }
    return {
      channels,
      subscribers: this.#subscribers.size,
      queuedMessages: queued,
      queuedByDialect,
      droppedMessages: dropped,
      stallCloses: this.#stallCloses,
      overflowCloses: this.#overflowCloses,
      broker: { name: this.broker.name, ...this.broker.health() },
    };
  }

  /** Detaches every subscriber with `reason`, then closes the broker. Idempotent. */
  async close(reason: CloseReason): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const sub of [...this.#subscribers]) sub.detach(reason);
    await this.broker.close();
  }

  /** Snapshots this node holds (metrics, tests). */
  get heldSnapshots(): number {
    return this.#held.size;
  }

  /**
   * The broker lost its data: publish every held snapshot again, synchronously, so each one is the
   * first message of its channel's new epoch and newcomers can join (DESIGN.md § Scale-out).
   */
  #republishSnapshots(): void {
    for (const { channel, payload, options } of this.#held.takeLive(this.clock.now())) {
      const dialect = dialectOf(channel);
      this.broker.publish(channel, payload, { ...options, kind: 'snapshot' }).then(
        () => this.#observer.republished?.(dialect, true),
        () => this.#observer.republished?.(dialect, false),
      );
    }
  }

  #onBrokerMessage(msg: Message): void {
    const channel = this.#channels.get(msg.channel);
    if (!channel) return;
    // The broker promises offset order; a repeat (e.g. a gap fill racing a live message) is dropped here.
    if (channel.epoch === msg.epoch && msg.offset <= channel.lastOffset) return;
    channel.epoch = msg.epoch;
    channel.lastOffset = msg.offset;
    channel.messagesIn += 1;
    channel.messagesSent += channel.members.size;
    // Logged once; each subscriber reads it in the channel's pass (fan-out.ts), nothing is pushed per subscriber.
    this.#fanOut.add(channel, msg);
    this.#requestFlush();
  }

  #join(sub: HubSubscriber, name: string): Promise<void> {
    let channel = this.#channels.get(name);
    if (!channel) {
      channel = {
        name,
        dialect: dialectOf(name),
        members: new Map(),
        joined: Promise.resolve(),
        messagesIn: 0,
        messagesSent: 0,
        lastOffset: 0,
        epoch: null,
        ...emptyFanOutState(),
      };
      this.#channels.set(name, channel);
      channel.joined = this.broker.subscribe(name);
    }
    this.#fanOut.join(channel, sub);
    return channel.joined;
  }

  #leave(sub: HubSubscriber, name: string): void {
    const channel = this.#channels.get(name);
    if (!channel) return;
    channel.members.delete(sub);
    if (channel.members.size > 0) return;
    this.#channels.delete(name);
    channel.log = [];
    if (!this.#closed) {
      this.broker.unsubscribe(name).catch(() => {
        // The broker reports its own health; a failed unsubscribe only costs a little bandwidth.
      });
    }
  }

  async #replay(channel: string, options: SubscribeOptions) {
    const history = await this.broker.history(channel, options.since ? { since: options.since } : {});
    const messages: Message[] = [];
    if (history.snapshot && !options.skipSnapshot) {
      const resumedPastSnapshot =
        options.since && options.since.epoch === history.snapshot.epoch && options.since.offset >= history.snapshot.offset;
      if (!resumedPastSnapshot) messages.push(history.snapshot);
    }
    if (!options.skipPinned && !options.since) messages.push(...history.pinned);
    if (!options.liveOnly) messages.push(...history.messages);
    return { messages, position: history.top, recovered: history.recovered };
  }

  #markDirty(sub: HubSubscriber): void {
    this.#dirty.add(sub);
    this.#requestFlush();
  }

  #requestFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    this.#schedule(() => this.#flush());
  }

  /** One slice: channel passes first (the caught-up majority), then subscribers with their own queue. */
  #flush(): void {
    this.#flushScheduled = false;
    let budget = this.#fanOut.run(this.#flushSliceSize);
    for (const sub of this.#dirty) {
      if (budget-- <= 0) break;
      this.#dirty.delete(sub);
      sub.flush();
    }
    this.#reportTallies();
    if (this.#dirty.size > 0 || this.#fanOut.pending) this.#requestFlush();
  }

  #tally(dialect: string, batch: readonly Message[]): void {
    if (!this.#observer.delivered) return;
    let bytes = 0;
    for (const msg of batch) bytes += msg.payload.byteLength;
    this.#count(dialect, batch.length, bytes, batch[0]?.publishedAt ?? Infinity);
  }

  #count(dialect: string, messages: number, bytes: number, oldestPublishedAt: number): void {
    if (!this.#observer.delivered) return;
    let tally = this.#tallies.get(dialect);
    if (!tally) {
      tally = { messages: 0, bytes: 0, oldestPublishedAt: Infinity };
      this.#tallies.set(dialect, tally);
    }
    tally.messages += messages;
    tally.bytes += bytes;
    if (oldestPublishedAt < tally.oldestPublishedAt) tally.oldestPublishedAt = oldestPublishedAt;
  }

  /** One observer call per dialect per flush slice, not per subscriber (metrics cost stays flat under fan-out). */
  #reportTallies(): void {
    if (this.#tallies.size === 0) return;
    const now = this.clock.now();
    for (const [dialect, tally] of this.#tallies) {
      this.#observer.delivered?.(dialect, tally.messages, tally.bytes, now - tally.oldestPublishedAt);
    }
    this.#tallies.clear();
  }
}
