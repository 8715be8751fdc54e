import assert from 'node:assert/strict';
import { it } from 'node:test';
import { fnv1a64, jumpHash, shardOf } from './jump-hash.js';

it('jumpHash matches the reference implementation and stays in range', () => {
  // github.com/lithammer/go-jump-consistent-hash (the paper's algorithm): Hash(256, 1024) == 520.
  assert.equal(jumpHash(256n, 1024), 520);
  assert.equal(jumpHash(0n, 1), 0);
  for (let k = 0n; k < 500n; k++) {
    const b = jumpHash(k * 7919n, 13);
    assert.ok(b >= 0 && b < 13);
  }
  assert.throws(() => jumpHash(1n, 0), { code: 'ERR_CONFIG' });
});

it('fnv1a64 is FNV-1a over UTF-8 bytes', () => {
  assert.equal(fnv1a64('').toString(16), 'cbf29ce484222325');
  assert.equal(fnv1a64('a').toString(16), 'af63dc4c8601ec8c');
  assert.notEqual(fnv1a64('é'), fnv1a64('e'));
});

it('shardOf spreads channels evenly, and a new shard takes channels only for itself', () => {
  const counts = [0, 0, 0];
  for (let i = 0; i < 30_000; i++) counts[shardOf(`match:${i}`, 3)]! += 1;
  for (const c of counts) assert.ok(c > 9_000 && c < 11_000, `uneven: ${counts}`);
  let moved = 0;
  for (let i = 0; i < 30_000; i++) {
    const before = shardOf(`nova:${i}`, 3);
    const after = shardOf(`nova:${i}`, 4);
    if (before !== after) {
      assert.equal(after, 3, 'a channel only ever moves to the new shard');
      moved += 1;
    }
  }
  assert.ok(moved > 6_000 && moved < 9_000, `about a quarter moves: ${moved}`);
});
