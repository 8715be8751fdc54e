import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { BatchCache, FrameCache, Opcode, framesLength, type Frame } from './frame.js';

/** One cache for the process: keyed by payload object, so it is shared across dialects and sockets and freed with the messages. */
const sharedFrames = new FrameCache();
/** Whole batches (a ring replay, one tick of a channel) built once and written to every socket that gets the same batch. */
const sharedBatches = new BatchCache(sharedFrames);

/** Batches up to this many bytes are written as one shared buffer with one write(); larger ones frame by frame under one cork. */
const COALESCE_LIMIT = 4 * 1024 * 1024;

interface WsInternals {
  _socket?: Socket;
  _sender?: { _state?: number; _queue?: unknown[] };
  _extensions?: Record<string, unknown>;
}

/**
 * Writes batches of frames to one `ws` socket with one syscall per batch, and reports
 * backpressure to the hub (DESIGN.md "Encode once"; STYLE.md §11 "Backpressure is split").
 *
 * Fast path: each payload is framed once (FrameCache) and the tick's frames for this socket are
 * written to the underlying net.Socket as one buffer. That bypasses `ws`'s sender, which is only
 * safe when the sender is idle with nothing queued and no extension (permessage-deflate) was
 * negotiated; otherwise — and whenever `ws`'s internals are not what this file expects — it falls
 * back to `ws.send` under one cork. This is the one file that touches `ws` internals (STYLE.md §9),
 * behind that feature check and ws-writer tests.
 */
export class WsWriter {
  readonly #ws: WebSocket;
  readonly #internals: WsInternals;
  readonly #highWaterMarkBytes: number;
  readonly #onDrain: () => void;
  readonly #raw: Socket | null;
  readonly #canPreframe: boolean;
  #waitingForDrain = false;

  constructor(ws: WebSocket, highWaterMarkBytes: number, onDrain: () => void) {
    this.#ws = ws;
    this.#internals = ws as unknown as WsInternals;
    this.#highWaterMarkBytes = highWaterMarkBytes;
    this.#onDrain = onDrain;
    const raw = this.#internals._socket;
    this.#raw = raw && typeof raw.cork === 'function' && typeof raw.write === 'function' ? raw : null;
    const sender = this.#internals._sender;
    this.#canPreframe =
      this.#raw !== null &&
      typeof sender?._state === 'number' &&
      Array.isArray(sender._queue) &&
      Object.keys(this.#internals._extensions ?? {}).length === 0;
  }

  /** True while the socket can take more. */
  get writable(): boolean {
    return this.#ws.readyState === 1 && this.#ws.bufferedAmount < this.#highWaterMarkBytes;
  }

  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  /**
   * Sends every frame in order as one write. Returns false when the socket is above its high
   * watermark afterwards; `onDrain` is then called once the kernel has taken the bytes.
   */
  sendBatch(payloads: readonly (Uint8Array | string)[], binary = false): boolean {
    if (this.#ws.readyState !== 1 || payloads.length === 0) return this.#ws.readyState === 1;
    if (this.#senderIdle()) this.#writePreframed(payloads, binary ? Opcode.binary : Opcode.text);
    else this.#sendThroughWs(payloads, binary);
    return this.#checkWatermark();
  }

  /**
   * Sends a hub batch, one frame per message. The hub gives one frozen batch array to every
   * caught-up subscriber of a channel, so its bytes are built once and each further socket costs
   * one lookup and one write.
   */
  sendMessages(batch: readonly { readonly payload: Uint8Array }[], binary = false): boolean {
    if (this.#ws.readyState !== 1 || batch.length === 0) return this.#ws.readyState === 1;
    const opcode = binary ? Opcode.binary : Opcode.text;
    const shared = this.#senderIdle() ? sharedBatches.ofMessages(batch, opcode, COALESCE_LIMIT) : null;
    if (shared) {
      this.#raw!.write(shared);
      return this.#checkWatermark();
    }
    return this.sendBatch(
      batch.map((m) => m.payload),
      binary,
    );
  }

  send(payload: Uint8Array | string, binary = false): boolean {
    return this.sendBatch([payload], binary);
  }

  #senderIdle(): boolean {
    const sender = this.#internals._sender;
    return this.#canPreframe && sender !== undefined && sender._state === 0 && sender._queue!.length === 0;
  }

  #writePreframed(payloads: readonly (Uint8Array | string)[], opcode: Opcode): void {
    const raw = this.#raw!;
    if (payloads.length === 1) {
      const frame = sharedFrames.frame(payloads[0]!, opcode);
      if (Buffer.isBuffer(frame)) raw.write(frame);
      else this.#writeFrames(raw, [frame]);
      return;
    }
    const shared = sharedBatches.get(payloads, opcode);
    if (shared) {
      raw.write(shared);
      return;
    }
    const frames: Frame[] = payloads.map((p) => sharedFrames.frame(p, opcode));
    if (framesLength(frames) <= COALESCE_LIMIT) raw.write(sharedBatches.build(payloads, frames, opcode));
    else this.#writeFrames(raw, frames);
  }

  #writeFrames(raw: Socket, frames: readonly Frame[]): void {
    raw.cork();
    try {
      for (const f of frames) {
        if (Buffer.isBuffer(f)) raw.write(f);
        else {
          raw.write(f[0]);
          raw.write(f[1]);
        }
      }
    } finally {
      raw.uncork();
    }
  }

  #sendThroughWs(payloads: readonly (Uint8Array | string)[], binary: boolean): void {
    this.#raw?.cork();
    try {
      for (const p of payloads) this.#ws.send(p, { binary, compress: false });
    } finally {
      this.#raw?.uncork();
    }
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
