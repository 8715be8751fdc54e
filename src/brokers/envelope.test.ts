import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Message } from '../core/index.js';
import { decodeEnvelope, encodeEnvelope, EnvelopeError, headerBytes } from './envelope.js';

const msg: Message = {
  channel: 'ch',
  offset: 258,
  epoch: 'ep',
  kind: 'pinned',
  time: 1.5,
  publishedAt: 2,
  payload: new Uint8Array([0xde, 0xad]),
};

// The exact version-1 bytes (envelope.ts layout table); redis-publish.lua builds the same.
const EXPECTED = Uint8Array.from([
  1, // version
  2, // kind: pinned
  0x40, 0x70, 0x20, 0, 0, 0, 0, 0, // offset 258 (f64 BE)
  0x3f, 0xf8, 0, 0, 0, 0, 0, 0, // time 1.5
  0x40, 0, 0, 0, 0, 0, 0, 0, // publishedAt 2
  2, 0x65, 0x70, // epoch "ep"
  0, 2, 0x63, 0x68, // channel "ch"
  0xde, 0xad, // payload
]);

it('encodes version 1 byte for byte', () => {
  assert.deepEqual(encodeEnvelope(msg), EXPECTED);
  assert.equal(headerBytes('ep', 'ch'), EXPECTED.byteLength - 2);
});

it('decodes what it encodes, with the payload as a view (no copy)', () => {
  const bytes = encodeEnvelope({ ...msg, channel: 'match:ü', epoch: 'e'.repeat(255), kind: 'reset', payload: new Uint8Array(0) });
  const back = decodeEnvelope(bytes);
  assert.equal(back.channel, 'match:ü');
  assert.equal(back.epoch.length, 255);
  assert.equal(back.kind, 'reset');
  assert.equal(back.payload.byteLength, 0);
  const decoded = decodeEnvelope(EXPECTED);
  assert.deepEqual({ ...decoded, payload: [...decoded.payload] }, { ...msg, payload: [0xde, 0xad] });
  assert.equal(decoded.payload.buffer, EXPECTED.buffer);
  assert.ok(Object.isFrozen(decoded));
});

it('decodes at a non-zero byteOffset (a slice of a larger buffer)', () => {
  const big = new Uint8Array(EXPECTED.byteLength + 7);
  big.set(EXPECTED, 7);
  assert.equal(decodeEnvelope(big.subarray(7)).offset, 258);
});

it('refuses bad bytes with EnvelopeError, never anything else', () => {
  const bad = (bytes: Uint8Array) => assert.throws(() => decodeEnvelope(bytes), EnvelopeError);
  bad(new Uint8Array(0));
  bad(EXPECTED.subarray(0, 28)); // cut inside the epoch
  bad(EXPECTED.subarray(0, 32)); // cut inside the channel
  bad(Uint8Array.from([2, ...EXPECTED.subarray(1)])); // unknown version
  bad(Uint8Array.from([1, 9, ...EXPECTED.subarray(2)])); // unknown kind
  const zeroOffset = EXPECTED.slice();
  zeroOffset.fill(0, 2, 10);
  bad(zeroOffset);
  const badText = EXPECTED.slice();
  badText[27] = 0xff; // epoch is not UTF-8
  bad(badText);
  for (let n = 0; n < EXPECTED.byteLength - 2; n++) {
    // every truncation either decodes nothing or throws EnvelopeError (header shorter than declared)
    try {
      decodeEnvelope(EXPECTED.subarray(0, n));
    } catch (err) {
      assert.ok(err instanceof EnvelopeError);
    }
  }
});

it('refuses to encode an epoch or channel that does not fit its length field', () => {
  assert.throws(() => encodeEnvelope({ ...msg, epoch: 'e'.repeat(256) }), EnvelopeError);
  assert.throws(() => encodeEnvelope({ ...msg, channel: 'c'.repeat(65_536) }), EnvelopeError);
});
