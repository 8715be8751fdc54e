import type { WebSocket } from 'ws';
import type { Config } from '../../config/index.js';
import type { CloseReason, Message, QueueLimits, RetentionPolicy, Sink, Subscriber } from '../../core/index.js';
import { safeEqual } from '../../net/http-reply.js';
import { closeWithGrace, endOnceWritten, IdleDeadline, Repeat } from '../shared/lifecycle/index.js';
import { WsWriter } from '../shared/ws-writer.js';
import type { DialectContext } from '../types.js';
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
import type { PublisherRegistry } from './publisher-registry.js';

export type ReceiverKind = 'receive' | 'receive-clear-cache' | 'probe';

/**
 * What every receiver of the dialect shares: one object for all of them, so a receiver keeps only
 * its own state (issue 19: no options object and closures per idle connection, as MatchSessionHost).
 */
export interface ReceiverHost {
  readonly ctx: DialectContext;
  readonly registry: PublisherRegistry;
  readonly settings: Config['relay'];
  /** The receivers' slow-consumer policy (relay/index.ts `receiverLimits`): overflow and no progress both close with 4008. */
  readonly limits: QueueLimits;
  /** Retention sent with the control messages a receiver publishes (the `clear`). */
  readonly retention: RetentionPolicy;
  /** Called once per receiver, when its socket is gone. */
  onClosed(receiver: ReceiverSession): void;
}

const receivers = new WeakMap<WebSocket, ReceiverSession>();

/** Receivers only send `h`; any data frame (text or binary) counts as liveness (notes §3.3). */
function wsOnMessage(this: WebSocket): void {
  receivers.get(this)?.touch();
}

/** `ws` closes the socket itself (1009, protocol errors); 'close' follows. */
function wsOnError(): void {}

function wsOnClose(this: WebSocket): void {
  receivers.get(this)?.socketClosed();
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
  readonly channel: string;
  readonly ws: WebSocket;
  /** Frees this receiver's connection slot (called by the host once the socket is gone). */
  readonly release: () => void;
  readonly #host: ReceiverHost;
  readonly #writer: WsWriter;
  /** Seed §Heartbeat / notes §3.3: `h` every 20 s. */
  readonly #beat: Repeat;
  /** The 60 s read deadline, reset by data frames only. */
  readonly #deadline: IdleDeadline;
  readonly #myDigest: string;
  #subscriber: Subscriber | null = null;
  #state: State = 'pending';
  /** Deliveries while `pending`: the cache replay (bounded by the cache) and live messages (bounded below). */
  #held: Message[] | null = [];
  /** Live messages held once subscribed, while the registry answers; past `maxPendingDuringReplay`: 4008. */
  #heldLive = 0;
  #subscribed = false;
  #publishId: string | null = null;
  #clearedFor: string | null = null;
  #gone = false;
  chunksSent = 0;

  constructor(host: ReceiverHost, ws: WebSocket, channel: string, key: string, kind: ReceiverKind, release: () => void) {
    this.#host = host;
    this.ws = ws;
    this.channel = channel;
    this.kind = kind;
    this.release = release;
    const { settings, ctx } = host;
    this.id = ctx.ids.next();
    // Only the digest is kept: the key string goes with the upgrade request.
    this.#myDigest = keyDigest(key);
    this.#writer = new WsWriter(ws, settings.queue.highWaterMarkBytes, () => this.#onDrain());
    this.#beat = new Repeat(ctx.clock, settings.heartbeatIntervalMs, () => this.#writer.send(HEARTBEAT));
    this.#deadline = new IdleDeadline(ctx.clock, settings.idleTimeoutMs, () => this.#finish(RelayClose.idle));
    this.#beat.start();
    this.#deadline.start();
    receivers.set(ws, this);
    ws.on('message', wsOnMessage);
    ws.on('error', wsOnError);
    ws.on('close', wsOnClose); // 'close' is emitted once: no `once` wrapper per connection
  }

  /** A data frame arrived: the read deadline starts again. */
  touch(): void {
    this.#deadline.touch();
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
    const { ctx, registry } = this.#host;
    const channel = this.channel;
    this.#subscriber = ctx.hub.attach(this, this.#host.limits);
    try {
      // Subscribing before asking the registry means a `start` published in between is held, not missed.
      await this.#subscriber.subscribe(hubChannel(channel));
      if (this.#isClosed()) return;
      this.#subscribed = true;
      const claim = await registry.current(hubChannel(channel));
      if (this.#isClosed()) return;
      if (claim && !this.#keyMatches(claim.keyDigest)) return this.#refuseKey();
      this.#state = claim ? 'playing' : 'idle';
      this.#publishId = claim?.publishId ?? null;
      const held = this.#held ?? [];
      this.#held = null;
      // Written outside `deliver`: the hub is told, so its stall policy covers a receiver that never reads the cache.
      if (!this.#process(held)) this.#subscriber.blocked();
      // Notes §3.5: the clear-cache receiver gets the whole cache first, then clears it.
      if (this.#state === 'playing') this.#requestClear();
    } catch (err) {
      ctx.log.warn({ err: (err as Error).message, conn: this.id }, 'relay receiver could not start');
      this.#finish(RelayClose.internal);
    }
  }

  deliver(batch: readonly Message[]): boolean {
    if (this.#state === 'closed') return true;
    if (this.#held) return this.#hold(batch);
    return this.#process(batch);
  }

  /** Sink: what this socket has not yet handed to the kernel, the progress measure of the hub's stall policy. */
  pendingBytes(): number {
    return this.#writer.bufferedAmount;
  }

  /**
   * Holds deliveries until the registry says whether a publisher is live. The replay is bounded by
   * the cache; live messages after it by `maxPendingDuringReplay` (a registry that does not answer
   * must not make a receiver buffer the stream): past it the receiver is closed as slow (4008).
   */
  #hold(batch: readonly Message[]): boolean {
    if (this.#subscribed) {
      this.#heldLive += batch.length;
      if (this.#heldLive > this.#host.settings.maxPendingDuringReplay) {
        this.#finish(RelayClose.slow);
        return true;
      }
    }
    for (const msg of batch) this.#held!.push(msg);
    return true;
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
    endOnceWritten(() => this.#finish(reason), { ws: this.ws, writer: this.#writer, subscriber: () => this.#subscriber }, this.#host.ctx.clock, flushLimitMs);
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
    const { ctx, retention } = this.#host;
    const channel = this.channel;
    // A `reset` empties the cache on every node at once; the publisher sees it and stops caching (notes §3.5).
    ctx.hub
      .publish(hubChannel(channel), encodeControl({ type: 'clear', publishId }), { kind: 'reset', retention })
      .catch((err: Error) => ctx.log.warn({ err: err.message, conn: this.id }, 'relay cache clear failed'));
  }

  #onDrain(): void {
    this.#subscriber?.resume();
  }

  #finish(reason: CloseReason): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#held = null;
    this.#cleanup();
    closeWithGrace(this.ws, reason, { clock: this.#host.ctx.clock, ms: this.#host.settings.closeGraceMs });
  }

  #cleanup(): void {
    this.#beat.stop();
    this.#deadline.stop();
    this.#subscriber?.detach();
  }

  /** The socket is gone (its 'close'): release everything. Idempotent. */
  socketClosed(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#state = 'closed';
    this.#held = null;
    this.#cleanup();
    this.#host.onClosed(this);
  }
}
