import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/**
 * Writes batches of frames to one `ws` socket with one syscall per batch, and reports
 * backpressure to the hub (DESIGN.md "Encode once"; STYLE.md §11 "Backpressure is split").
 *
 * `ws` frames each send with its own writes; corking the underlying net.Socket around the batch
 * makes them one writev. The underlying socket is `ws`'s internal `_socket`: this is the one file
 * that touches it, behind a feature check (STYLE.md §9), falling back to plain sends.
 */
export class WsWriter {
  readonly #ws: WebSocket;
  readonly #highWaterMarkBytes: number;
  readonly #onDrain: () => void;
  readonly #raw: Socket | null;
  #waitingForDrain = false;

  constructor(ws: WebSocket, highWaterMarkBytes: number, onDrain: () => void) {
    this.#ws = ws;
    this.#highWaterMarkBytes = highWaterMarkBytes;
    this.#onDrain = onDrain;
    const raw = (ws as unknown as { _socket?: Socket })._socket;
    this.#raw = raw && typeof raw.cork === 'function' && typeof raw.uncork === 'function' ? raw : null;
  }

  /** True while the socket can take more. */
  get writable(): boolean {
    return this.#ws.readyState === 1 && this.#ws.bufferedAmount < this.#highWaterMarkBytes;
  }

  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  /**
   * Sends every frame in order within one cork. Returns false when the socket is above its high
   * watermark afterwards; `onDrain` is then called once the kernel has taken the bytes.
   */
  sendBatch(frames: readonly (Uint8Array | string)[], binary = false): boolean {
    if (this.#ws.readyState !== 1) return false;
    this.#raw?.cork();
    try {
      for (const frame of frames) this.#ws.send(frame, { binary, compress: false });
    } finally {
      this.#raw?.uncork();
    }
    return this.#checkWatermark();
  }

  send(frame: Uint8Array | string, binary = false): boolean {
    return this.sendBatch([frame], binary);
  }

  #checkWatermark(): boolean {
    if (this.#ws.bufferedAmount < this.#highWaterMarkBytes) return true;
    if (!this.#waitingForDrain) {
      this.#waitingForDrain = true;
      const done = () => {
        this.#waitingForDrain = false;
        this.#onDrain();
      };
      if (this.#raw) this.#raw.once('drain', done);
      else setImmediate(done);
    }
    return false;
  }
}
