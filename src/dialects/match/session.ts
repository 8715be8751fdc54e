/**
 * One renderer connection (seed 000): hello → MatchInit → sticky events → ring → live tail, plus
 * `x_keepalive` when idle. It is the hub's Sink: the hub owns the bounded live queue and its
 * drop-oldest / stall policy; this file owns the socket and its watermark.
 */
import type { WebSocket } from 'ws';
import type { Clock, CloseReason, Hub, Message, QueueLimits, Sink, Subscriber } from '../../core/index.js';
import { endWhenFlushed } from '../shared/drain.js';
import { WsWriter } from '../shared/ws-writer.js';
import { encodeHello, encodeKeepalive, matchChannel, type HelloFields } from './codec.js';

export interface MatchSessionOptions {
  readonly id: string;
  readonly ws: WebSocket;
  readonly hub: Hub;
  readonly clock: Clock;
  readonly hello: HelloFields;
  readonly queue: QueueLimits;
  /** Socket bytes buffered above which deliveries stop and the hub queues. */
  readonly highWaterMarkBytes: number;
  /** Idle time after which `x_keepalive` is sent. */
  readonly keepaliveMs: number;
  /** RFC 6455 ping interval; an unanswered ping by the next one drops the peer. 0 disables. */
  readonly pingIntervalMs: number;
  /** How long a close handshake may take before the socket is dropped. */
  readonly closeTimeoutMs: number;
  /** Frames written, for `messages_sent` in /admin/status. */
  readonly onSent: (matchId: string, frames: number) => void;
  /** Called once when the socket is gone. */
  readonly onGone: (session: MatchSession) => void;
}

const sessions = new WeakMap<WebSocket, MatchSession>();

/** Client frames are ignored, never answered, never a reason to close (seed 000 "the server ignores them"). */
function wsOnMessage(): void {}

/** `ws` reports protocol errors (e.g. a frame over maxPayload, which it closes with 1009) here; without a listener they would throw. */
function wsOnError(this: WebSocket): void {}

function wsOnClose(this: WebSocket): void {
  sessions.get(this)?.gone();
}

function wsOnPong(this: WebSocket): void {
  sessions.get(this)?.ponged();
}

export class MatchSession implements Sink {
  readonly id: string;
  readonly dialect = 'match';
  readonly matchId: string;
  readonly #o: MatchSessionOptions;
  readonly #writer: WsWriter;
  #subscriber: Subscriber | null = null;
  #lastSentAt: number;
  #keepaliveTimer: unknown = null;
  #pingTimer: unknown = null;
  #awaitingPong = false;
  #closeTimer: unknown = null;
  #gone = false;
  #sentCount = 0;

  constructor(options: MatchSessionOptions) {
    this.#o = options;
    this.id = options.id;
    this.matchId = options.hello.matchId;
    this.#lastSentAt = options.clock.now();
    this.#writer = new WsWriter(options.ws, options.highWaterMarkBytes, () => this.#subscriber?.resume());
    sessions.set(options.ws, this);
    options.ws.on('message', wsOnMessage);
    options.ws.on('error', wsOnError);
    options.ws.once('close', wsOnClose);
    options.ws.on('pong', wsOnPong);
  }

  /** Messages dropped from this client's live queue (drop-oldest; the original's `frames_dropped`). */
  get droppedMessages(): number {
    return this.#subscriber?.droppedMessages ?? 0;
  }

  get sentMessages(): number {
    return this.#sentCount;
  }

  /**
   * Sends hello, then subscribes: the hub replays snapshot (MatchInit) → pinned (sticky events)
   * → ring straight to `deliver`, then the live tail, with no gap and no duplicate at the seams.
   */
  async start(): Promise<void> {
    // seed 000: hello is the first frame, before anything the hub delivers.
    this.#write([encodeHello({ ...this.#o.hello, serverTimeMs: this.#o.clock.now() })]);
    this.#armKeepalive(this.#o.keepaliveMs);
    this.#armPing();
    this.#subscriber = this.#o.hub.attach(this, this.#o.queue);
    if (this.#gone) return this.#subscriber.detach();
    await this.#subscriber.subscribe(matchChannel(this.matchId));
  }

  /** Sink: one batch per tick, one JSON object per text frame, all in one cork (notes §1.3 "never batch"). */
  deliver(batch: readonly Message[]): boolean {
    if (this.#gone) return true;
    if (this.#o.ws.readyState !== 1) return false; // closing: the hub stops delivering, nothing is counted
    // Payloads were encoded once at publish; the batch's wire bytes are built once for all subscribers.
    const ok = this.#writer.sendMessages(batch);
    this.#sent(batch.length);
    return ok;
  }

  /** Sink: the hub gave up (stall → 1011 `subscriber overrun`, shutdown → 1001). */
  close(reason: CloseReason): void {
    this.#closeSocket(reason);
  }

  /** Closes this session from the dialect (shutdown). Detaching makes the hub call `close`; the direct call covers a subscriber the hub already let go. */
  shutdown(reason: CloseReason): void {
    this.#subscriber?.detach(reason);
    this.#closeSocket(reason);
  }

  /** Graceful shutdown (issue 14): closes with `reason` once what is queued for this renderer is written, or after `flushLimitMs`. */
  drainAndShutdown(reason: CloseReason, flushLimitMs: number): void {
    const ws = this.#o.ws;
    endWhenFlushed(() => this.shutdown(reason), {
      clock: this.#o.clock,
      limitMs: flushLimitMs,
      flushed: () => ws.readyState !== 1 || ((this.#subscriber?.queuedMessages ?? 0) === 0 && this.#writer.bufferedAmount === 0),
    });
  }

  /** Drops the socket without a close handshake (shutdown deadline passed). */
  terminate(): void {
    this.#o.ws.terminate();
  }

  /** The socket is closed: release everything. Idempotent. */
  gone(): void {
    if (this.#gone) return;
    this.#gone = true;
    const clock = this.#o.clock;
    if (this.#keepaliveTimer !== null) clock.clearTimeout(this.#keepaliveTimer);
    if (this.#pingTimer !== null) clock.clearTimeout(this.#pingTimer);
    this.#pingTimer = null;
    if (this.#closeTimer !== null) clock.clearTimeout(this.#closeTimer);
    this.#keepaliveTimer = this.#closeTimer = null;
    this.#subscriber?.detach();
    this.#o.onGone(this);
  }

  #write(frames: readonly (Uint8Array | string)[]): boolean {
    if (this.#o.ws.readyState !== 1) return false; // closing: the hub stops delivering, nothing is counted
    const ok = this.#writer.sendBatch(frames);
    this.#sent(frames.length);
    return ok;
  }

  #sent(frames: number): void {
    this.#lastSentAt = this.#o.clock.now();
    this.#sentCount += frames;
    this.#o.onSent(this.matchId, frames);
  }

  #closeSocket(reason: CloseReason): void {
    const ws = this.#o.ws;
    if (this.#gone || this.#closeTimer !== null) return;
    if (ws.readyState === 0 || ws.readyState === 1) ws.close(reason.code, reason.reason);
    // A stalled client never answers the close frame; do not wait ws's 30 s for it.
    this.#closeTimer = this.#o.clock.setTimeout(() => {
      this.#closeTimer = null;
      ws.terminate();
    }, this.#o.closeTimeoutMs);
  }

  /** The peer answered our ping [RFC 6455 §5.5.3]: it is alive. */
  ponged(): void {
    this.#awaitingPong = false;
  }

  #armPing(): void {
    if (this.#o.pingIntervalMs <= 0 || this.#gone) return;
    this.#pingTimer = this.#o.clock.setTimeout(() => this.#pingDue(), this.#o.pingIntervalMs);
  }

  /** A peer that has not answered the previous ping is dead: drop it without waiting for TCP. */
  #pingDue(): void {
    this.#pingTimer = null;
    if (this.#gone) return;
    if (this.#awaitingPong) {
      this.#o.ws.terminate();
      return;
    }
    this.#awaitingPong = true;
    this.#o.ws.ping();
    this.#armPing();
  }

  #armKeepalive(delayMs: number): void {
    this.#keepaliveTimer = this.#o.clock.setTimeout(() => this.#keepaliveDue(), delayMs);
  }

  /** seed 000: `x_keepalive` when nothing else was sent for `keepaliveMs`. */
  #keepaliveDue(): void {
    this.#keepaliveTimer = null;
    if (this.#gone) return;
    const now = this.#o.clock.now();
    const idle = now - this.#lastSentAt;
    if (idle >= this.#o.keepaliveMs) {
      // A client already behind on its bytes is not idle from its point of view; skip the extra frame.
      if (this.#writer.writable) this.#write([encodeKeepalive(now)]);
      else this.#lastSentAt = now;
      this.#armKeepalive(this.#o.keepaliveMs);
    } else {
      this.#armKeepalive(this.#o.keepaliveMs - idle);
    }
  }
}
