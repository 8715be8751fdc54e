/**
 * Fossil's delta format (https://fossil-scm.org/home/doc/tip/www/delta_format.wiki), the one
 * Centrifugo uses for its delta compression: `<target length>\n`, then copy `<n>@<offset>,` and
 * insert `<n>:<bytes>` commands, then `<checksum>;`; numbers in Fossil's base-64 digits. The
 * encoder follows Fossil's algorithm (delta_encoder_algorithm.wiki: a rolling hash over 16-byte
 * source blocks, matches extended both ways, a copy only when it is shorter than the literal).
 *
 * One addition (PROTOCOL.md §17): a copy never starts or ends inside a UTF-8 sequence of the
 * target, so every insert holds whole characters and the delta of two UTF-8 texts is itself UTF-8,
 * fit to travel as a JSON string. The output is still a plain Fossil delta any applier accepts.
 */
import { ErrorCode, StreamHubError } from '../../errors.js';

/** Bytes per hash window (Fossil's NHASH; a power of two). */
const NHASH = 16;
/** Candidate blocks examined per position (Fossil: 250), a bound on the encoder's work. */
const MAX_CANDIDATES = 250;
const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~';
const DIGIT_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < DIGITS.length; i++) DIGIT_VALUE[DIGITS.charCodeAt(i)] = i;

/** Fossil's rolling hash of a 16-byte window (two 16-bit sums). */
class RollingHash {
  #a = 0;
  #b = 0;
  #i = 0;
  readonly #window = new Uint8Array(NHASH);

  init(z: Uint8Array, pos: number): void {
    let a = 0;
    let b = 0;
    for (let i = 0; i < NHASH; i++) {
      const x = z[pos + i]!;
      a = (a + x) & 0xffff;
      b = (b + (NHASH - i) * x) & 0xffff;
      this.#window[i] = x;
    }
    this.#a = a;
    this.#b = b;
    this.#i = 0;
  }

  next(c: number): void {
    const old = this.#window[this.#i]!;
    this.#window[this.#i] = c;
    this.#i = (this.#i + 1) & (NHASH - 1);
    this.#a = (this.#a - old + c) & 0xffff;
    this.#b = (this.#b - NHASH * old + this.#a) & 0xffff;
  }

  value(): number {
    return (this.#a | (this.#b << 16)) >>> 0;
  }
}

/** A growable byte buffer. */
class Out {
  #buf: Buffer;
  #len = 0;

  constructor(capacity: number) {
    this.#buf = Buffer.allocUnsafe(Math.max(64, capacity));
  }

  #room(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#len + n));
    this.#buf.copy(next, 0, 0, this.#len);
    this.#buf = next;
  }

  char(c: string): void {
    this.#room(1);
    this.#buf[this.#len++] = c.charCodeAt(0);
  }

  int(v: number): void {
    if (v === 0) return this.char('0');
    const digits: number[] = [];
    for (let x = v >>> 0; x > 0; x >>>= 6) digits.push(DIGITS.charCodeAt(x & 0x3f));
    this.#room(digits.length);
    for (let j = digits.length - 1; j >= 0; j--) this.#buf[this.#len++] = digits[j]!;
  }

  bytes(src: Uint8Array, start: number, end: number): void {
    this.#room(end - start);
    this.#buf.set(src.subarray(start, end), this.#len);
    this.#len += end - start;
  }

  result(): Buffer {
    return this.#buf.subarray(0, this.#len);
  }
}

function digitCount(v: number): number {
  let i = 1;
  for (let x = 64; v >= x; i++, x *= 64);
  return i;
}

/** Fossil's 32-bit checksum: the sum of the bytes as big-endian 32-bit words, the tail left-aligned. */
export function checksum(z: Uint8Array): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  const n4 = z.length - (z.length % 4);
  for (; i < n4; i += 4) {
    s0 = (s0 + z[i]!) | 0;
    s1 = (s1 + z[i + 1]!) | 0;
    s2 = (s2 + z[i + 2]!) | 0;
    s3 = (s3 + z[i + 3]!) | 0;
  }
  let sum = (s3 + (s2 << 8) + (s1 << 16) + (s0 << 24)) | 0;
  const tail = z.length - n4;
  if (tail >= 3) sum = (sum + (z[i + 2]! << 8)) | 0;
  if (tail >= 2) sum = (sum + (z[i + 1]! << 16)) | 0;
  if (tail >= 1) sum = (sum + (z[i]! << 24)) | 0;
  return sum >>> 0;
}

/** A UTF-8 continuation byte (10xxxxxx): no character starts here. */
function inside(z: Uint8Array, pos: number): boolean {
  return pos < z.length && (z[pos]! & 0xc0) === 0x80;
}

/** The delta that turns `source` into `target`. */
export function createDelta(source: Uint8Array, target: Uint8Array): Buffer {
  const out = new Out(target.length / 4 + 32);
  const lenOut = target.length;
  const lenSrc = source.length;
  out.int(lenOut);
  out.char('\n');
  if (lenSrc <= NHASH) {
    // No source block to copy from: one insert.
    if (lenOut > 0) {
      out.int(lenOut);
      out.char(':');
      out.bytes(target, 0, lenOut);
    }
    out.int(checksum(target));
    out.char(';');
    return out.result();
  }
  // Landmarks: the hash of each 16-byte source block, chained on collision.
  const nHash = Math.ceil(lenSrc / NHASH);
  const landmark = new Int32Array(nHash).fill(-1);
  const collide = new Int32Array(nHash).fill(-1);
  const h = new RollingHash();
  for (let i = 0; i < lenSrc - NHASH; i += NHASH) {
    h.init(source, i);
    const hv = h.value() % nHash;
    collide[i / NHASH] = landmark[hv]!;
    landmark[hv] = i / NHASH;
  }

  let base = 0;
  while (base + NHASH < lenOut) {
    h.init(target, base);
    let i = 0;
    let bestCnt = 0;
    let bestOfst = 0;
    let bestLitsz = 0;
    for (;;) {
      let limit = MAX_CANDIDATES;
      for (let block = landmark[h.value() % nHash]!; block >= 0 && limit-- > 0; block = collide[block]!) {
        const iSrc = block * NHASH;
        let j = 0;
        while (iSrc + j < lenSrc && base + i + j < lenOut && source[iSrc + j] === target[base + i + j]) j++;
        let k = 0;
        while (k + 1 < iSrc && k + 1 <= i && source[iSrc - k - 1] === target[base + i - k - 1]) k++;
        const cnt = j + k;
        const cost = digitCount(i - k) + digitCount(cnt) + digitCount(iSrc - k) + 3;
        if (cnt >= cost && cnt > bestCnt) {
          bestCnt = cnt;
          bestOfst = iSrc - k;
          bestLitsz = i - k;
        }
      }
      if (bestCnt > 0) {
        base = emitMatch(out, target, base, bestLitsz, bestCnt, bestOfst);
        break;
      }
      if (base + i + NHASH >= lenOut) {
        out.int(lenOut - base);
        out.char(':');
        out.bytes(target, base, lenOut);
        base = lenOut;
        break;
      }
      h.next(target[base + i + NHASH]!);
      i++;
    }
  }
  if (base < lenOut) {
    out.int(lenOut - base);
    out.char(':');
    out.bytes(target, base, lenOut);
  }
  out.int(checksum(target));
  out.char(';');
  return out.result();
}

/**
 * Writes the insert before a match and the copy, with the copy trimmed to whole UTF-8 characters
 * of the target; returns the new base. `base` is always at a character boundary.
 */
function emitMatch(out: Out, target: Uint8Array, base: number, litsz: number, cnt: number, ofst: number): number {
  let start = base + litsz;
  let end = start + cnt;
  const shift = start;
  while (start < end && inside(target, start)) start++;
  ofst += start - shift;
  while (end > start && inside(target, end)) end--;
  if (end - start <= 0) {
    // Nothing whole to copy: the region becomes part of an insert, up to the next boundary.
    let stop = base + litsz + cnt;
    while (inside(target, stop)) stop++;
    out.int(stop - base);
    out.char(':');
    out.bytes(target, base, stop);
    return stop;
  }
  if (start > base) {
    out.int(start - base);
    out.char(':');
    out.bytes(target, base, start);
  }
  out.int(end - start);
  out.char('@');
  out.int(ofst);
  out.char(',');
  return end;
}

/** Applies a Fossil delta; throws on a malformed delta or a checksum mismatch. */
export function applyDelta(source: Uint8Array, delta: Uint8Array): Buffer {
  let pos = 0;
  const readInt = (): number => {
    let v = 0;
    let digits = 0;
    while (pos < delta.length) {
      const d = delta[pos]! < 128 ? DIGIT_VALUE[delta[pos]!]! : -1;
      if (d < 0) break;
      v = v * 64 + d;
      pos++;
      digits++;
    }
    if (digits === 0) throw new StreamHubError(ErrorCode.invalidMessage, 'delta: number expected');
    return v;
  };
  const limit = readInt();
  if (delta[pos++] !== 0x0a) throw new StreamHubError(ErrorCode.invalidMessage, 'delta: size not terminated by a newline');
  const out = Buffer.allocUnsafe(limit);
  let total = 0;
  while (pos < delta.length) {
    const cnt = readInt();
    const op = delta[pos++];
    if (op === 0x40 /* @ */) {
      const ofst = readInt();
      if (delta[pos++] !== 0x2c /* , */) throw new StreamHubError(ErrorCode.invalidMessage, 'delta: copy not terminated by a comma');
      if (total + cnt > limit || ofst + cnt > source.length) throw new StreamHubError(ErrorCode.invalidMessage, 'delta: copy out of range');
      out.set(source.subarray(ofst, ofst + cnt), total);
      total += cnt;
    } else if (op === 0x3a /* : */) {
      if (total + cnt > limit || pos + cnt > delta.length) throw new StreamHubError(ErrorCode.invalidMessage, 'delta: insert out of range');
      out.set(delta.subarray(pos, pos + cnt), total);
      total += cnt;
      pos += cnt;
    } else if (op === 0x3b /* ; */) {
      if (total !== limit) throw new StreamHubError(ErrorCode.invalidMessage, 'delta: size mismatch');
      if (checksum(out) !== cnt) throw new StreamHubError(ErrorCode.invalidMessage, 'delta: bad checksum');
      return out;
    } else throw new StreamHubError(ErrorCode.invalidMessage, 'delta: unknown operator');
  }
  throw new StreamHubError(ErrorCode.invalidMessage, 'delta: unterminated');
}
