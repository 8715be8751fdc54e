import { Deque } from './deque.js';
import type { Message } from './types.js';

/**
 * One channel's live messages, handed as one shared, frozen array to every subscriber of the
 * channel that is caught up (DESIGN.md "Encode once": the same batch object lets the writer frame
 * and concatenate it once for all of them).
 */
export interface ChannelBatch {
  readonly channel: string;
  readonly messages: readonly Message[];
  /** The epoch of every message, or null when the batch spans an epoch change (each message is then checked alone). */
  readonly epoch: string | null;
  readonly firstOffset: number;
  readonly lastOffset: number;
  /** Payload bytes of the whole batch. */
  readonly bytes: number;
}

/** What the fan-out needs from a subscriber. */
export interface BatchReceiver {
  /** Takes the batch; true when it went to the sink as the shared batch (the caught-up path). */
  receive(batch: ChannelBatch): boolean;
}

/** A channel as the fan-out sees it; the hub's channel record carries these fields. */
export interface FanOutChannel<S extends BatchReceiver> {
  readonly name: string;
  readonly dialect: string;
  readonly subscribers: ReadonlySet<S>;
  /** Live messages that arrived since the channel's current pass was sealed (at most `batchLimit`). */
  log: Message[];
  /** The pass in progress, if any: at most one per channel, so every subscriber sees the channel in order. */
  pass: ChannelPass<S> | null;
}

interface ChannelPass<S extends BatchReceiver> {
  readonly channel: FanOutChannel<S>;
  readonly batch: ChannelBatch;
  /** A live iterator over the channel's subscriber set: those who leave mid-pass are skipped, newcomers are visited. */
  readonly visit: Iterator<S>;
  done: boolean;
}

export type DeliveredReport = (dialect: string, messages: number, bytes: number, oldestPublishedAt: number) => void;

/**
 * Fan-out by channel pass instead of by per-subscriber queue push: a live message is appended
 * once to its channel's log; at the next flush the log is sealed into a batch and one pass visits
 * the channel's subscribers, each of which gets that same batch object. The cost per subscriber
 * per tick is one visit, whatever the number of messages (issue #8: "no per-subscriber allocation
 * per message"). A subscriber that is behind, paused or mid-replay takes the batch message by
 * message into its own bounded queue instead (HubSubscriber.receive).
 *
 * Passes run in FIFO order, sliced by a visit budget so that a pass over many thousand sockets
 * yields to I/O; messages arriving meanwhile wait in the log for the channel's next pass. The log
 * is bounded: when it reaches `batchLimit`, the channel's current pass is finished at once (no
 * yielding) and the log sealed, so memory stays bounded and input waits while output catches up.
 */
export class FanOut<S extends BatchReceiver> {
  readonly #batchLimit: number;
  readonly #report: DeliveredReport;
  readonly #due = new Set<FanOutChannel<S>>();
  readonly #passes = new Deque<ChannelPass<S>>();

  constructor(batchLimit: number, report: DeliveredReport) {
    this.#batchLimit = Math.max(1, batchLimit);
    this.#report = report;
  }

  /** True while a channel has messages waiting or a pass is unfinished. */
  get pending(): boolean {
    return this.#due.size > 0 || this.#passes.length > 0;
  }

  /** Logs a live message for the channel's next pass. */
  add(channel: FanOutChannel<S>, msg: Message): void {
    channel.log.push(msg);
    if (channel.log.length >= this.#batchLimit) {
      if (channel.pass) this.#finish(channel.pass);
      this.#seal(channel);
    } else if (!channel.pass) {
      this.#due.add(channel);
    }
  }

  /** Runs passes for at most `budget` subscriber visits; returns the budget left. */
  run(budget: number): number {
    for (const channel of this.#due) {
      this.#due.delete(channel);
      if (!channel.pass && channel.log.length > 0) this.#seal(channel);
    }
    while (budget > 0) {
      const pass = this.#passes.peek();
      if (!pass) break;
      if (!pass.done) budget = this.#advance(pass, budget);
      if (!pass.done) break;
      this.#passes.shift();
    }
    return budget;
  }

  #seal(channel: FanOutChannel<S>): void {
    this.#due.delete(channel);
    const messages = channel.log;
    channel.log = [];
    const pass: ChannelPass<S> = { channel, batch: sealBatch(channel.name, messages), visit: channel.subscribers.values(), done: false };
    channel.pass = pass;
    this.#passes.push(pass);
  }

  /** Visits up to `budget` subscribers of the pass; when the pass ends, the channel's log (if any) becomes its next pass. */
  #advance(pass: ChannelPass<S>, budget: number): number {
    let shared = 0;
    while (budget > 0) {
      const next = pass.visit.next();
      if (next.done) {
        this.#end(pass);
        break;
      }
      budget -= 1;
      if (next.value.receive(pass.batch)) shared += 1;
    }
    this.#tally(pass, shared);
    return budget;
  }

  /** Runs the rest of a pass without yielding (the channel's log is full). */
  #finish(pass: ChannelPass<S>): void {
    let shared = 0;
    for (let next = pass.visit.next(); !next.done; next = pass.visit.next()) {
      if (next.value.receive(pass.batch)) shared += 1;
    }
    this.#tally(pass, shared);
    pass.done = true;
    if (pass.channel.pass === pass) pass.channel.pass = null;
  }

  #end(pass: ChannelPass<S>): void {
    pass.done = true;
    const channel = pass.channel;
    if (channel.pass !== pass) return;
    channel.pass = null;
    if (channel.log.length > 0) this.#seal(channel);
  }

  #tally(pass: ChannelPass<S>, shared: number): void {
    if (shared === 0) return;
    const { batch, channel } = pass;
    this.#report(channel.dialect, shared * batch.messages.length, shared * batch.bytes, batch.messages[0]!.publishedAt);
  }
}

/** Freezes the messages into a batch (sinks share it, so none may change it). */
export function sealBatch(channel: string, messages: Message[]): ChannelBatch {
  const first = messages[0]!;
  const last = messages[messages.length - 1]!;
  let bytes = 0;
  let epoch: string | null = first.epoch;
  for (const msg of messages) {
    bytes += msg.payload.byteLength;
    if (msg.epoch !== epoch) epoch = null;
  }
  return { channel, messages: Object.freeze(messages), epoch, firstOffset: first.offset, lastOffset: last.offset, bytes };
}
