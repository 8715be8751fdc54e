import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Sender } from 'ws';
import { BatchCache, FrameCache, Opcode } from './frame.js';

/** The header bytes of the frame FrameCache builds for a payload of `length` bytes. */
function headerOf(length: number, opcode: Opcode): number[] {
  const frame = new FrameCache().frame(new Uint8Array(length), opcode);
  const header = Buffer.isBuffer(frame) ? frame.subarray(0, frame.length - length) : frame[0];
  return [...header];
}

describe('frame headers [RFC 6455 §5.2]', () => {
  it('uses the 7-bit length up to 125 bytes', () => {
    assert.deepEqual(headerOf(0, Opcode.text), [0x81, 0]);
    assert.deepEqual(headerOf(125, Opcode.binary), [0x82, 125]);
  });
  it('uses the 16-bit extended length from 126 to 65535', () => {
    assert.deepEqual(headerOf(126, Opcode.text), [0x81, 126, 0, 126]);
    assert.deepEqual(headerOf(65_535, Opcode.text), [0x81, 126, 0xff, 0xff]);
  });
  it('uses the 64-bit extended length from 65536', () => {
    assert.deepEqual(headerOf(65_536, Opcode.binary), [0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
    // Past 4 GiB, without allocating it: unmasked, ws's Sender.frame (what FrameCache calls) reads only the length.
    const huge = { length: 2 ** 32 + 5 } as unknown as Uint8Array;
    const [header] = Sender.frame(huge, { fin: true, opcode: Opcode.binary, mask: false, readOnly: false, rsv1: false });
    assert.deepEqual([...header!], [0x82, 127, 0, 0, 0, 1, 0, 0, 0, 5]);
  });
});

describe('FrameCache', () => {
  it('builds a frame once per payload object and reuses it', () => {
    const cache = new FrameCache();
    const payload = new TextEncoder().encode('{"a":1}');
    const first = cache.frame(payload, Opcode.text);
    assert.equal(cache.frame(payload, Opcode.text), first);
    assert.ok(Buffer.isBuffer(first));
    assert.deepEqual([...(first as Buffer).subarray(0, 2)], [0x81, payload.length]);
    assert.equal((first as Buffer).subarray(2).toString(), '{"a":1}');
    assert.notEqual(cache.frame(payload, Opcode.binary), first, 'text and binary frames differ');
  });
  it('keeps large payloads uncopied beside their header', () => {
    const big = new Uint8Array(100_000);
    const frame = new FrameCache().frame(big, Opcode.binary);
    assert.ok(Array.isArray(frame));
    assert.equal((frame as readonly [Buffer, Uint8Array])[1], big);
  });
});

describe('BatchCache', () => {
  const enc = (s: string) => new TextEncoder().encode(s);

  it('shares the bytes of the same batch, and only of the same batch', () => {
    const cache = new BatchCache(new FrameCache());
    const [a, b, c, d] = ['a', 'bb', 'ccc', 'dd'].map(enc) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    const first = cache.bytes([a, b, c], Opcode.text);
    assert.deepEqual([...first], [0x81, 1, 97, 0x81, 2, 98, 98, 0x81, 3, 99, 99, 99]);
    assert.equal(cache.bytes([a, b, c], Opcode.text), first, 'a second socket gets the very same buffer');
    // Same first and last payload, same length, different middle: never the shared bytes.
    const other = cache.bytes([a, d, c], Opcode.text);
    assert.notEqual(other, first);
    assert.deepEqual([...other.subarray(3, 7)], [0x81, 2, 100, 100]);
    assert.notEqual(cache.bytes([a, b], Opcode.text), other);
    assert.equal(cache.get([a, b, c], Opcode.binary), undefined, 'text and binary never mix');
  });
});

describe('BatchCache.ofMessages', () => {
  const msg = (s: string) => ({ payload: new TextEncoder().encode(s) });

  it('builds a hub batch once and returns the same bytes for the same batch array', () => {
    const cache = new BatchCache(new FrameCache());
    const batch = Object.freeze([msg('a'), msg('bb')]);
    const bytes = cache.ofMessages(batch, Opcode.text, 1024);
    assert.ok(bytes);
    assert.deepEqual([...bytes], [0x81, 1, 97, 0x81, 2, 98, 98]);
    assert.equal(cache.ofMessages(batch, Opcode.text, 1024), bytes);
    assert.notEqual(cache.ofMessages(batch, Opcode.binary, 1024), bytes, 'text and binary never mix');
  });
  it('shares bytes between two arrays of the same messages (each client\'s ring replay)', () => {
    const cache = new BatchCache(new FrameCache());
    const ring = [msg('x'), msg('y'), msg('z')];
    const first = cache.ofMessages([...ring], Opcode.text, 1024);
    assert.equal(cache.ofMessages([...ring], Opcode.text, 1024), first);
    assert.notEqual(cache.ofMessages([ring[0]!, ring[2]!, ring[1]!], Opcode.text, 1024), first);
  });
  it('keeps a frozen (hub pass) batch by identity only, never by payload: overlapping pass batches must not pile up', () => {
    const cache = new BatchCache(new FrameCache());
    const log = [msg('p'), msg('q')];
    const pass = Object.freeze([...log]);
    const bytes = cache.ofMessages(pass, Opcode.text, 1024);
    assert.equal(cache.ofMessages(pass, Opcode.text, 1024), bytes);
    assert.equal(cache.get(log.map((m) => m.payload), Opcode.text), undefined);
  });
  it('answers a batch of one message with that message\'s cached frame (no copy)', () => {
    const frames = new FrameCache();
    const cache = new BatchCache(frames);
    const one = msg('solo');
    assert.equal(cache.ofMessages([one], Opcode.text, 1024), frames.frame(one.payload, Opcode.text));
  });
  it('answers null over the limit, so the writer sends frame by frame instead of copying', () => {
    const cache = new BatchCache(new FrameCache());
    assert.equal(cache.ofMessages([msg('0123456789')], Opcode.text, 8), null);
  });
});
