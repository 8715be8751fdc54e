import type { WebSocket } from 'ws';
import type { Config } from '../../config/index.js';
import type { CloseReason, Message, RetentionPolicy, Sink, Subscriber } from '../../core/index.js';
import { safeEqual } from '../shared/http-reply.js';
import { endWhenFlushed } from '../shared/drain.js';
import { WsWriter } from '../shared/ws-writer.js';
import type { DialectContext } from '../types.js';
import { closeWithGrace } from './close-socket.js';
import {
  HEARTBEAT,
  INVALID_KEY_ERROR,
  RelayClose,
  decodeControl,
  encodeControl,
  hubChannel,
  keyDigest,
  type RelayControl,
} from './codec.js';
import { Liveness } from './liveness.js';
import type { PublisherRegistry } from './publisher-registry.js';

export type ReceiverKind = 'receive' | 'receive-clear-cache' | 'probe';

export interface ReceiverSessionOptions {
  readonly ctx: DialectContext;
  readonly ws: WebSocket;
  readonly channel: string;
  readonly key: string;
  readonly kind: ReceiverKind;
  readonly registry: PublisherRegistry;
  readonly settings: Config['relay'];
  /** Retention sent with the control messages this session publishes (the `clear`). */
  readonly retention: RetentionPolicy;
  /** Called once, when the socket is gone. */
  readonly onClosed: () => void;
}

/**
 * - `pending`: subscribed, waiting for the registry; hub deliveries are held (bounded by the replay);
 * - `idle`: no publisher yet: waits for a `start` (notes §3.4, the intended StartIdlePlayers);
 * - `playing`: key checked; chunks of `publishId` are written in order;
 * - `closed`.
 */
type State = 'pending' | 'idle' | 'playing' | 'closed';

/**
 * One receiver, receive-clear-cache or probe connection (seed §Receive, §Probe; notes §3.4–§3.5).
 * It is the hub's Sink for `relay:<channel>`: the cache arrives as the subscription's replay
 * (pinned first chunk, then the FIFO), live chunks follow with no gap, and control messages
 * (`start`, `end`, `clear`) arrive in the same order on every node.
 */
export class ReceiverSession implements Sink {
  readonly id: string;
  readonly dialect = 'relay';
  readonly kind: ReceiverKind;
  readonly #o: ReceiverSessionOptions;
  readonly #writer: WsWriter;
  readonly #liveness: Liveness;
  readonly #myDigest: string;
  #subscriber: Subscriber | null = null;
  #state: State = 'pending';
  #held: Message[] | null = [];
  #publishId: string | null = null;
  #clearedFor: string | null = null;
  #stallTimer: unknown = null;
  #stallMark = 0;
  chunksSent = 0;

  constructor(options: ReceiverSessionOptions) {
    this.#o = options;
    this.kind = options.kind;
    this.id = options.ctx.ids.next();
    this.#myDigest = keyDigest(options.key);
    const { ws, settings, ctx } = options;
    this.#writer = new WsWriter(ws, settings.queue.highWaterMarkBytes, () => this.#onDrain());
    this.#liveness = new Liveness({
      clock: ctx.clock,
      heartbeatIntervalMs: settings.heartbeatIntervalMs,
      idleTimeoutMs: settings.idleTimeoutMs,
      beat: () => this.#writer.send(HEARTBEAT),
      onIdle: () => this.#finish(RelayClose.idle),
    });
    // Receivers only send `h`; any data frame (text or binary) counts as liveness (notes §3.3).
    ws.on('message', () => this.#liveness.touch());
    ws.on('error', () => undefined); // `ws` closes the socket itself (1009, protocol errors); 'close' follows.
    ws.once('close', () => this.#onSocketClose());
  }

  get state(): State {
    return this.#state;
  }

  /** True once the session closed (re-read after every await: the socket may close meanwhile). */
  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  /** Subscribes, then learns whether a publisher is live; everything delivered meanwhile is held, then replayed in order. */
  async start(): Promise<void> {
    const { ctx, settings, registry, channel } = this.#o;
    const q = settings.queue;
    this.#subscriber = ctx.hub.attach(this, {
      maxMessages: q.maxMessages,
      maxBytes: q.maxBytes,
      overflow: q.overflow,
      overflowClose: RelayClose.slow,
      stallTimeoutMs: q.stallTimeoutMs,
      stallClose: RelayClose.slow,
      maxPendingDuringReplay: settings.maxPendingDuringReplay,
    });
    try {
      // Subscribing before asking the registry means a `start` published in between is held, not missed.
      await this.#subscriber.subscribe(hubChannel(channel));
      if (this.#isClosed()) return;
      const claim = await registry.current(hubChannel(channel));
      if (this.#isClosed()) return;
      if (claim && !this.#keyMatches(claim.keyDigest)) return this.#refuseKey();
      this.#state = claim ? 'playing' : 'idle';
      this.#publishId = claim?.publishId ?? null;
      const held = this.#held ?? [];
      this.#held = null;
      if (!this.#process(held)) this.#onBackpressure();
      // Notes §3.5: the clear-cache receiver gets the whole cache first, then clears it.
      if (this.#state === 'playing') this.#requestClear();
    } catch (err) {
      ctx.log.warn({ err: (err as Error).message, conn: this.id }, 'relay receiver could not start');
      this.#finish(RelayClose.internal);
    }
  }

  deliver(batch: readonly Message[]): boolean {
    if (this.#state === 'closed') return true;
    if (this.#held) {
      for (const msg of batch) this.#held.push(msg);
      return true;
    }
    const writable = this.#process(batch);
    if (!writable) this.#onBackpressure();
    return writable;
  }

  /** Called by the hub when it gives up on us (queue overflow), and by the dialect at shutdown. */
  close(reason: CloseReason): void {
    this.#finish(reason);
  }

  /**
   * Graceful shutdown (issue 14): closes with `reason` once the chunks already queued for this
   * receiver are written, or after `flushLimitMs`. Relay clients treat every close alike (the
   * test page and the hls-encoder stop on any close), so the close frame stays.
   */
  drainAndClose(reason: CloseReason, flushLimitMs: number): void {
    endWhenFlushed(() => this.#finish(reason), {
      clock: this.#o.ctx.clock,
      limitMs: flushLimitMs,
      flushed: () =>
        this.#state === 'closed' || this.#o.ws.readyState !== 1 || ((this.#subscriber?.queuedMessages ?? 0) === 0 && this.#writer.bufferedAmount === 0),
    });
  }

  #process(batch: readonly Message[]): boolean {
    const out: Uint8Array[] = [];
    for (const msg of batch) {
      if (msg.kind === 'reset') {
        const control = decodeControl(msg.payload);
        if (control && !this.#onControl(control, out)) return true;
        continue;
      }
      if (this.#state !== 'playing') continue; // chunks of a publish whose key we never checked
      out.push(msg.payload);
      if (this.kind === 'probe') {
        // Seed §Probe: one chunk (the first cached one, else the next live one), then closed.
        this.#flush(out);
        this.#finish(RelayClose.probeDone);
        return true;
      }
    }
    return this.#flush(out);
  }

  /** Applies one control message in stream order; false once the session has closed. */
  #onControl(control: RelayControl, out: Uint8Array[]): boolean {
    if (control.type === 'start' && control.publishId !== this.#publishId) {
      this.#flush(out);
      // Notes §3.4: waiting receivers are started by the new publisher; a wrong key gets the error.
      if (!this.#keyMatches(control.keyDigest)) {
        this.#refuseKey();
        return false;
      }
      this.#state = 'playing';
      this.#publishId = control.publishId;
      this.#requestClear();
    } else if (control.type === 'start') {
      // We learned of this publish from the registry before its `start`: its publisher may not
      // have been listening yet when our `clear` went out, so ask again now that it is.
      if (this.#clearedFor === control.publishId) this.#clearedFor = null;
      this.#requestClear();
    } else if (control.type === 'end' && this.#state === 'playing' && control.publishId === this.#publishId) {
      this.#flush(out);
      this.#finish(RelayClose.publisherEnded); // seed §Receive: closed when the publisher finishes
      return false;
    }
    return true;
  }

  #flush(out: Uint8Array[]): boolean {
    if (out.length === 0) return this.#writer.writable;
    this.chunksSent += out.length;
    const frames = out.splice(0);
    return this.#writer.sendBatch(frames, true);
  }

  #keyMatches(digest: string): boolean {
    return safeEqual(this.#myDigest, digest);
  }

  #refuseKey(): void {
    this.#writer.send(INVALID_KEY_ERROR);
    this.#finish(RelayClose.invalidKey);
  }

  #requestClear(): void {
    const publishId = this.#publishId;
    if (this.kind !== 'receive-clear-cache' || !publishId || this.#clearedFor === publishId) return;
    this.#clearedFor = publishId;
    const { ctx, channel, retention } = this.#o;
    // A `reset` empties the cache on every node at once; the publisher sees it and stops caching (notes §3.5).
    ctx.hub
      .publish(hubChannel(channel), encodeControl({ type: 'clear', publishId }), { kind: 'reset', retention })
      .catch((err: Error) => ctx.log.warn({ err: err.message, conn: this.id }, 'relay cache clear failed'));
  }

  #onBackpressure(): void {
    if (this.#stallTimer !== null || this.#state === 'closed') return;
    this.#stallMark = this.#writer.bufferedAmount;
    this.#armStall();
  }

  /** Closes a receiver whose socket made no progress for a whole stall period (it never blocks others). */
  #armStall(): void {
    const { clock } = this.#o.ctx;
    this.#stallTimer = clock.setTimeout(() => {
      this.#stallTimer = null;
      if (this.#state === 'closed' || this.#writer.writable) return;
      const now = this.#writer.bufferedAmount;
      if (now >= this.#stallMark) return this.#finish(RelayClose.slow);
      this.#stallMark = now;
      this.#armStall();
    }, this.#o.settings.stallTimeoutMs);
  }

  #onDrain(): void {
    if (this.#stallTimer !== null) this.#o.ctx.clock.clearTimeout(this.#stallTimer);
    this.#stallTimer = null;
    this.#subscriber?.resume();
  }

  #finish(reason: CloseReason): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#held = null;
    this.#cleanup();
    closeWithGrace(this.#o.ws, reason, this.#o.ctx.clock, this.#o.settings.closeGraceMs);
  }

  #cleanup(): void {
    this.#liveness.stop();
    this.#subscriber?.detach();
    if (this.#stallTimer !== null) this.#o.ctx.clock.clearTimeout(this.#stallTimer);
    this.#stallTimer = null;
  }

  #onSocketClose(): void {
    this.#state = 'closed';
    this.#held = null;
    this.#cleanup();
    this.#o.onClosed();
  }
}
