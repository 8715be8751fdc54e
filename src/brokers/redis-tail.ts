import { Deque, type Logger, type Message } from '../core/index.js';
import type { StoreView } from './redis-store.js';

/** What a tail needs from the broker. */
export interface TailHost {
  /** Hands one message to the hub (Broker.start's `deliver`). */
  deliver(msg: Message): void;
  /** One bounded batch of the channel's stored state after a position (see readChannel). */
  read(channel: string, since: { epoch: string; offset: number } | undefined): Promise<StoreView | null>;
  /** Messages delivered from the stream instead of pub/sub. */
  filled(channel: string, count: number): void;
  /** Messages the node could not get back: volatile or reset messages, or entries already evicted. */
  unrecoverable(channel: string, count: number): void;
  /** A fill failed: the host calls `catchUp` again later (after a delay, or on reconnect). */
  retryLater(): void;
  readonly log: Logger;
  /** Most live messages held while a fill runs; past it they are dropped and re-read from the stream. */
  readonly maxPending: number;
}

interface Target {
  readonly epoch: string;
  /** Fill up to and including this offset. */
  readonly offset: number;
}

/**
 * One channel's delivery on this node: every message exactly once, in offset order
 * (Broker.start contract). Live pub/sub messages go straight through while offsets are
 * consecutive; a gap (a pub/sub message lost while the subscriber connection was down, or one that
 * arrived while re-subscribing) is filled from the stream before anything after it is delivered.
 */
export class ChannelTail {
  readonly channel: string;
  readonly #host: TailHost;
  /** Last delivered position; epoch null while the channel had no data when this node subscribed. */
  #epoch: string | null = null;
  #last = 0;
  /** Live messages are held until `begin` gives the position at subscribe time. */
  #started = false;
  #filling = false;
  #pending = new Deque<Message>();
  /** Live messages were dropped while filling (or a catch-up was asked for): fill to the top afterwards. */
  #refill = false;
  #closed = false;

  constructor(channel: string, host: TailHost) {
    this.channel = channel;
    this.#host = host;
  }

  /**
   * The channel's top read right after SUBSCRIBE was acknowledged (null: no data yet). Messages up
   * to it are the hub's replay's business; everything after it is delivered from here on.
   */
  begin(top: { epoch: string; offset: number } | null): void {
    if (this.#closed || this.#started) return;
    this.#started = true;
    this.#epoch = top?.epoch ?? null;
    this.#last = top?.offset ?? 0;
    void this.#drain();
  }

  /** A message from pub/sub. */
  onLive(msg: Message): void {
    if (this.#closed) return;
    if (this.#filling || !this.#started) {
      if (this.#pending.length < this.#host.maxPending) this.#pending.push(msg);
      else this.#refill = true; // it is in the stream unless volatile; the refill reads it back
      return;
    }
    this.#accept(msg);
  }

  /**
   * A message this node published, from the publish script's reply. Delivered only when it is the
   * very next one (otherwise pub/sub or a fill brings it, and its pub/sub copy is dropped as a
   * repeat): a message whose pub/sub copy never left Redis before Redis lost its data still reaches
   * this node's subscribers (issue 15 item 1, counted at the producer's node).
   */
  onOwn(msg: Message): void {
    if (this.#closed || this.#filling || !this.#started) return;
    const next = msg.epoch === this.#epoch ? msg.offset === this.#last + 1 : msg.offset === 1;
    if (next) this.#deliver(msg);
  }

  /** After a reconnect: deliver whatever was published meanwhile, up to the channel's current top. */
  catchUp(): Promise<void> {
    if (this.#closed || !this.#started) return Promise.resolve();
    if (this.#filling) {
      this.#refill = true;
      return Promise.resolve();
    }
    return this.#fill(undefined, null);
  }

  close(): void {
    this.#closed = true;
    this.#pending.clear();
  }

  #accept(msg: Message): void {
    if (msg.epoch === this.#epoch) {
      if (msg.offset <= this.#last) return; // already delivered by a fill, or covered by the hub's replay
      if (msg.offset === this.#last + 1) return this.#deliver(msg);
    } else if (msg.offset === 1) {
      if (this.#epoch !== null) this.#host.log.warn({ channel: this.channel, from: this.#epoch, to: msg.epoch }, 'channel epoch changed');
      return this.#deliver(msg);
    }
    // A gap in this epoch, or a new epoch that started while we were not listening.
    void this.#fill({ epoch: msg.epoch, offset: msg.offset - 1 }, msg);
  }

  #deliver(msg: Message): void {
    this.#epoch = msg.epoch;
    this.#last = msg.offset;
    this.#host.deliver(msg);
  }

  /** Reads the stream until `target` (or the top) is reached, then delivers `then` and the held messages. */
  async #fill(target: Target | undefined, then: Message | null): Promise<void> {
    this.#filling = true;
    let failed = false;
    try {
      await this.#readUntil(target);
    } catch (err) {
      failed = true;
      this.#host.log.warn({ channel: this.channel, err: (err as Error).message }, 'gap fill failed; retrying');
    } finally {
      this.#filling = false;
    }
    if (this.#closed) return;
    if (failed) {
      // Held messages come back from the stream on the next catch-up or the next live gap.
      this.#pending.clear();
      this.#refill = false;
      this.#host.retryLater();
      return;
    }
    if (then) this.#accept(then);
    await this.#drain();
  }

  /** Delivers held messages until one of them opens a new gap; then a refill to the top if one is owed. */
  async #drain(): Promise<void> {
    while (!this.#filling && this.#pending.length > 0) this.#accept(this.#pending.shift()!);
    if (!this.#filling && this.#refill) {
      this.#refill = false;
      await this.#fill(undefined, null);
    }
  }

  async #readUntil(target: Target | undefined): Promise<void> {
    for (;;) {
      const since = this.#epoch === null ? undefined : { epoch: this.#epoch, offset: this.#last };
      const view = await this.#host.read(this.channel, since);
      if (this.#closed || !view) return;
      const fresh = view.epoch !== this.#epoch;
      if (!fresh && view.seq < this.#last) {
        // Redis lost writes it had acknowledged (failover to a lagging replica): its offsets go on
        // from below ours. Follow them rather than dropping the new messages as repeats.
        this.#host.log.error({ channel: this.channel, delivered: this.#last, redis: view.seq }, 'redis offsets went backwards');
        this.#last = view.seq;
      }
      if (fresh && this.#epoch !== null) this.#host.log.warn({ channel: this.channel, from: this.#epoch, to: view.epoch }, 'channel epoch changed');
      const after = fresh ? 0 : this.#last;
      let upTo = target && target.epoch === view.epoch ? Math.min(target.offset, view.seq) : view.seq;
      // A cut batch ends at its last ring entry; the next read continues from there, in order.
      const cut = view.truncated ? view.ring[view.ring.length - 1]!.offset : Infinity;
      if (cut < upTo) upTo = cut;
      const byOffset = new Map<number, Message>();
      for (const m of [view.snapshot, ...view.pinned, ...view.ring]) {
        if (m && m.offset > after && m.offset <= upTo) byOffset.set(m.offset, m);
      }
      const found = [...byOffset.values()].sort((a, b) => a.offset - b.offset);
      const missing = upTo - after - found.length;
      if (missing > 0) this.#host.unrecoverable(this.channel, missing);
      for (const m of found) this.#deliver(m);
      if (found.length > 0) this.#host.filled(this.channel, found.length);
      // Offsets nobody retained (volatile, reset, evicted) are passed over, so the next live message is in order.
      if (upTo > after || fresh) {
        this.#epoch = view.epoch;
        this.#last = Math.max(upTo, fresh ? 0 : this.#last);
      }
      if (cut === Infinity || cut >= (target && target.epoch === view.epoch ? target.offset : view.seq)) return;
    }
  }
}
