/**
 * The Fossil delta encoder and applier (src/dialects/streamhub/fossil-delta.ts): round trips on
 * random and structured inputs, the format on a hand-checked case, UTF-8-safe inserts, and the
 * applier's refusals. Then delta subscriptions end to end (PROTOCOL.md §17).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { applyDelta, checksum, createDelta } from '../../src/dialects/streamhub/fossil-delta.js';
import { startStreamhub, TestClient, token, type Frame } from './setup.js';

/** A small deterministic PRNG, so a failure can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

it('checksum: Fossil’s sum of big-endian words with the tail left-aligned', () => {
  assert.equal(checksum(Buffer.from('')), 0);
  assert.equal(checksum(Buffer.from([1, 2, 3, 4])), 0x01020304);
  assert.equal(checksum(Buffer.from([1, 2, 3, 4, 5])), (0x01020304 + 0x05000000) >>> 0);
  assert.equal(checksum(Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1])), 0);
});

it('format: header, copy and insert commands, checksum', () => {
  const source = Buffer.from('The quick brown fox jumps over the lazy dog. The quick brown fox.');
  const target = Buffer.from('The quick brown fox jumps over the lazy cat. The quick brown fox.');
  const delta = createDelta(source, target).toString('latin1');
  // 65 bytes → "11" in Fossil digits (1*64 + 1).
  assert.ok(delta.startsWith('11\n'), delta);
  assert.match(delta, /@0,/, 'copies the unchanged head from offset 0');
  assert.match(delta, /:cat|:c|cat/, 'inserts the changed word');
  assert.ok(delta.endsWith(';'));
  assert.deepEqual(applyDelta(source, Buffer.from(delta, 'latin1')), target);
  // A source of at most 16 bytes cannot be copied from: one insert.
  assert.equal(createDelta(Buffer.from('abc'), Buffer.from('abcd')).toString('latin1'), `4\n4:abcd${fossilInt(checksum(Buffer.from('abcd')))};`);
});

function fossilInt(v: number): string {
  const digits = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~';
  if (v === 0) return '0';
  let s = '';
  for (let x = v; x > 0; x = Math.floor(x / 64)) s = digits[x % 64] + s;
  return s;
}

it('round trips random edits of random and JSON-like inputs', () => {
  const rnd = prng(42);
  for (let n = 0; n < 300; n++) {
    const len = Math.floor(rnd() * 3000);
    const source = Buffer.alloc(len);
    for (let i = 0; i < len; i++) source[i] = n % 2 === 0 ? Math.floor(rnd() * 256) : 32 + Math.floor(rnd() * 20);
    const target = Buffer.from(source);
    const parts: Buffer[] = [];
    let at = 0;
    while (at < target.length) {
      const step = 1 + Math.floor(rnd() * 200);
      const r = rnd();
      if (r < 0.1) parts.push(Buffer.from(String(rnd())));
      else if (r < 0.2) at += step; // deletion
      if (r >= 0.2 || r < 0.1) parts.push(target.subarray(at, at + step));
      at += step;
    }
    const edited = Buffer.concat(parts);
    const delta = createDelta(source, edited);
    assert.deepEqual(applyDelta(source, delta), edited, `case ${n}`);
  }
});

it('inserts never split a UTF-8 character: the delta of two texts is itself UTF-8', () => {
  const rnd = prng(7);
  const words = ['é', '€', '𝄞', 'ü', 'abc', '日本語', ' ', '"x":', '1', '{', '}'];
  const strict = new TextDecoder('utf-8', { fatal: true });
  for (let n = 0; n < 200; n++) {
    let a = '';
    for (let i = 0; i < 300; i++) a += words[Math.floor(rnd() * words.length)];
    let b = '';
    for (const ch of a) b += rnd() < 0.05 ? words[Math.floor(rnd() * words.length)] : ch;
    const delta = createDelta(Buffer.from(a), Buffer.from(b));
    assert.doesNotThrow(() => strict.decode(delta), `case ${n}`);
    assert.equal(applyDelta(Buffer.from(a), delta).toString('utf8'), b);
  }
});

it('the applier refuses truncated, out-of-range and corrupted deltas', () => {
  const source = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz'.repeat(4));
  const target = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz'.repeat(3) + 'tail');
  const delta = createDelta(source, target);
  assert.throws(() => applyDelta(source, delta.subarray(0, delta.length - 1)));
  assert.throws(() => applyDelta(source.subarray(0, 10), delta));
  const corrupt = Buffer.from(delta);
  corrupt[corrupt.length - 2] = corrupt[corrupt.length - 2] === 0x30 ? 0x31 : 0x30;
  assert.throws(() => applyDelta(source, corrupt), /checksum|delta/);
  assert.throws(() => applyDelta(source, Buffer.from('zz')));
});

it('a delta subscription gets full json first, then deltas that rebuild each publication exactly', async (t) => {
  const s = await startStreamhub();
  t.after(() => s.h.close());
  const state = (i: number) => ({ type: 'StateFrame', t: i * 40, ball: { x: 50 + i, y: 30, z: 0 }, players: Array.from({ length: 22 }, (_, p) => ({ id: p, x: p * 4 + (i % 3), y: p * 2 })) });
  await s.publish('match:d', state(0));
  const c = await TestClient.connected(s.wsUrl, await token());
  t.after(() => c.close());
  const sub = await c.request({ type: 'subscribe', channels: [{ channel: 'match:d', delta: 'fossil' }] });
  const first = (sub.publications as Frame[])[0]!;
  assert.equal(typeof first.json, 'string');
  assert.equal(first.data, undefined);
  for (let i = 1; i <= 5; i++) await s.publish('match:d', state(i));
  await c.raw.until((m) => (m as Frame[]).filter((f) => f.type === 'pub').length >= 5);
  let prev = first.json as string;
  let deltas = 0;
  for (const [k, pub] of c.pubs('match:d').entries()) {
    if (typeof pub.delta === 'string') {
      deltas += 1;
      prev = applyDelta(Buffer.from(prev), Buffer.from(pub.delta)).toString('utf8');
    } else prev = pub.json as string;
    assert.deepEqual(JSON.parse(prev), state(k + 1));
  }
  assert.equal(deltas, 5, 'similar states travel as deltas');
  // A plain subscriber of the same channel still gets `data`.
  const plain = await TestClient.connected(s.wsUrl, await token());
  t.after(() => plain.close());
  const p = await plain.request({ type: 'subscribe', channels: [{ channel: 'match:d' }] });
  assert.deepEqual((p.publications as Frame[]).at(-1)!.data, state(5));
});
