/** Fossil delta application (sdk/src/fossil-delta.ts, PROTOCOL.md §17) on a vector of the reference encoder. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyDelta, DeltaError, fossilChecksum, fossilInt } from '../../sdk/src/fossil-delta.js';
import { DELTA, SOURCE, TARGET } from './delta-vector.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

describe('sdk fossil delta', () => {
  it('applies a delta made by the reference encoder (copies, inserts, UTF-8 bytes, checksum)', () => {
    assert.equal(dec.decode(applyDelta(enc.encode(SOURCE), enc.encode(DELTA))), TARGET);
    // The same from the reference's own small example: "hello world, hello" → "… there".
    assert.equal(dec.decode(applyDelta(enc.encode('hello world, hello'), enc.encode('O\nI@0,6: there~Bp1C;'))), 'hello world, hello there');
  });

  it('refuses a truncated delta, a wrong checksum, a copy out of range and an oversized target', () => {
    const src = enc.encode(SOURCE);
    assert.throws(() => applyDelta(src, enc.encode(DELTA.slice(0, -1))), DeltaError);
    assert.throws(() => applyDelta(src, enc.encode(DELTA.replace('2CH8mj;', '2CH8mk;'))), /checksum/);
    assert.throws(() => applyDelta(enc.encode('short'), enc.encode(DELTA)), /out of range/);
    assert.throws(() => applyDelta(src, enc.encode(DELTA), 16), /exceeds/);
    assert.throws(() => applyDelta(src, enc.encode('zz')), DeltaError);
  });

  it('encodes numbers in Fossil base-64 and sums like delta.c', () => {
    assert.equal(fossilInt(0), '0');
    assert.equal(fossilInt(63), '~');
    assert.equal(fossilInt(64), '10');
    assert.equal(fossilInt(131), '23'); // the target length in DELTA above
    assert.equal(fossilChecksum(enc.encode(TARGET)).toString(), String(parseFossil('2CH8mj')));
  });
});

function parseFossil(text: string): number {
  const digits = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~';
  return [...text].reduce((n, c) => n * 64 + digits.indexOf(c), 0);
}
