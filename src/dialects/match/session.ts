/**
 * One renderer connection (seed 000): hello → MatchInit → sticky events → ring → live tail, plus
 * `x_keepalive` when idle. It is the hub's Sink: the hub owns the bounded live queue and its
 * drop-oldest / stall policy; this file owns the socket and its watermark.
 */
import type { WebSocket } from 'ws';
import type { Clock, CloseReason, Hub, Message, QueueLimits, Sink, Subscriber } from '../../core/index.js';
import { closeWithGrace, endOnceWritten, IdleDeadline, PingWatch, Repeat } from '../shared/lifecycle/index.js';
import { WsWriter } from '../shared/ws-writer.js';
import { encodeHello, encodeKeepalive, matchChannel } from './codec.js';

/**
 * What every renderer session of one dialect shares: one object for all of them, so a session
 * keeps only its own state (issue 19: fewer objects and closures per idle connection).
 */
export interface MatchSessionHost {
  readonly hub: Hub;
  readonly clock: Clock;
  readonly queue: QueueLimits;
  /** hello's `ring_size` and `replay_window_ms` (seed 000). */
  readonly ringSize: number;
  readonly replayWindowMs: number;
  /** Socket bytes buffered above which deliveries stop and the hub queues. */
  readonly highWaterMarkBytes: number;
  /** Idle time after which `x_keepalive` is sent. */
  readonly keepaliveMs: number;
  /** RFC 6455 ping interval; an unanswered ping by the next one drops the peer. 0 disables. */
  readonly pingIntervalMs: number;
  /** How long a close handshake may take before the socket is dropped. */
  readonly closeTimeoutMs: number;
  /** Frames written, for `messages_sent` in /admin/status. */
  onSent(matchId: string, frames: number): void;
  /** Called once per session when its socket is gone. */
  onGone(session: MatchSession): void;
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
  sessions.get(this)?.ping.pong();
}

export class MatchSession implements Sink {
  readonly id: string;
  readonly dialect = 'match';
  readonly matchId: string;
  readonly #host: MatchSessionHost;
  readonly #ws: WebSocket;
  /** Frees this renderer's slot in the caps (called by the host once the socket is gone). */
  readonly release: () => void;
  readonly #writer: WsWriter;
  /** RFC 6455 keepalive: a peer that has not answered the previous ping by the next one is dropped. */
  readonly ping: PingWatch;
  readonly #pingEvery: Repeat;
  /** seed 000: `x_keepalive` when nothing else was sent for `keepaliveMs`. */
  readonly #keepalive: IdleDeadline;
  #subscriber: Subscriber | null = null;
  #closeRequested = false;
  #gone = false;
  #sentCount = 0;

  constructor(host: MatchSessionHost, ws: WebSocket, id: string, matchId: string, release: () => void) {
    this.#host = host;
    this.#ws = ws;
    this.id = id;
    this.matchId = matchId;
    this.release = release;
    this.ping = new PingWatch(ws, 1);
    this.#pingEvery = new Repeat(host.clock, host.pingIntervalMs, () => this.ping.due());
    this.#keepalive = new IdleDeadline(host.clock, host.keepaliveMs, () => this.#keepaliveDue(), true);
    this.#writer = new WsWriter(ws, host.highWaterMarkBytes, () => this.#subscriber?.resume());
    sessions.set(ws, this);
    ws.on('message', wsOnMessage);
    ws.on('error', wsOnError);
    ws.once('close', wsOnClose);
    ws.on('pong', wsOnPong);
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
    const { clock, ringSize, replayWindowMs } = this.#host;
    this.#write([encodeHello({ matchId: this.matchId, serverTimeMs: clock.now(), ringSize, replayWindowMs })]);
    this.#keepalive.start();
    this.#pingEvery.start();
    this.#subscriber = this.#host.hub.attach(this, this.#host.queue);
    if (this.#gone) return this.#subscriber.detach();
    await this.#subscriber.subscribe(matchChannel(this.matchId));
  }

  /** Sink: one batch per tick, one JSON object per text frame, all in one cork (notes §1.3 "never batch"). */
  deliver(batch: readonly Message[]): boolean {
    if (this.#gone) return true;
    if (this.#ws.readyState !== 1) return false; // closing: the hub stops delivering, nothing is counted
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
    endOnceWritten(() => this.shutdown(reason), { ws: this.#ws, writer: this.#writer, subscriber: () => this.#subscriber }, this.#host.clock, flushLimitMs);
  }

  /** Drops the socket without a close handshake (shutdown deadline passed). */
  terminate(): void {
    this.#ws.terminate();
  }

  /** The socket is closed: release everything. Idempotent. */
  gone(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#keepalive.stop();
    this.#pingEvery.stop();
    this.#subscriber?.detach();
    this.#host.onGone(this);
  }

  #write(frames: readonly (Uint8Array | string)[]): boolean {
    if (this.#ws.readyState !== 1) return false; // closing: the hub stops delivering, nothing is counted
    const ok = this.#writer.sendBatch(frames);
    this.#sent(frames.length);
    return ok;
  }

  #sent(frames: number): void {
    this.#keepalive.touch();
    this.#sentCount += frames;
    this.#host.onSent(this.matchId, frames);
  }

  #closeSocket(reason: CloseReason): void {
    if (this.#gone || this.#closeRequested) return;
    this.#closeRequested = true;
    // A stalled client never answers the close frame; do not wait ws's 30 s for it.
    closeWithGrace(this.#ws, reason, { clock: this.#host.clock, ms: this.#host.closeTimeoutMs });
  }

  /** Nothing was sent for `keepaliveMs`. A client already behind on its bytes is not idle from its point of view: no extra frame. */
  #keepaliveDue(): void {
    if (this.#gone) return;
    if (this.#writer.writable) this.#write([encodeKeepalive(this.#host.clock.now())]);
  }
}
