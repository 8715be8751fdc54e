import { Deque } from './deque.js';
import type { Message } from './types.js';

/**
 * Live messages of one channel handed to a subscriber as one frozen array. Every subscriber that
 * has read the channel's log up to the same place gets the same object, so the writer frames and
 * concatenates it once for all of them (DESIGN.md "Encode once").
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

/**
 * One member of a channel and the absolute log position it has read up to. A record, not a bare
 * number as the map's value, so a visit moves the position with one store instead of a
 * `Map.set` and the pass iterates `values()` without a `[key, value]` array per member (issue 19,
 * "the cost of a pass": both showed up per delivery in `perf`).
 */
export interface Membership<S> {
  readonly member: S;
  read: number;
}

/** A channel as the fan-out sees it; the hub's channel record carries these fields. */
export interface FanOutChannel<S extends BatchReceiver> {
  readonly name: string;
  readonly dialect: string;
  /** Each subscriber's membership (its read position), by subscriber. */
  readonly members: Map<S, Membership<S>>;
  /** Live messages not yet read by every member; `log[0]` is at absolute position `base`. */
  log: Message[];
  base: number;
  /** The pass in progress, if any: at most one per channel, so every member reads the log in order. */
  pass: ChannelPass<S> | null;
  /** Batches built for the log's current end, by start position (shared by members that read up to the same place). */
  batches: BatchMemo;
}

/**
 * The batches of one log end. `last` is the one most recently handed out: caught-up members all
 * start at the same place, so nearly every visit of a pass is answered without a map lookup.
 */
interface BatchMemo {
  end: number;
  byStart: Map<number, ChannelBatch>;
  last: ChannelBatch | null;
  lastStart: number;
}

interface ChannelPass<S extends BatchReceiver> {
  readonly channel: FanOutChannel<S>;
  /** The log's end when the pass began: every member has read at least this far once the pass is over. */
  readonly startEnd: number;
  /** A live iterator over the members: those who leave mid-pass are skipped, newcomers are visited. */
  readonly visit: Iterator<Membership<S>>;
  done: boolean;
}

/** Shared-batch deliveries of one slice of a pass, reported once. */
interface PassTally {
  messages: number;
  bytes: number;
  oldestPublishedAt: number;
}

export type DeliveredReport = (dialect: string, messages: number, bytes: number, oldestPublishedAt: number) => void;

/** A new channel's fan-out fields. */
export function emptyFanOutState(): Pick<FanOutChannel<never>, 'log' | 'base' | 'pass' | 'batches'> {
  return { log: [], base: 0, pass: null, batches: { end: 0, byStart: new Map(), last: null, lastStart: -1 } };
}

/**
 * Fan-out by channel log and read positions instead of a push into every subscriber's queue: a
 * live message is appended once to its channel's log, and a *pass* visits the channel's members,
 * each of which reads everything from its position to the log's end as one batch. The cost per
 * subscriber is one visit per pass, whatever the number of messages (issue #8: "no
 * per-subscriber allocation per message"). A member that is behind, paused or mid-replay takes
 * the batch message by message into its own bounded queue instead (HubSubscriber.receive).
 *
 * Passes run in FIFO order, sliced by a visit budget so that a pass over many thousand sockets
 * yields to I/O. A message arriving mid-pass is read by the members not yet visited in this pass
 * and by the others in the next, so it waits at most about one pass, as with per-subscriber
 * queues. The log is trimmed after each pass; when it reaches `batchLimit` the channel is caught
 * up at once (no yielding), so memory stays bounded and input waits while output catches up.
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

  /** A new member reads from the log's current end (what came before reaches it through its replay). */
  join(channel: FanOutChannel<S>, member: S): void {
    channel.members.set(member, { member, read: channel.base + channel.log.length });
  }

  /** Logs a live message for the channel's members. */
  add(channel: FanOutChannel<S>, msg: Message): void {
    channel.log.push(msg);
    if (channel.log.length >= this.#batchLimit) this.#catchUp(channel);
    else if (!channel.pass) this.#due.add(channel);
  }

  /** Runs passes for at most `budget` member visits; returns the budget left. */
  run(budget: number): number {
    for (const channel of this.#due) {
      this.#due.delete(channel);
      if (!channel.pass && channel.log.length > 0) this.#begin(channel);
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

  #begin(channel: FanOutChannel<S>): void {
    this.#due.delete(channel);
    const pass: ChannelPass<S> = { channel, startEnd: channel.base + channel.log.length, visit: channel.members.values(), done: false };
    channel.pass = pass;
    this.#passes.push(pass);
  }

  /** Visits up to `budget` members; when the pass is over, the log is trimmed and a new pass begins if messages came meanwhile. */
  #advance(pass: ChannelPass<S>, budget: number): number {
    const tally: PassTally = { messages: 0, bytes: 0, oldestPublishedAt: Infinity };
    while (budget > 0) {
      const next = pass.visit.next();
      if (next.done) {
        this.#end(pass);
        break;
      }
      budget -= 1;
      this.#visit(pass.channel, next.value, tally);
    }
    this.#reportTally(pass.channel, tally);
    return budget;
  }

  #visit(channel: FanOutChannel<S>, membership: Membership<S>, tally: PassTally): void {
    const end = channel.base + channel.log.length;
    const read = membership.read;
    if (read >= end) return;
    membership.read = end;
    const batch = this.#batchFrom(channel, Math.max(read, channel.base), end);
    if (!membership.member.receive(batch)) return;
    // Counted here, reported once per slice of the pass (metrics cost stays flat under fan-out).
    tally.messages += batch.messages.length;
    tally.bytes += batch.bytes;
    tally.oldestPublishedAt = Math.min(tally.oldestPublishedAt, batch.messages[0]!.publishedAt);
  }

  #reportTally(channel: FanOutChannel<S>, tally: PassTally): void {
    if (tally.messages > 0) this.#report(channel.dialect, tally.messages, tally.bytes, tally.oldestPublishedAt);
  }

  #batchFrom(channel: FanOutChannel<S>, start: number, end: number): ChannelBatch {
    const memo = channel.batches;
    if (memo.end !== end) {
      memo.end = end;
      memo.byStart.clear();
      memo.last = null;
    } else if (memo.last && memo.lastStart === start) {
      return memo.last;
    }
    let batch = memo.byStart.get(start);
    if (!batch) {
      batch = sealBatch(channel.name, channel.log.slice(start - channel.base));
      memo.byStart.set(start, batch);
    }
    memo.last = batch;
    memo.lastStart = start;
    return batch;
  }

  /** Visits every member not yet visited, without yielding. */
  #finish(pass: ChannelPass<S>): void {
    const tally: PassTally = { messages: 0, bytes: 0, oldestPublishedAt: Infinity };
    for (let next = pass.visit.next(); !next.done; next = pass.visit.next()) this.#visit(pass.channel, next.value, tally);
    this.#reportTally(pass.channel, tally);
    this.#end(pass);
  }

  #end(pass: ChannelPass<S>): void {
    if (pass.done) return;
    pass.done = true;
    const channel = pass.channel;
    if (channel.pass !== pass) return;
    channel.pass = null;
    // Every member has now read at least to where the pass began.
    const drop = pass.startEnd - channel.base;
    if (drop > 0) {
      channel.log = channel.log.slice(drop);
      channel.base = pass.startEnd;
    }
    if (channel.log.length > 0) this.#begin(channel);
    else clearMemo(channel.batches); // an idle channel keeps no batch alive
  }

  /**
   * The log is full: finish the pass under way (the members it had not visited read to the end),
   * then one more for the members it had (each visit reads to the end), without yielding.
   */
  #catchUp(channel: FanOutChannel<S>): void {
    for (let round = 0; round < 2; round++) {
      if (!channel.pass) {
        if (channel.log.length === 0) return;
        this.#begin(channel);
      }
      this.#finish(channel.pass!);
    }
  }
}

/** Forgets every batch of the memo, so none outlives the messages of an idle channel. */
function clearMemo(memo: BatchMemo): void {
  memo.byStart.clear();
  memo.last = null;
  memo.lastStart = -1;
}

/** Freezes the messages into a batch (sinks share it, so none may change it). */
function sealBatch(channel: string, messages: Message[]): ChannelBatch {
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
