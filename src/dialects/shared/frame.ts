/**
 * Server-to-client WebSocket frames, built once per message and shared by every subscriber
 * (DESIGN.md "Encode once"; STYLE.md rule 3). Unmasked, unfragmented, no extensions
 * [RFC 6455 §5.2: server frames are not masked; FIN=1; payload length 7, 7+16 or 7+64 bits].
 * The header comes from `ws`'s public `Sender.frame` (its static framing function, made public for
 * broadcasts that send one frame to many clients: websockets/ws#1016), so framing exists once.
 */
import { Sender } from 'ws';

// `ws` exports Sender (index.js `WebSocket.Sender`, wrapper.mjs `export { Sender }`) and documents
// `Sender.frame` as public; @types/ws does not declare it.
declare module 'ws' {
  export const Sender: {
    frame(data: Uint8Array, options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean }): Buffer[];
  };
}

export const Opcode = { text: 0x1, binary: 0x2 } as const;
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** Payloads up to this size are copied into one buffer with their header; larger ones are sent as header + payload. */
const INLINE_LIMIT = 16 * 1024;

export type Frame = Buffer | readonly [Buffer, Uint8Array];

/**
 * Frames memoised per payload object: the hub hands the same frozen payload to every
 * subscriber, so the frame is built on the first subscriber and reused by the rest. Strings
 * (rare, control frames) are framed each time.
 */
export class FrameCache {
  readonly #text = new WeakMap<Uint8Array, Frame>();
  readonly #binary = new WeakMap<Uint8Array, Frame>();

  frame(data: Uint8Array | string, opcode: Opcode): Frame {
    if (typeof data === 'string') return build(Buffer.from(data), opcode);
    const cache = opcode === Opcode.text ? this.#text : this.#binary;
    let frame = cache.get(data);
    if (!frame) {
      frame = build(data, opcode);
      cache.set(data, frame);
    }
    return frame;
  }
}

function build(payload: Uint8Array, opcode: Opcode): Frame {
  // Unmasked, `Sender.frame` returns [header, payload]: the payload by reference, never copied.
  const header = Sender.frame(payload, { fin: true, opcode, mask: false, readOnly: false, rsv1: false })[0]!;
  if (payload.byteLength > INLINE_LIMIT) return [header, payload] as const;
  const out = Buffer.allocUnsafe(header.length + payload.byteLength);
  header.copy(out, 0);
  out.set(payload, header.length);
  return out;
}

/** Total bytes of a list of frames. */
export function framesLength(frames: readonly Frame[]): number {
  let total = 0;
  for (const f of frames) total += Buffer.isBuffer(f) ? f.length : f[0].length + f[1].byteLength;
  return total;
}

interface SharedBatch {
  readonly payloads: readonly (Uint8Array | string)[];
  readonly opcode: Opcode;
  readonly bytes: Buffer;
}

/**
 * The wire bytes of a whole batch, built once and shared by every socket that is sent the same
 * batch: the replay of an unchanged ring to each joining client, or one tick's messages to every
 * caught-up subscriber of a channel. Keyed by the first payload object and verified by comparing
 * every payload reference (cheap next to copying), so two different batches never share bytes.
 * Held only while that first payload is alive (a WeakMap), so the memory is bounded by the ring.
 */
export class BatchCache {
  readonly #entries = new WeakMap<Uint8Array, SharedBatch>();
  /** Bytes of a hub batch, keyed by the batch array itself: the hub hands one frozen array to every caught-up subscriber. */
  readonly #byBatch = new WeakMap<readonly { readonly payload: Uint8Array }[], { readonly opcode: Opcode; readonly bytes: Buffer | null }>();
  readonly #frames: FrameCache;

  constructor(frames: FrameCache) {
    this.#frames = frames;
  }

  /** The shared bytes of exactly this batch, if some socket was already sent it. */
  get(payloads: readonly (Uint8Array | string)[], opcode: Opcode): Buffer | undefined {
    const first = payloads[0];
    if (!(first instanceof Uint8Array)) return undefined;
    const cached = this.#entries.get(first);
    return cached && cached.opcode === opcode && sameItems(cached.payloads, payloads) ? cached.bytes : undefined;
  }

  /** Builds the batch's bytes from its frames and keeps them for the next socket. */
  build(payloads: readonly (Uint8Array | string)[], frames: readonly Frame[], opcode: Opcode): Buffer {
    const bytes = concatFrames(frames);
    const first = payloads[0];
    if (first instanceof Uint8Array && payloads.every((p) => typeof p !== 'string')) {
      this.#entries.set(first, { payloads: [...payloads], opcode, bytes });
    }
    return bytes;
  }

  /**
   * The wire bytes of a batch of messages, built on the first socket and returned by identity to
   * the rest (O(1) per socket). Null when the batch is over `limit` bytes: the caller then writes
   * frame by frame instead of copying that much.
   */
  ofMessages(batch: readonly { readonly payload: Uint8Array }[], opcode: Opcode, limit: number): Buffer | null {
    if (batch.length === 1) {
      // One message: its cached frame is already the wire bytes (no copy, nothing more to keep).
      const frame = this.#frames.frame(batch[0]!.payload, opcode);
      if (Buffer.isBuffer(frame)) return frame.length <= limit ? frame : null;
    }
    const cached = this.#byBatch.get(batch);
    if (cached && cached.opcode === opcode) return cached.bytes;
    const payloads = batch.map((m) => m.payload);
    // A frozen array is the hub's pass batch (core/fan-out.ts), shared by identity; its overlapping
    // siblings (same end, other starts) are not kept by payload, which would hold ring × batch bytes.
    // Any other array may carry the same messages as one already sent (each joining client's ring replay).
    const byPayload = !Object.isFrozen(batch);
    let bytes = (byPayload ? this.get(payloads, opcode) : undefined) ?? null;
    if (!bytes) {
      const frames = payloads.map((p) => this.#frames.frame(p, opcode));
      if (framesLength(frames) <= limit) bytes = byPayload ? this.build(payloads, frames, opcode) : concatFrames(frames);
    }
    this.#byBatch.set(batch, { opcode, bytes });
    return bytes;
  }

  /** `get`, else `build` (frames made from the shared frame cache). */
  bytes(payloads: readonly (Uint8Array | string)[], opcode: Opcode): Buffer {
    return this.get(payloads, opcode) ?? this.build(payloads, payloads.map((p) => this.#frames.frame(p, opcode)), opcode);
  }
}

function sameItems(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Copies frames into one buffer, in order. */
function concatFrames(frames: readonly Frame[]): Buffer {
  const out = Buffer.allocUnsafe(framesLength(frames));
  let at = 0;
  for (const f of frames) {
    if (Buffer.isBuffer(f)) at += f.copy(out, at);
    else {
      at += f[0].copy(out, at);
      out.set(f[1], at);
      at += f[1].byteLength;
    }
  }
  return out;
}
