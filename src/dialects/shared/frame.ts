/**
 * Server-to-client WebSocket frames, built once per message and shared by every subscriber
 * (DESIGN.md "Encode once"; STYLE.md rule 3). Unmasked, unfragmented, no extensions
 * [RFC 6455 §5.2: server frames are not masked; FIN=1; payload length 7, 7+16 or 7+64 bits].
 */

export const Opcode = { text: 0x1, binary: 0x2 } as const;
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** The 2-, 4- or 10-byte header of a final, unmasked frame carrying `length` payload bytes. */
export function frameHeader(length: number, opcode: Opcode): Buffer {
  if (length < 126) {
    const header = Buffer.allocUnsafe(2);
    header[0] = 0x80 | opcode;
    header[1] = length;
    return header;
  }
  if (length < 65_536) {
    const header = Buffer.allocUnsafe(4);
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(length, 2);
    return header;
  }
  const header = Buffer.allocUnsafe(10);
  header[0] = 0x80 | opcode;
  header[1] = 127;
  header.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
  header.writeUInt32BE(length >>> 0, 6);
  return header;
}

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
  const header = frameHeader(payload.byteLength, opcode);
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
