import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { BatchCache, FrameCache, Opcode, framesLength, type Frame } from './frame.js';
import { upgradedSocketOf } from './ws-upgrade.js';

/** One cache for the process: keyed by payload object, so it is shared across dialects and sockets and freed with the messages. */
const sharedFrames = new FrameCache();
/** Whole batches (a ring replay, one tick of a channel) built once and written to every socket that gets the same batch. */
const sharedBatches = new BatchCache(sharedFrames);

/** Batches up to this many bytes are written as one shared buffer with one write(); larger ones frame by frame under one cork. */
const COALESCE_LIMIT = 4 * 1024 * 1024;

/**
 * The hub batch written last and its bytes. A channel pass hands one frozen batch to every
 * caught-up subscriber in a row, so after the first socket each further one costs an identity
 * compare instead of the caches' WeakMap lookups (issue 19, "the cost of a pass"). Holds at most one
 * batch (≤ COALESCE_LIMIT bytes) past its pass; only frozen arrays, which nobody can change after.
 */
const lastHubBatch: { batch: readonly object[] | null; opcode: Opcode; bytes: Buffer | null } = { batch: null, opcode: Opcode.text, bytes: null };

function hubBatchBytes(batch: readonly { readonly payload: Uint8Array }[], opcode: Opcode): Buffer | null {
  if (batch === lastHubBatch.batch && opcode === lastHubBatch.opcode) return lastHubBatch.bytes;
  const bytes = sharedBatches.ofMessages(batch, opcode, COALESCE_LIMIT);
  if (Object.isFrozen(batch)) {
    lastHubBatch.batch = batch;
    lastHubBatch.opcode = opcode;
    lastHubBatch.bytes = bytes;
  }
  return bytes;
}

/**
 * Writes batches of frames to one `ws` socket with one syscall per batch, and reports
 * backpressure to the hub (DESIGN.md "Encode once"; STYLE.md §11 "Backpressure is split").
 *
 * Fast path: each payload is framed once (FrameCache, with ws's public `Sender.frame`) and the
 * tick's frames for this socket are written as one buffer to the socket the WebSocket was upgraded
 * from (ws-upgrade.ts keeps it; the HTTP `upgrade` event gives it to us). Only public `ws` API is
 * read. Writing beside `ws` is safe when no extension was negotiated (`ws.extensions === ''`): its
 * Sender then writes every frame of ours (pong, close, `ws.send` of a string or buffer)
 * synchronously and whole, and queues only while deflating or reading a Blob (ws lib/sender.js:
 * `_state` leaves DEFAULT only for DEFLATING and GET_BLOB_DATA); StreamHub sends no Blob. With
 * permessage-deflate, or for a WebSocket not accepted through `acceptWebSocket`, it falls back to
 * `ws.send` (under one cork when the socket is known).
 */
export class WsWriter {
  readonly #ws: WebSocket;
  readonly #highWaterMarkBytes: number;
  readonly #onDrain: () => void;
  readonly #raw: Duplex | null;
  readonly #preframed: boolean;
  #waitingForDrain = false;

  constructor(ws: WebSocket, highWaterMarkBytes: number, onDrain: () => void) {
    this.#ws = ws;
    this.#highWaterMarkBytes = highWaterMarkBytes;
    this.#onDrain = onDrain;
    this.#raw = upgradedSocketOf(ws) ?? null;
    // Extensions are agreed in the handshake, before any session exists, and never change.
    this.#preframed = this.#raw !== null && ws.extensions === '';
  }

  /** True when this writer sends shared pre-framed bytes (encode once); false when it goes through `ws.send`. */
  get preframed(): boolean {
    return this.#preframed;
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
    if (this.#preframed) this.#writePreframed(payloads, binary ? Opcode.binary : Opcode.text);
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
    const shared = this.#preframed ? hubBatchBytes(batch, opcode) : null;
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

  #writeFrames(raw: Duplex, frames: readonly Frame[]): void {
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
