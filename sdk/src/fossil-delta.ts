/**
 * Applies a Fossil delta (https://fossil-scm.org/home/doc/tip/www/delta_format.wiki), the format
 * Centrifugo uses for its delta compression and PROTOCOL.md §17 adopts:
 *   <target length>"\n" then commands <count>"@"<offset>"," (copy from the source) and
 *   <count>":"<bytes> (insert), then <checksum>";" — numbers in Fossil's base-64 digits.
 * Written from the format description (and delta.c's `delta_apply`); no dependency.
 */

const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~';
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < DIGITS.length; i++) VALUE[DIGITS.charCodeAt(i)] = i;

/** Default bound on a delta's target (16 MiB): a hostile length never allocates more. */
export const DEFAULT_MAX_DELTA_TARGET = 16 << 20;

export class DeltaError extends Error {
  readonly code = 'bad_delta';
}

class Reader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  /** A base-64 integer (delta.c `deltaGetInt`). */
  int(): number {
    let value = 0;
    const start = this.pos;
    while (this.pos < this.bytes.length) {
      const c = this.bytes[this.pos] as number;
      const d = c < 128 ? (VALUE[c] as number) : -1;
      if (d < 0) break;
      value = value * 64 + d;
      this.pos++;
    }
    if (this.pos === start || !Number.isSafeInteger(value)) throw new DeltaError('delta: number expected');
    return value;
  }

  char(): number {
    if (this.pos >= this.bytes.length) throw new DeltaError('delta: unexpected end');
    return this.bytes[this.pos++] as number;
  }
}

/** delta.c `checksum`: the sum of the target read as big-endian 32-bit words, the tail left-aligned. */
export function fossilChecksum(bytes: Uint8Array): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  const n = bytes.length;
  for (; i + 4 <= n; i += 4) {
    s0 = (s0 + (bytes[i] as number)) | 0;
    s1 = (s1 + (bytes[i + 1] as number)) | 0;
    s2 = (s2 + (bytes[i + 2] as number)) | 0;
    s3 = (s3 + (bytes[i + 3] as number)) | 0;
  }
  let sum = (s3 + (s2 << 8) + (s1 << 16) + (s0 << 24)) | 0;
  const rest = n - i;
  if (rest >= 3) sum = (sum + ((bytes[i + 2] as number) << 8)) | 0;
  if (rest >= 2) sum = (sum + ((bytes[i + 1] as number) << 16)) | 0;
  if (rest >= 1) sum = (sum + ((bytes[i] as number) << 24)) | 0;
  return sum >>> 0;
}

/** The target bytes; throws DeltaError for a malformed delta, a bad copy range or a checksum mismatch. */
export function applyDelta(source: Uint8Array, delta: Uint8Array, maxTarget = DEFAULT_MAX_DELTA_TARGET): Uint8Array {
  const r = new Reader(delta);
  const size = r.int();
  if (r.char() !== 0x0a) throw new DeltaError('delta: size not followed by newline');
  if (size > maxTarget) throw new DeltaError(`delta: target of ${size} bytes exceeds ${maxTarget}`);
  const out = new Uint8Array(size);
  let written = 0;
  while (r.pos < delta.length) {
    const count = r.int();
    const op = r.char();
    if (op === 0x40 /* @ copy */) {
      const offset = r.int();
      if (r.char() !== 0x2c) throw new DeltaError('delta: copy not terminated by ","');
      if (offset + count > source.length || written + count > size) throw new DeltaError('delta: copy out of range');
      out.set(source.subarray(offset, offset + count), written);
      written += count;
    } else if (op === 0x3a /* : insert */) {
      if (written + count > size || r.pos + count > delta.length) throw new DeltaError('delta: insert out of range');
      out.set(delta.subarray(r.pos, r.pos + count), written);
      written += count;
      r.pos += count;
    } else if (op === 0x3b /* ; checksum */) {
      if (written !== size) throw new DeltaError('delta: target size mismatch');
      if (count !== fossilChecksum(out)) throw new DeltaError('delta: checksum mismatch');
      return out;
    } else {
      throw new DeltaError('delta: unknown command');
    }
  }
  throw new DeltaError('delta: no checksum');
}

/** A Fossil base-64 integer, as used in deltas (exported for tests and encoders). */
export function fossilInt(value: number): string {
  if (value === 0) return '0';
  let s = '';
  for (let v = value; v > 0; v = Math.floor(v / 64)) s = DIGITS[v % 64] + s;
  return s;
}
