import { packMessages, type PublishCall } from './redis-scripts.js';
import { ErrorCode, StreamHubError } from '../errors.js';

/** What the publish script answers for one message of a batch (redis-publish.lua). */
export type PublishOutcome =
  | { readonly offset: number; readonly epoch: string; readonly duplicate: false }
  | {
      readonly offset: number;
      readonly epoch: string;
      readonly duplicate: true;
      readonly kindCode: number;
      readonly time: number;
      readonly publishedAt: number;
    };

/** Runs one script call for calls of one channel; resolves with the script's raw reply. */
export type RunBatch = (first: PublishCall, args: readonly (string | Buffer | number)[]) => Promise<unknown>;

export interface BatchLimits {
  /** Most messages per script call. */
  readonly maxMessages: number;
  /** Most payload bytes per script call (a single larger message still goes, alone). */
  readonly maxBytes: number;
  /**
   * Least time between two script calls of one channel, ms (0: none), once it publishes in bursts:
   * a channel whose last call carried two or more messages and went less than this long ago holds
   * its next batch until it has passed (or the batch is full), so a busy channel pays the script's
   * fixed cost at most 1000 / lingerMs times a second. A channel quiet for that long, or whose last
   * call carried one message (a producer that waits for each answer), is sent at the end of the
   * turn as before.
   */
  readonly lingerMs: number;
}

interface Waiting {
  readonly call: PublishCall;
  readonly resolve: (outcome: PublishOutcome) => void;
  readonly reject: (err: unknown) => void;
}

interface Batch {
  readonly key: string;
  readonly items: Waiting[];
  bytes: number;
}

/** One channel's state: its script calls in flight, the batch still taking publishes, and its linger timer. */
interface Lane {
  inFlight: number;
  open: Batch | null;
  timer: NodeJS.Timeout | null;
}

/**
 * Real time, not the broker's Clock: the linger is a transport knob like ioredis's own timers, and a
 * test's hand-driven clock must not hold publishes back.
 */
const monotonicMs = (): number => performance.now();

/**
 * Groups publishes into one publish-script call per channel (issue 17: the script's fixed cost —
 * its call, the channel's counters, the TTL check, the PUBLISH — is paid once per batch, not per
 * message). A channel's open batch is sent at the end of the event-loop turn if the channel has no
 * call in flight, else as soon as its call in flight answers: so the batch grows with Redis's
 * round trip, and the cost per message falls as the rate rises, while a lone publish waits for
 * nothing. It is sent at once when it reaches `maxMessages` or `maxBytes`, or when a publish of the
 * channel needs other script arguments (another retention): so at most one open batch per channel
 * is held, bounded. With `lingerMs`, a channel whose previous call carried several messages also
 * waits until `lingerMs` after it (issue 17: larger batches at a given rate, for at most `lingerMs`
 * more latency; REDIS.md "Publish"). Per channel, calls are sent in publish order and Redis runs one
 * connection's calls in order, so offsets follow publish order. A failed call fails every publish of its batch
 * (none is resent: it may have run).
 */
export class PublishBatcher {
  readonly #run: RunBatch;
  readonly #limits: BatchLimits;
  readonly #lanes = new Map<string, Lane>();
  /** Channels with an open batch waiting for the end of the turn. */
  readonly #due = new Set<string>();
  #scheduled = false;
  /**
   * When each channel last sent a call of two or more messages, oldest first (re-inserted on every
   * such send, removed on a single-message one), kept only while inside the linger: bounded by the
   * channels that sent within the last `lingerMs`.
   */
  readonly #lastSent = new Map<string, number>();

  constructor(run: RunBatch, limits: BatchLimits) {
    this.#run = run;
    this.#limits = limits;
  }

  publish(call: PublishCall): Promise<PublishOutcome> {
    return new Promise((resolve, reject) => {
      const channel = call.channel;
      let lane = this.#lanes.get(channel);
      if (!lane) {
        lane = { inFlight: 0, open: null, timer: null };
        this.#lanes.set(channel, lane);
      }
      const open = lane.open;
      if (open && (open.key !== call.batchKey || open.bytes + call.bytes > this.#limits.maxBytes)) this.#send(channel, lane);
      if (!lane.open) lane.open = { key: call.batchKey, items: [], bytes: 0 };
      lane.open.items.push({ call, resolve, reject });
      lane.open.bytes += call.bytes;
      if (lane.open.items.length >= this.#limits.maxMessages) this.#send(channel, lane);
      else if (lane.inFlight === 0) this.#schedule(channel);
    });
  }

  /** Fails every publish not yet sent (the broker is closing). */
  failAll(err: unknown): void {
    for (const lane of this.#lanes.values()) {
      const open = lane.open;
      lane.open = null;
      if (lane.timer) clearTimeout(lane.timer);
      lane.timer = null;
      for (const w of open?.items ?? []) w.reject(err);
    }
    this.#due.clear();
  }

  #schedule(channel: string): void {
    this.#due.add(channel);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      const due = [...this.#due];
      this.#due.clear();
      for (const ch of due) {
        const lane = this.#lanes.get(ch);
        if (lane && lane.inFlight === 0) this.#release(ch, lane);
      }
    });
  }

  /** Sends a lane's open batch (no call in flight) now, or when the channel's linger has passed. */
  #release(channel: string, lane: Lane): void {
    if (!lane.open || lane.timer) return;
    const wait = this.#lingerLeft(channel);
    if (wait <= 0) return this.#send(channel, lane);
    lane.timer = setTimeout(() => {
      lane.timer = null;
      if (lane.inFlight === 0) this.#send(channel, lane);
    }, wait);
  }

  /** Ms until the channel may send again (≤ 0: now); forgets sends older than the linger. */
  #lingerLeft(channel: string): number {
    const linger = this.#limits.lingerMs;
    if (linger <= 0) return 0;
    const now = monotonicMs();
    for (const [ch, at] of this.#lastSent) {
      if (at + linger > now) break;
      this.#lastSent.delete(ch);
    }
    const at = this.#lastSent.get(channel);
    return at === undefined ? 0 : at + linger - now;
  }

  #send(channel: string, lane: Lane): void {
    const batch = lane.open;
    if (!batch || batch.items.length === 0) return;
    lane.open = null;
    lane.inFlight += 1;
    if (lane.timer) clearTimeout(lane.timer);
    lane.timer = null;
    if (this.#limits.lingerMs > 0) {
      this.#lastSent.delete(channel); // re-inserted last: the map stays in send order
      // One message: nothing shared the call, so a producer waiting for each answer is never held.
      if (batch.items.length > 1) this.#lastSent.set(channel, monotonicMs());
    }
    const first = batch.items[0]!.call;
    // The channel's arguments, then the whole batch as one packed argument (redis-publish.lua ARGV[12]).
    const args: (string | Buffer | number)[] = [...first.head, packMessages(batch.items.map((w) => w.call))];
    let sent: Promise<unknown>;
    try {
      sent = this.#run(first, args);
    } catch (err) {
      sent = Promise.reject(err);
    }
    const done = () => {
      lane.inFlight -= 1;
      if (lane.inFlight === 0) {
        if (lane.open) this.#release(channel, lane);
        else if (this.#lanes.get(channel) === lane) this.#lanes.delete(channel);
      }
    };
    sent.then(
      (reply) => {
        done();
        settle(batch.items, reply);
      },
      (err: unknown) => {
        done();
        for (const w of batch.items) w.reject(err);
      },
    );
  }
}

/** Hands each publish its part of the script's reply `{ r1, epoch, r2 … rN }`. */
function settle(items: readonly Waiting[], reply: unknown): void {
  type Part = number | readonly [number, number, Buffer, Buffer];
  const parts = reply as unknown[];
  if (!Array.isArray(parts) || parts.length !== items.length + 1) {
    const err = new StreamHubError(ErrorCode.internal, `publish script answered ${Array.isArray(parts) ? parts.length : typeof parts} parts for ${items.length} messages`);
    for (const w of items) w.reject(err);
    return;
  }
  const epoch = String(parts[1]);
  items.forEach((w, i) => {
    const r = parts[i === 0 ? 0 : i + 1] as Part;
    if (typeof r === 'number') return w.resolve({ offset: r, epoch, duplicate: false });
    const [offset, kindCode, time, publishedAt] = r;
    w.resolve({ offset, epoch, duplicate: true, kindCode, time: Number(time.toString()), publishedAt: Number(publishedAt.toString()) });
  });
}
