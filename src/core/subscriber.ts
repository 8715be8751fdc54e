import { Deque } from './deque.js';
import type { BatchReceiver, ChannelBatch } from './fan-out.js';
import { ErrorCode, StreamHubError } from './errors.js';
import type {
  Clock,
  CloseReason,
  HubObserver,
  Message,
  QueueLimits,
  Sink,
  SubscribeOptions,
  SubscribeResult,
  Subscriber,
} from './types.js';

/** What a subscriber needs from its hub; kept narrow so the two can be tested apart. */
/** Close reason of a subscriber whose sink threw [RFC 6455 §7.4.1: 1011, an unexpected condition]. */
const SINK_FAILED: CloseReason = Object.freeze({ code: 1011, reason: 'internal error' });

export interface SubscriberHost {
  readonly clock: Clock;
  readonly observer: HubObserver;
  join(sub: HubSubscriber, channel: string): Promise<void>;
  leave(sub: HubSubscriber, channel: string): void;
  history: (channel: string, options: SubscribeOptions) => Promise<{
    messages: Message[];
    position: SubscribeResult['position'];
    recovered: boolean;
  }>;
  scheduleFlush(sub: HubSubscriber): void;
  forget(sub: HubSubscriber): void;
  countClose(kind: 'stall' | 'overflow'): void;
  /** Counts a delivered live batch; the hub reports the totals to its observer once per flush slice. */
  tally(dialect: string, batch: readonly Message[]): void;
}

interface ChannelState {
  /** Live messages held back while the replay is fetched; null once live. */
  pending: Message[] | null;
  /** Highest offset handed to the sink (or queued) for this channel, to drop duplicates at the seam. */
  lastOffset: number;
  epoch: string | null;
}

/**
 * One connection's place in the hub: a bounded live queue with a named overflow policy, the
 * replay-before-live seam per channel, and pause/resume driven by the sink's backpressure.
 */
export class HubSubscriber implements Subscriber, BatchReceiver {
  readonly id: string;
  readonly sink: Sink;
  readonly #host: SubscriberHost;
  readonly #limits: QueueLimits;
  readonly #states = new Map<string, ChannelState>();
  /**
   * The state `receive` found last, by channel name. The hub hands every batch of a channel with the
   * same name string, so this is one identity compare per pass instead of a string-keyed map
   * lookup, which compares characters when the two strings are equal but not the same object
   * (issue 19, "the cost of a pass"). Reset whenever `#states` changes.
   */
  #lastChannel: string | null = null;
  #lastState: ChannelState | undefined = undefined;
  readonly #queue = new Deque<Message>();
  #queuedBytes = 0;
  #paused = false;
  #closed = false;
  #dropped = 0;
  #droppedUnreported = 0;
  #stallTimer: unknown = null;
  /** `blocked` stall policy: the sink's pending bytes when the current stall period began. */
  #stallMark = 0;

  constructor(host: SubscriberHost, sink: Sink, limits: QueueLimits) {
    this.id = sink.id;
    this.sink = sink;
    this.#host = host;
    this.#limits = limits;
  }

  get channels(): ReadonlySet<string> {
    return new Set(this.#states.keys());
  }

  get queuedMessages(): number {
    return this.#queue.length;
  }

  get droppedMessages(): number {
    return this.#dropped;
  }

  get closed(): boolean {
    return this.#closed;
  }

  async subscribe(channel: string, options: SubscribeOptions = {}): Promise<SubscribeResult> {
    if (this.#closed) return { position: null, recovered: false, replayed: 0 };
    if (this.#states.has(channel)) throw new StreamHubError(ErrorCode.internal, `already subscribed to ${channel}`);
    // Register first, in this tick, so every live message from now on is held in `pending`.
    const state: ChannelState = { pending: [], lastOffset: 0, epoch: null };
    this.#states.set(channel, state);
    this.#lastChannel = null;
    await this.#host.join(this, channel);
    const replay = await this.#host.history(channel, options);
    if (this.#closed || this.#states.get(channel) !== state) return { ...replay, replayed: 0 };
    const held = state.pending ?? [];
    state.pending = null;
    for (const msg of replay.messages) this.#advance(state, msg);
    if (replay.position) {
      state.epoch = replay.position.epoch;
      state.lastOffset = Math.max(state.lastOffset, replay.position.offset);
    }
    // The replay burst goes straight to the sink, never through the small live queue (notes §1.3).
    if (replay.messages.length > 0) {
      if (this.#queue.length > 0 || this.#paused) {
        for (const msg of replay.messages) this.#queue.push(msg);
        this.#host.scheduleFlush(this);
      } else if (!this.#hand(replay.messages)) {
        this.#block();
      }
    }
    for (const msg of held) this.push(msg);
    return { position: replay.position, recovered: replay.recovered, replayed: replay.messages.length };
  }

  unsubscribe(channel: string): void {
    if (!this.#states.delete(channel)) return;
    this.#lastChannel = null;
    this.#host.leave(this, channel);
  }

  /**
   * Called once per pass of a channel this subscriber is in (fan-out.ts). Caught up — live on the
   * channel, writable, nothing queued, the batch entirely new to it — it hands the shared batch
   * straight to the sink, whatever its size: a writable sink never loses messages to a burst (the
   * batch is shared, bounded by the channel's log, and the socket takes references, not copies).
   * Otherwise each message takes the queue path, where the bounds and the overflow policy apply.
   */
  receive(batch: ChannelBatch): boolean {
    if (this.#closed) return false;
    const state = this.#stateOf(batch.channel);
    if (!state) return false;
    if (
      state.pending === null &&
      !this.#paused &&
      this.#queue.length === 0 &&
      batch.epoch !== null &&
      (state.epoch !== batch.epoch || batch.firstOffset > state.lastOffset)
    ) {
      state.epoch = batch.epoch;
      state.lastOffset = batch.lastOffset;
      if (!this.#hand(batch.messages)) this.#block();
      return true;
    }
    for (const msg of batch.messages) this.push(msg);
    return false;
  }

  /** A live message through this subscriber's own queue (dedup at the replay seam, overflow policy). */
  push(msg: Message): void {
    if (this.#closed) return;
    const state = this.#states.get(msg.channel);
    if (!state) return;
    if (state.pending) {
      if (state.pending.length >= this.#limits.maxPendingDuringReplay) {
        this.#closeFor('overflow', this.#limits.overflowClose);
        return;
      }
      state.pending.push(msg);
      return;
    }
    if (state.epoch === msg.epoch && msg.offset <= state.lastOffset) return; // already replayed
    this.#advance(state, msg);
    this.#enqueue(msg);
  }

  resume(): void {
    if (this.#closed) return;
    this.#paused = false;
    if (this.#queue.length > 0) this.#host.scheduleFlush(this);
    else this.#clearStall();
  }

  blocked(): void {
    if (this.#closed || this.#paused) return;
    this.#block();
  }

  /** Hands everything queued to the sink in one batch. Called by the hub once per tick. */
  flush(): void {
    if (this.#closed || this.#paused || this.#queue.length === 0) return;
    if (this.#droppedUnreported > 0 && this.sink.dropped) {
      const count = this.#droppedUnreported;
      this.#droppedUnreported = 0;
      this.sink.dropped(count);
      if (this.#closed) return;
    }
    const batch = this.#queue.drain();
    this.#queuedBytes = 0;
    this.#clearStall();
    if (!this.#hand(batch)) this.#block();
    this.#host.tally(this.sink.dialect, batch);
  }

  detach(reason?: CloseReason): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearStall();
    for (const channel of this.#states.keys()) this.#host.leave(this, channel);
    this.#states.clear();
    this.#lastChannel = null;
    this.#queue.clear();
    this.#queuedBytes = 0;
    this.#host.forget(this);
    if (reason) {
      this.#host.observer.detached?.(this.sink.dialect, reason);
      this.sink.close(reason);
    }
  }

  /**
   * `sink.deliver`, with a defect in one connection's sink kept to that connection (issue 20: "a
   * failure while publishing one channel closes that channel's offender, never the process"): an
   * exception here would otherwise unwind through the channel pass and out of a timer callback.
   * The subscriber is detached with 1011 and the observer told; true, since nothing is to wait for.
   */
  #hand(batch: readonly Message[]): boolean {
    try {
      return this.sink.deliver(batch);
    } catch (err) {
      this.#host.observer.sinkFailed?.(this.sink.dialect, err);
      try {
        this.detach(SINK_FAILED);
      } catch (closeErr) {
        this.#host.observer.sinkFailed?.(this.sink.dialect, closeErr);
      }
      return true;
    }
  }

  #stateOf(channel: string): ChannelState | undefined {
    if (channel !== this.#lastChannel) {
      this.#lastState = this.#states.get(channel);
      this.#lastChannel = channel;
    }
    return this.#lastState;
  }

  #advance(state: ChannelState, msg: Message): void {
    if (state.epoch !== msg.epoch) state.epoch = msg.epoch;
    state.lastOffset = msg.offset;
  }

  #enqueue(msg: Message): void {
    const limits = this.#limits;
    const size = msg.payload.byteLength;
    // A writable sink never loses messages to a burst: a full queue is flushed early instead.
    if (!this.#paused && (this.#queue.length >= limits.maxMessages || this.#queuedBytes + size > limits.maxBytes)) this.flush();
    if (this.#closed) return;
    while (overBounds(limits, this.#queue.length + 1, this.#queuedBytes + size)) {
      if (limits.overflow === 'close') {
        this.#closeFor('overflow', limits.overflowClose);
        return;
      }
      const victim = limits.overflow === 'coalesce' ? this.#coalesceVictim(msg) : this.#oldestVictim(msg);
      if (victim === msg) {
        this.#countDrop(limits.overflow);
        return;
      }
      if (!victim) break;
      this.#queuedBytes -= victim.payload.byteLength;
      this.#countDrop(limits.overflow);
    }
    this.#queue.push(msg);
    this.#queuedBytes += size;
    if (!this.#paused) this.#host.scheduleFlush(this);
  }

  /**
   * Drop-oldest discards the oldest message that is not protected. Protected are `pinned` (the
   * events a dialect must never lose: nova `error`/`stream_ended`, notes §2.4.6 and issue #3; match
   * sticky events; relay's first chunk) and `snapshot` (match's MatchInit, nova's `stream_started`
   * after a restart: without it the rest makes no sense). When only protected messages are queued,
   * an incoming unprotected one is itself dropped and an incoming protected one drops the oldest
   * queued, so the bounds still hold. Returns `incoming` to drop it.
   */
  #oldestVictim(incoming: Message): Message | undefined {
    // The usual head is unprotected: shift() is O(1), removeFirst() splices and is kept for the rare case.
    const head = this.#queue.peek();
    if (head && !isProtected(head)) return this.#queue.shift();
    const unprotected = this.#queue.removeFirst((m) => !isProtected(m));
    if (unprotected) return unprotected;
    return isProtected(incoming) ? this.#queue.shift() : incoming;
  }

  /**
   * Coalesce discards superseded state, never an event while a state can go instead: first an
   * older state (`data`/`snapshot`) of the incoming message's channel, then the oldest state of any
   * channel; when only events (`pinned`, `volatile`, `reset`) are queued, an incoming state is
   * itself dropped and an incoming event drops the oldest event. Returns `incoming` to drop it.
   */
  #coalesceVictim(incoming: Message): Message | undefined {
    const state =
      this.#queue.removeFirst((m) => m.channel === incoming.channel && isState(m)) ?? this.#queue.removeFirst(isState);
    if (state) return state;
    return isState(incoming) ? incoming : this.#queue.shift();
  }

  #countDrop(policy: QueueLimits['overflow']): void {
    this.#dropped += 1;
    this.#droppedUnreported += 1;
    this.#host.observer.dropped?.(this.sink.dialect, 1, policy);
    this.#armStall();
  }

  #armStall(): void {
    if (this.#stallTimer !== null || this.#limits.stallTimeoutMs <= 0 || this.#limits.stallFrom === 'blocked') return;
    this.#stallTimer = this.#host.clock.setTimeout(() => {
      this.#stallTimer = null;
      this.#closeFor('stall', this.#limits.stallClose);
    }, this.#limits.stallTimeoutMs);
  }

  /** The sink is above its watermark: deliveries wait for `resume()`; under the `blocked` policy the stall clock starts. */
  #block(): void {
    this.#paused = true;
    if (this.#closed || this.#stallTimer !== null || this.#limits.stallFrom !== 'blocked' || this.#limits.stallTimeoutMs <= 0) return;
    this.#stallMark = this.sink.pendingBytes?.() ?? 0;
    this.#armBlockedStall();
  }

  /** Closes a sink whose socket made no progress for a whole stall period; one that did gets another period. */
  #armBlockedStall(): void {
    this.#stallTimer = this.#host.clock.setTimeout(() => {
      this.#stallTimer = null;
      if (this.#closed || !this.#paused) return;
      const pending = this.sink.pendingBytes?.() ?? this.#stallMark;
      if (pending >= this.#stallMark) return this.#closeFor('stall', this.#limits.stallClose);
      this.#stallMark = pending;
      this.#armBlockedStall();
    }, this.#limits.stallTimeoutMs);
  }

  #clearStall(): void {
    if (this.#stallTimer === null) return;
    this.#host.clock.clearTimeout(this.#stallTimer);
    this.#stallTimer = null;
  }

  #closeFor(kind: 'stall' | 'overflow', reason: CloseReason): void {
    this.#host.countClose(kind);
    this.detach(reason);
  }
}

/**
 * The slow-consumer bound, decided here for every consumer, the hub's live queues and any buffer a
 * dialect's transport keeps per connection (spectra's Engine.IO packets): true when a queue of
 * `messages` messages and `bytes` bytes is past `limits`. A lone message may exceed `maxBytes`
 * (it must still be deliverable).
 */
export function overBounds(limits: Pick<QueueLimits, 'maxMessages' | 'maxBytes'>, messages: number, bytes: number): boolean {
  return messages > limits.maxMessages || (messages > 1 && bytes > limits.maxBytes);
}

/** States are superseded by newer ones of their channel; every other kind is an event that must not be coalesced away. */
function isState(msg: Message): boolean {
  return msg.kind === 'data' || msg.kind === 'snapshot';
}

/** What `drop-oldest` spares while anything else can go: events that must arrive and the snapshot the rest builds on. */
function isProtected(msg: Message): boolean {
  return msg.kind === 'pinned' || msg.kind === 'snapshot';
}
