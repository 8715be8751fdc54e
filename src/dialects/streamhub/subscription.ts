/**
 * One channel subscription of one client (PROTOCOL.md §7–§8): its own place in the hub (a
 * `Subscriber` with a bounded queue, overflow policy `close`), the replay held back until the
 * `subscribed` frame is written, never a partial recovery, and explicit continuity loss.
 *
 * Why one hub subscriber per subscription: a resume that turns out not to be exact is redone from
 * scratch, and detaching the first attempt's subscriber throws away everything it queued, so no
 * message of the abandoned attempt can reach the client (a shared queue could not tell them apart).
 */
import type { CloseReason, Hub, Message, QueueLimits, Sink, StreamPosition, Subscriber } from '../../core/index.js';
import { encodeGap, encodePub } from './codec.js';
import { DeltaChain } from './delta-chain.js';
import { pubBatchOf, type PubBatch } from './pub-batch.js';

/** One frame a subscription writes: a `pub` (with its message) or a `gap`. */
export interface OutFrame {
  readonly frame: Buffer;
  /** Set for a `pub`. */
  readonly msg?: Message;
}

/** Where a subscription writes; the session (WebSocket) or the SSE stream implements it. */
export interface SubscriptionOutput {
  /** Writes frames in order; false when the transport is above its high watermark. */
  write(frames: readonly OutFrame[]): boolean;
  /**
   * Writes a hub batch's shared pub frames, which follow exactly the last frame this subscription
   * wrote (no gap, no duplicate, no delta): the same bytes for every such subscription.
   */
  writePubs(pubs: PubBatch): boolean;
  /** The hub gave up on this subscription (its queue overflowed): end the whole connection. */
  fail(reason: CloseReason): void;
}

export interface SubscriptionStart {
  readonly recovered: boolean;
  readonly position: StreamPosition | null;
  /** The replay: exactly the missed publications (recovered) or the whole retained state. */
  readonly publications: readonly Message[];
}

/** A channel subscription; `start` once, then `goLive` once its `subscribed` frame is written. */
export class ChannelSubscription {
  readonly channel: string;
  readonly #hub: Hub;
  readonly #limits: QueueLimits;
  readonly #out: SubscriptionOutput;
  readonly #connId: string;
  #current: Subscriber | null = null;
  #generation = 0;
  /** Messages of the current attempt not yet written: the replay, then live ones until `goLive`. */
  #held: Message[] = [];
  #live = false;
  #stopped = false;
  #last: StreamPosition | null = null;
  /** Set for a `"delta":"fossil"` subscription (PROTOCOL.md §17). */
  readonly #delta: DeltaChain | null;

  constructor(hub: Hub, limits: QueueLimits, out: SubscriptionOutput, connId: string, channel: string, delta = false) {
    this.#hub = hub;
    this.#limits = limits;
    this.#out = out;
    this.#connId = connId;
    this.channel = channel;
    this.#delta = delta ? new DeltaChain() : null;
  }

  /** The replay's pub frames for the `subscribed` reply (full `json` in a delta subscription, which starts its chain). */
  encodeReplay(publications: readonly Message[]): Buffer[] {
    const chain = this.#delta;
    if (!chain) return publications.map(encodePub);
    return publications.map((msg) => {
      chain.reset();
      return chain.frame(msg);
    });
  }

  /**
   * Reads the replay. With `since`, an exact resume answers `recovered: true` and only what came
   * after; anything else is redone without `since`, so the client gets the whole retained state
   * (snapshot, pinned, ring) and `recovered: false` — never a partial recovery.
   */
  async start(since?: StreamPosition): Promise<SubscriptionStart> {
    let result = await this.#attempt(since);
    if (since && !result.recovered && !this.#stopped) result = await this.#attempt(undefined);
    const publications = this.#held;
    this.#held = [];
    const lastReplayed = publications.at(-1);
    this.#last = result.position ?? (lastReplayed ? { offset: lastReplayed.offset, epoch: lastReplayed.epoch } : null);
    return { recovered: since !== undefined && result.recovered, position: result.position, publications };
  }

  /** The `subscribed` frame is written: live messages flow from now on. */
  goLive(): void {
    if (this.#stopped || this.#live) return;
    this.#live = true;
    const held = this.#held;
    this.#held = [];
    if (held.length > 0 && !this.#write(held)) this.#current?.blocked();
  }

  /** The socket drained below its low watermark. */
  resume(): void {
    if (this.#live) this.#current?.resume();
  }

  /** Unsubscribe: nothing of this channel is written after this returns. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#held = [];
    this.#current?.detach();
    this.#current = null;
  }

  get queuedMessages(): number {
    return this.#current?.queuedMessages ?? 0;
  }

  async #attempt(since: StreamPosition | undefined) {
    this.#current?.detach();
    this.#held = [];
    const generation = ++this.#generation;
    const sink: Sink = {
      id: `${this.#connId}/${generation}`,
      dialect: 'streamhub',
      deliver: (batch) => this.#deliver(generation, batch),
      close: (reason) => {
        if (generation === this.#generation && !this.#stopped) this.#out.fail(reason);
      },
    };
    this.#current = this.#hub.attach(sink, this.#limits);
    return this.#current.subscribe(this.channel, since ? { since } : {});
  }

  #deliver(generation: number, batch: readonly Message[]): boolean {
    if (generation !== this.#generation || this.#stopped) return true;
    if (!this.#live) {
      // The replay (bounded by the channel's retention) and the live messages right behind it wait
      // for the `subscribed` frame; those behind it are bounded like the hub's own hold.
      if (this.#held.length > this.#limits.maxPendingDuringReplay) {
        this.#out.fail(this.#limits.overflowClose);
        return true;
      }
      for (const msg of batch) this.#held.push(msg);
      return true;
    }
    return this.#write(batch);
  }

  /**
   * Writes pubs, each preceded by a `gap` when it does not follow the last one written (§8).
   * The plain live case — no delta, and the batch continues exactly from the last position
   * written — takes the hub batch's shared frames: one lookup and one write (pub-batch.ts).
   */
  #write(batch: readonly Message[]): boolean {
    const last = this.#last;
    const first = batch[0];
    if (!this.#delta && last && first && first.epoch === last.epoch && first.offset === last.offset + 1) {
      const pubs = pubBatchOf(batch);
      if (pubs.contiguous) {
        // The message itself is its position (no copy per subscription and batch).
        this.#last = batch[batch.length - 1]!;
        return this.#out.writePubs(pubs);
      }
    }
    return this.#writeEach(batch);
  }

  /** Message by message: gaps, duplicates at a seam, deltas. */
  #writeEach(batch: readonly Message[]): boolean {
    const frames: OutFrame[] = [];
    for (const msg of batch) {
      const last = this.#last;
      if (last && last.epoch !== msg.epoch) {
        frames.push({ frame: encodeGap(this.channel, 'epoch_changed', last, msg) });
        this.#delta?.reset();
      } else if (last && msg.offset !== last.offset + 1) {
        if (msg.offset <= last.offset) continue; // already written (a duplicate at a seam)
        frames.push({ frame: encodeGap(this.channel, 'offset_gap', last, msg) });
        this.#delta?.reset();
      }
      this.#last = { offset: msg.offset, epoch: msg.epoch };
      frames.push({ frame: this.#delta ? this.#delta.frame(msg) : encodePub(msg), msg });
    }
    if (frames.length === 0) return true;
    return this.#out.write(frames);
  }
}
