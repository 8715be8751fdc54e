/** One echo connection: the hub's Sink for it, its inbound frames, and how it ends. */
import type { WebSocket } from 'ws';
import type { Clock, CloseReason, Message, Sink, Subscriber } from '../../../src/core/index.js';
import { closeWithGrace, endOnceWritten } from '../../../src/dialects/shared/lifecycle/index.js';
import { WsWriter } from '../../../src/dialects/shared/ws-writer.js';
import { EchoClose, PONG, encodeDropped, isPing } from './codec.js';

export interface SessionHost {
  readonly clock: Clock;
  readonly closeGraceMs: number;
  readonly highWaterMarkBytes: number;
  /** A connection the dialect ended itself, by close code. */
  closedBy(code: number): void;
  ended(session: EchoSession): void;
}

export class EchoSession implements Sink {
  readonly dialect = 'echo';
  readonly #ws: WebSocket;
  readonly #host: SessionHost;
  readonly #writer: WsWriter;
  #subscriber: Subscriber | null = null;

  constructor(readonly id: string, ws: WebSocket, host: SessionHost) {
    this.#ws = ws;
    this.#host = host;
    this.#writer = new WsWriter(ws, host.highWaterMarkBytes, () => this.#subscriber?.resume());
    ws.on('message', (data: Buffer, isBinary) => {
      if (isPing(data, isBinary)) this.#writer.send(PONG);
      else this.close(EchoClose.badFrame);
    });
    // `ws` closes a frame over maxPayload with 1009 itself and reports it here.
    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') host.closedBy(1009);
    });
    ws.once('close', () => {
      this.#subscriber?.detach();
      host.ended(this);
    });
  }

  attach(subscriber: Subscriber): void {
    this.#subscriber = subscriber;
  }

  deliver(batch: readonly Message[]): boolean {
    return this.#writer.sendMessages(batch);
  }

  dropped(count: number): void {
    this.#writer.send(encodeDropped(count));
  }

  /** Ends the connection with `reason` (the hub's overflow or stall close, a bad frame, shutdown). */
  close(reason: CloseReason): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    this.#host.closedBy(reason.code);
    closeWithGrace(this.#ws, reason, { clock: this.#host.clock, ms: this.#host.closeGraceMs });
  }

  /** Graceful shutdown: 1001 once what is queued for this client is written, or after `flushLimitMs`. */
  shutdown(flushLimitMs: number): void {
    endOnceWritten(() => this.close(EchoClose.shutdown), { ws: this.#ws, writer: this.#writer, subscriber: () => this.#subscriber }, this.#host.clock, flushLimitMs);
  }

  terminate(): void {
    this.#ws.terminate();
  }

  get closed(): Promise<void> {
    return this.#ws.readyState === this.#ws.CLOSED ? Promise.resolve() : new Promise((resolve) => this.#ws.once('close', () => resolve()));
  }
}
