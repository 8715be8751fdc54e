import type { RawData, WebSocket } from 'ws';
import type { CloseReason, Message, Sink, Subscriber } from '../../core/index.js';
import { closeWithGrace, endOnceWritten, IdleDeadline, Repeat } from '../shared/lifecycle/index.js';
import { WsWriter } from '../shared/ws-writer.js';
import {
  decodeClient,
  encode,
  encodeError,
  ErrorCodes,
  eventOf,
  isoTime,
  isProtocolError,
  NovaClose,
  ServerEvent,
} from './codec.js';
import { RateLimit } from './heartbeat.js';
import type { NovaSessionHost, Viewer } from './session-types.js';

const sessions = new WeakMap<WebSocket, NovaSession>();

// Shared listeners, not closures per viewer (issue 19): the session is found by its socket.
function wsOnMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  sessions.get(this)?.received(data, isBinary);
}

/** RFC 6455 pings and pongs count as liveness (notes §2.4.2). */
function wsOnControl(this: WebSocket): void {
  sessions.get(this)?.touch();
}

function wsOnError(this: WebSocket, err: Error): void {
  sessions.get(this)?.socketError(err);
}

function wsOnClose(this: WebSocket): void {
  sessions.get(this)?.socketClosed();
}

/**
 * One viewer connection (seed 001 §Connection Lifecycle): connection_established, the stream's
 * snapshot, then live events from the hub, pings, and the viewer's requests. Implements the hub's
 * Sink: the hub owns the bounded backlog (drop-oldest, which never drops the pinned `error` and
 * `stream_ended`: notes §2.4.6, issue #3), this session owns the socket.
 */
export class NovaSession implements Sink {
  readonly id: string;
  readonly dialect = 'nova';
  readonly ws: WebSocket;
  readonly viewer: Viewer;
  readonly #host: NovaSessionHost;
  readonly #writer: WsWriter;
  readonly #subscriber: Subscriber;
  #closing = false;
  #ended = false;
  #gone = false;
  /**
   * Keepalive (seed 001 §6; notes §2.4.1–§2.4.2): a ping every interval with a per-connection
   * sequence from 1; liveness is any inbound frame (the read deadline); the seed's 10 s "ping
   * timeout" only bounds which pongs count for latency. Both deadlines are the clock's shared sweep's.
   */
  readonly #pingEvery: Repeat;
  readonly #deadline: IdleDeadline;
  #pingSequence = 0;
  #pingSentAt = 0;
  #latencyMs: number | null = null;
  readonly #rate: RateLimit;
  #droppedPending = 0;
  /** False until the snapshot has been handed over, so no count precedes `stream_started`. */
  #subscribed = false;
  #lastCountSent: number | null = null;
  #pendingCount: { count: number; peak: number; time: number } | null = null;

  constructor(host: NovaSessionHost, ws: WebSocket, viewer: Viewer, sessionId: string) {
    this.#host = host;
    this.ws = ws;
    this.viewer = viewer;
    this.id = sessionId;
    const { clock, settings } = host;
    this.#pingEvery = new Repeat(clock, settings.pingIntervalMs, (now) => this.#ping(now));
    this.#deadline = new IdleDeadline(clock, settings.idleTimeoutMs, (silentFor) => this.#idle(silentFor));
    this.#rate = new RateLimit(settings.maxInboundPerSecond, clock);
    this.#writer = new WsWriter(ws, settings.highWaterMarkBytes, () => this.#onDrain());
    this.#subscriber = host.hub.attach(this, settings.queue);
  }

  /** Round-trip time measured from the last in-time `pong` with the awaited sequence. */
  get latencyMs(): number | null {
    return this.#latencyMs;
  }

  /** Sends connection_established, subscribes to the stream (its snapshot `stream_started` follows) and arms the timers. */
  async start(isEnded: () => boolean): Promise<void> {
    const { ws, viewer } = this;
    sessions.set(ws, this);
    ws.on('message', wsOnMessage);
    ws.on('ping', wsOnControl);
    ws.on('pong', wsOnControl);
    ws.on('error', wsOnError);
    ws.on('close', wsOnClose); // 'close' is emitted once: no `once` wrapper per viewer
    this.#writer.send(
      encode(ServerEvent.connectionEstablished, {
        stream_id: viewer.streamId,
        viewer_id: viewer.viewerId,
        session_id: this.id,
        protocol_version: viewer.protocolVersion,
        timestamp: isoTime(this.#host.clock.now()),
      }),
    );
    this.#pingEvery.start();
    this.#deadline.start();
    // An ended stream gets error STREAM_ENDED then 1000, and no subscription (notes §2.4.9).
    if (isEnded()) return this.#endWithError();
    // Live only: a newcomer gets the snapshot (the stream's start data, notes §2.4.8), not old events.
    await this.#subscriber.subscribe(this.#host.channelOf(viewer.streamId), { liveOnly: true, skipPinned: true });
    this.#subscribed = true;
    // The stream may have ended between the pre-upgrade check and the subscription (notes §2.4.9).
    if (!this.#closing && !this.#ended && isEnded()) this.#endWithError();
    else if (this.#writer.writable) this.#sendPendingCount();
  }

  deliver(batch: readonly Message[]): boolean {
    if (this.#closing) return true;
    return this.#write(batch, this.#takeDropped());
  }

  /** Drop-oldest discarded `count` messages (Sink.dropped, called before the next delivery). */
  dropped(count: number): void {
    this.#droppedPending += count;
  }

  /** Sink: the hub gave up (overflow 1008; a stall is STALL_CLOSE, 1006: no close frame, so the example client reconnects). */
  close(reason: CloseReason): void {
    this.#closeWith(reason);
  }

  /**
   * Graceful shutdown (issue 14): once what is already queued for the viewer is written (or after
   * `flushLimitMs`), the TCP connection ends without a close frame. The example client reconnects
   * only when `wasClean` is false, and browsers report `wasClean: true` after any close frame,
   * whatever its code (notes §2.3, §2.4.2): a 1001 would leave the viewer gone for good.
   */
  shutdown(flushLimitMs: number): void {
    if (this.#closing) return;
    endOnceWritten(() => this.#terminate(), { ws: this.ws, writer: this.#writer, subscriber: () => this.#subscriber }, this.#host.clock, flushLimitMs);
  }

  /** A coalesced viewer count (seed §viewer_count_changed). `shared` is encoded once for every viewer of the stream. */
  viewerCount(shared: Buffer, update: { count: number; change: number; peak: number; time: number }): void {
    if (this.#closing || this.#ended) return;
    // A newcomer's baseline is the count before this update, so the shared frame fits it.
    this.#lastCountSent ??= update.count - update.change;
    if (!this.#subscribed || !this.#writer.writable) {
      this.#pendingCount = update; // newest wins; sent with its net change once the socket drains
      return;
    }
    const frame = this.#lastCountSent === update.count - update.change ? shared : this.#countFrame(update);
    this.#lastCountSent = update.count;
    this.#writer.send(frame);
  }

  #countFrame(update: { count: number; peak: number; time: number }): Buffer {
    return encode(ServerEvent.viewerCountChanged, {
      stream_id: this.viewer.streamId,
      viewer_count: update.count,
      peak_viewers: update.peak,
      change: update.count - (this.#lastCountSent ?? update.count),
      timestamp: isoTime(update.time),
    });
  }

  /** Writes hub messages one per frame (notes §2.4.7), closing with 1000 after `stream_ended`. */
  #write(batch: readonly Message[], droppedCount: number): boolean {
    // The common case — no notice, nothing that may end the stream — shares the batch's wire bytes with every viewer.
    if (droppedCount === 0 && !this.#ended && !batch.some(isPinned)) return this.#writer.sendMessages(batch);
    const frames: Uint8Array[] = [];
    if (droppedCount > 0) {
      frames.push(
        encodeError(ErrorCodes.bufferOverflow, `${droppedCount} messages dropped: the connection fell behind`, {
          severity: 'warning',
          recoverable: true,
          now: this.#host.clock.now(),
          extra: { dropped_count: droppedCount },
        }),
      );
    }
    for (const msg of batch) {
      if (this.#ended) break;
      frames.push(msg.payload);
      // Only pinned messages can be `stream_ended` (control.ts), so ordinary ones are never inspected.
      if (msg.kind === 'pinned' && eventOf(msg.payload) === ServerEvent.streamEnded) this.#ended = true;
    }
    const writable = this.#writer.sendBatch(frames);
    if (this.#ended) this.#closeWith(NovaClose.streamEnded);
    return writable;
  }

  #takeDropped(): number {
    const n = this.#droppedPending;
    this.#droppedPending = 0;
    return n;
  }

  #onDrain(): void {
    if (this.#closing) return;
    if (this.#sendPendingCount()) this.#subscriber.resume();
  }

  /** Sends the newest count held back while the socket was full; false when the socket filled up again. */
  #sendPendingCount(): boolean {
    const pending = this.#pendingCount;
    if (!pending || !this.#subscribed) return true;
    this.#pendingCount = null;
    if (pending.count === this.#lastCountSent) return true;
    const frame = this.#countFrame(pending);
    this.#lastCountSent = pending.count;
    return this.#writer.send(frame);
  }

  /** A frame from the viewer (the socket's 'message'). */
  received(data: RawData, isBinary: boolean): void {
    this.touch();
    if (this.#closing) return;
    if (!this.#rate.take()) {
      this.#failWith(ErrorCodes.rateLimited, 'too many messages', NovaClose.rateLimited);
      return;
    }
    // Binary frames are not part of the protocol (notes §2.4.4).
    if (isBinary) {
      this.#failWith(ErrorCodes.protocolError, 'binary frames are not supported', NovaClose.protocolError);
      return;
    }
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
    const command = decodeClient(text, this.#host.settings.jsonBounds);
    if (isProtocolError(command)) {
      this.#failWith(ErrorCodes.protocolError, command.error, NovaClose.protocolError);
      return;
    }
    switch (command.event) {
      case 'pong':
        this.#pong(command.sequence);
        return;
      case 'get_stream_info':
        this.#sendStreamInfo(command.requestId).catch(() => undefined);
        return;
      case 'report_issue':
        this.#host.onReport({
          time: isoTime(this.#host.clock.now()),
          streamId: this.viewer.streamId,
          viewerId: this.viewer.viewerId,
          sessionId: this.id,
          command,
        });
        return;
    }
  }

  async #sendStreamInfo(requestId: string): Promise<void> {
    // The cluster lookup never rejects (it falls back to the local cache); the socket may be gone meanwhile.
    const info = await this.#host.info(this.viewer.streamId);
    if (this.#closing) return;
    const now = this.#host.clock.now();
    const data = info
      ? { request_id: requestId, ...info, timestamp: isoTime(now) }
      : { request_id: requestId, stream_id: this.viewer.streamId, status: 'ended', viewer_count: 0, timestamp: isoTime(now) };
    this.#writer.send(encode(ServerEvent.streamInfo, data));
  }

  /** Seed §ping with its sequence, plus an RFC 6455 ping [RFC 6455 §5.5.2] that browsers answer by themselves. */
  #ping(now: number): void {
    this.#pingSequence += 1;
    this.#pingSentAt = now;
    if (this.#closing) return;
    this.#writer.send(encode(ServerEvent.ping, { sequence: this.#pingSequence, timestamp: isoTime(now) }));
    try {
      this.ws.ping();
    } catch {
      // The socket is closing; its close event cleans up.
    }
  }

  /** A `pong` event; `sequence` is optional (the example client never sends one, notes §2.3). */
  #pong(sequence: number | null): void {
    if (sequence === null || sequence !== this.#pingSequence || this.#pingSentAt === 0) return;
    const rtt = this.#host.clock.now() - this.#pingSentAt;
    if (rtt <= this.#host.settings.pingTimeoutMs) this.#latencyMs = rtt;
    this.#pingSentAt = 0;
  }

  /** No inbound frame for `idleTimeoutMs`. Notes §2.4.2: terminate without a close frame, so the example client reconnects. */
  #idle(silentFor: number): void {
    this.#pingEvery.stop();
    this.#host.log.debug({ session: this.id, silentFor }, 'nova: idle viewer terminated');
    this.#host.counters.idleTerminations += 1;
    this.#terminate();
  }

  /** Any inbound frame: text, binary, RFC 6455 ping or pong. */
  touch(): void {
    this.#host.counters.inboundFrames += 1;
    this.#deadline.touch();
  }

  socketError(err: Error): void {
    this.#host.log.debug({ err: err.message, session: this.id }, 'nova socket error');
  }

  /** The stream is over: `error{STREAM_ENDED}` then 1000 (notes §2.4.9). */
  #endWithError(): void {
    const frame = encodeError(ErrorCodes.streamEnded, 'the stream has ended', {
      severity: 'info',
      recoverable: false,
      now: this.#host.clock.now(),
    });
    this.#writer.send(frame);
    this.#closeWith(NovaClose.streamEnded);
  }

  #failWith(code: string, message: string, reason: CloseReason): void {
    if (reason === NovaClose.protocolError) this.#host.counters.protocolErrors += 1;
    this.#writer.send(encodeError(code, message, { severity: 'error', recoverable: false, now: this.#host.clock.now() }));
    this.#closeWith(reason);
  }

  #closeWith(reason: CloseReason): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#subscriber.detach();
    closeWithGrace(this.ws, reason);
  }

  #terminate(): void {
    this.#closing = true;
    this.#subscriber.detach();
    this.ws.terminate();
  }

  /** The socket is gone (its 'close'): release everything. Idempotent. */
  socketClosed(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#closing = true;
    this.#pingEvery.stop();
    this.#deadline.stop();
    this.#subscriber.detach();
    this.#host.onClosed(this);
  }
}

function isPinned(msg: Message): boolean {
  return msg.kind === 'pinned';
}
