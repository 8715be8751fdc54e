import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameCache, Opcode, frameHeader } from './frame.js';

describe('frameHeader [RFC 6455 §5.2]', () => {
  it('uses the 7-bit length up to 125 bytes', () => {
    assert.deepEqual([...frameHeader(0, Opcode.text)], [0x81, 0]);
    assert.deepEqual([...frameHeader(125, Opcode.binary)], [0x82, 125]);
  });
  it('uses the 16-bit extended length from 126 to 65535', () => {
    assert.deepEqual([...frameHeader(126, Opcode.text)], [0x81, 126, 0, 126]);
    assert.deepEqual([...frameHeader(65_535, Opcode.text)], [0x81, 126, 0xff, 0xff]);
  });
  it('uses the 64-bit extended length from 65536', () => {
    assert.deepEqual([...frameHeader(65_536, Opcode.binary)], [0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
    assert.deepEqual([...frameHeader(2 ** 32 + 5, Opcode.binary)], [0x82, 127, 0, 0, 0, 1, 0, 0, 0, 5]);
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
