import type { RawData } from 'ws';
import type { CloseReason, Message, Sink, Subscriber } from '../../core/index.js';
import { closeWithGrace, endOnceWritten } from '../shared/lifecycle/index.js';
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
import { Heartbeat, RateLimit } from './heartbeat.js';
import type { SessionDeps } from './session-types.js';

/**
 * One viewer connection (seed 001 §Connection Lifecycle): connection_established, the stream's
 * snapshot, then live events from the hub, pings, and the viewer's requests. Implements the hub's
 * Sink: the hub owns the bounded backlog (drop-oldest, which never drops the pinned `error` and
 * `stream_ended`: notes §2.4.6, issue #3), this session owns the socket.
 */
export class NovaSession implements Sink {
  readonly id: string;
  readonly dialect = 'nova';
  readonly deps: SessionDeps;
  readonly #writer: WsWriter;
  readonly #subscriber: Subscriber;
  #closing = false;
  #ended = false;
  readonly #heartbeat: Heartbeat;
  readonly #rate: RateLimit;
  #droppedPending = 0;
  /** False until the snapshot has been handed over, so no count precedes `stream_started`. */
  #subscribed = false;
  #lastCountSent: number | null = null;
  #pendingCount: { count: number; peak: number; time: number } | null = null;

  constructor(deps: SessionDeps) {
    this.deps = deps;
    this.id = deps.sessionId;
    const { clock, settings } = deps;
    this.#heartbeat = new Heartbeat({
      clock,
      pingIntervalMs: settings.pingIntervalMs,
      pingTimeoutMs: settings.pingTimeoutMs,
      idleTimeoutMs: settings.idleTimeoutMs,
      sendPing: (sequence, now) => this.#sendPing(sequence, now),
      onIdle: (silentFor) => {
        // Notes §2.4.2: terminate without a close frame, so the example client reconnects.
        deps.log.debug({ session: this.id, silentFor }, 'nova: idle viewer terminated');
        deps.counters.idleTerminations += 1;
        this.#terminate();
      },
    });
    this.#rate = new RateLimit(settings.maxInboundPerSecond, clock);
    this.#writer = new WsWriter(deps.ws, deps.settings.highWaterMarkBytes, () => this.#onDrain());
    this.#subscriber = deps.hub.attach(this, deps.settings.queue);
  }

  /** Round-trip time measured from the last in-time `pong` with the awaited sequence. */
  get latencyMs(): number | null {
    return this.#heartbeat.latencyMs;
  }

  /** Sends connection_established, subscribes to the stream (its snapshot `stream_started` follows) and arms the timers. */
  async start(isEnded: () => boolean): Promise<void> {
    const { ws, clock } = this.deps;
    ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    ws.on('ping', () => this.#touch());
    ws.on('pong', () => this.#touch());
    ws.on('error', (err) => this.deps.log.debug({ err: err.message, session: this.id }, 'nova socket error'));
    ws.once('close', () => this.#onSocketClose());
    this.#writer.send(
      encode(ServerEvent.connectionEstablished, {
        stream_id: this.deps.streamId,
        viewer_id: this.deps.viewerId,
        session_id: this.id,
        protocol_version: this.deps.protocolVersion,
        timestamp: isoTime(clock.now()),
      }),
    );
    this.#heartbeat.start();
    // An ended stream gets error STREAM_ENDED then 1000, and no subscription (notes §2.4.9).
    if (isEnded()) return this.#endWithError();
    // Live only: a newcomer gets the snapshot (the stream's start data, notes §2.4.8), not old events.
    await this.#subscriber.subscribe(this.deps.channel, { liveOnly: true, skipPinned: true });
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
    endOnceWritten(() => this.#terminate(), { ws: this.deps.ws, writer: this.#writer, subscriber: () => this.#subscriber }, this.deps.clock, flushLimitMs);
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
      stream_id: this.deps.streamId,
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
          now: this.deps.clock.now(),
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

  #onMessage(data: RawData, isBinary: boolean): void {
    this.#touch();
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
    const command = decodeClient(text, this.deps.settings.jsonBounds);
    if (isProtocolError(command)) {
      this.#failWith(ErrorCodes.protocolError, command.error, NovaClose.protocolError);
      return;
    }
    switch (command.event) {
      case 'pong':
        this.#heartbeat.pong(command.sequence);
        return;
      case 'get_stream_info':
        this.#sendStreamInfo(command.requestId).catch(() => undefined);
        return;
      case 'report_issue':
        this.deps.onReport({
          time: isoTime(this.deps.clock.now()),
          streamId: this.deps.streamId,
          viewerId: this.deps.viewerId,
          sessionId: this.id,
          command,
        });
        return;
    }
  }

  async #sendStreamInfo(requestId: string): Promise<void> {
    // The cluster lookup never rejects (it falls back to the local cache); the socket may be gone meanwhile.
    const info = await this.deps.info();
    if (this.#closing) return;
    const now = this.deps.clock.now();
    const data = info
      ? { request_id: requestId, ...info, timestamp: isoTime(now) }
      : { request_id: requestId, stream_id: this.deps.streamId, status: 'ended', viewer_count: 0, timestamp: isoTime(now) };
    this.#writer.send(encode(ServerEvent.streamInfo, data));
  }

  /** Seed §ping with its sequence, plus an RFC 6455 ping [RFC 6455 §5.5.2] that browsers answer by themselves. */
  #sendPing(sequence: number, now: number): void {
    if (this.#closing) return;
    this.#writer.send(encode(ServerEvent.ping, { sequence, timestamp: isoTime(now) }));
    try {
      this.deps.ws.ping();
    } catch {
      // The socket is closing; its close event cleans up.
    }
  }

  #touch(): void {
    this.deps.counters.inboundFrames += 1;
    this.#heartbeat.touch();
  }

  /** The stream is over: `error{STREAM_ENDED}` then 1000 (notes §2.4.9). */
  #endWithError(): void {
    const frame = encodeError(ErrorCodes.streamEnded, 'the stream has ended', {
      severity: 'info',
      recoverable: false,
      now: this.deps.clock.now(),
    });
    this.#writer.send(frame);
    this.#closeWith(NovaClose.streamEnded);
  }

  #failWith(code: string, message: string, reason: CloseReason): void {
    if (reason === NovaClose.protocolError) this.deps.counters.protocolErrors += 1;
    this.#writer.send(encodeError(code, message, { severity: 'error', recoverable: false, now: this.deps.clock.now() }));
    this.#closeWith(reason);
  }

  #closeWith(reason: CloseReason): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#subscriber.detach();
    closeWithGrace(this.deps.ws, reason);
  }

  #terminate(): void {
    this.#closing = true;
    this.#subscriber.detach();
    this.deps.ws.terminate();
  }

  #onSocketClose(): void {
    this.#closing = true;
    this.#heartbeat.stop();
    this.#subscriber.detach();
    this.deps.onClosed(this);
  }
}

function isPinned(msg: Message): boolean {
  return msg.kind === 'pinned';
}
