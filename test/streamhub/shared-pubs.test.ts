/**
 * Plain live subscriptions share one encoded `pub` batch per hub batch (issue 19, pub-batch.ts):
 * the cache is keyed by the hub's frozen batch only, a batch with a gap or an epoch change is not
 * written as it is, and subscribers of one channel — plain, delta, joined later — each still get
 * every position in order with no gap and no duplicate (PROTOCOL.md §7–§8, §17).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Message } from '../../src/core/index.js';
import { encodePub } from '../../src/dialects/streamhub/codec.js';
import { pubBatchOf } from '../../src/dialects/streamhub/pub-batch.js';
import { startStreamhub, TestClient, token, type Frame } from './setup.js';

function msg(offset: number, epoch = 'e1'): Message {
  return { channel: 'streamhub:feed', kind: 'data', offset, epoch, time: 0, publishedAt: 0, payload: Buffer.from(`{"n":${offset}}`) };
}

it('a frozen hub batch is encoded once and found by identity; other arrays are not remembered', () => {
  const frozen = Object.freeze([msg(1), msg(2), msg(3)]);
  const shared = pubBatchOf(frozen);
  assert.equal(pubBatchOf(frozen), shared, 'the second subscriber finds the first one’s frames');
  assert.ok(Object.isFrozen(shared.frames), 'the writer shares a frozen frame array by identity');
  assert.deepEqual(
    shared.frames.map((f) => f.payload),
    frozen.map(encodePub),
  );
  assert.equal(shared.contiguous, true);
  const own = [msg(4), msg(5)];
  assert.notEqual(pubBatchOf(own), pubBatchOf(own), 'a mutable array could change: built each time');
});

it('a batch with an offset gap or an epoch change is not contiguous', () => {
  assert.equal(pubBatchOf(Object.freeze([msg(1), msg(3)])).contiguous, false);
  assert.equal(pubBatchOf(Object.freeze([msg(1), msg(2, 'e2')])).contiguous, false);
  assert.equal(pubBatchOf(Object.freeze([msg(7)])).contiguous, true);
});

it('plain, delta and late subscribers of one channel each get every pub once, in order, with no gap', async (t) => {
  const s = await startStreamhub();
  t.after(() => s.h.close());
  const channel = 'streamhub:feed';
  const open = async (item: Record<string, unknown>) => {
    const c = await TestClient.connected(s.wsUrl, await token());
    t.after(() => c.close());
    const sub = await c.request({ type: 'subscribe', channels: [{ channel, ...item }] });
    assert.equal(sub.type, 'subscribed');
    return c;
  };
  const plainA = await open({});
  const plainB = await open({});
  const delta = await open({ delta: 'fossil' });
  // A burst published without waiting: the hub hands several messages to every subscriber at once.
  const burst = Array.from({ length: 40 }, (_, i) => s.publish(channel, { n: i + 1, text: 'x'.repeat(i) }));
  const late = await open({});
  await Promise.all(burst);
  for (let i = 41; i <= 60; i++) await s.publish(channel, { n: i });
  const lastOf = (c: TestClient) => c.waitFor((f) => f.type === 'pub' && f.offset === 60);
  await Promise.all([plainA, plainB, delta, late].map(lastOf));

  const offsets = (frames: readonly Frame[]) => frames.map((f) => f.offset);
  const all = Array.from({ length: 60 }, (_, i) => i + 1);
  assert.deepEqual(offsets(plainA.pubs(channel)), all);
  assert.deepEqual(plainB.pubs(channel), plainA.pubs(channel), 'two plain subscribers get the same frames');
  assert.deepEqual(
    plainA.pubs(channel).map((f) => f.data),
    all.map((n) => (n <= 40 ? { n, text: 'x'.repeat(n - 1) } : { n })),
  );
  assert.deepEqual(offsets(delta.pubs(channel)), all);
  assert.ok(
    delta.pubs(channel).every((f) => f.data === undefined && (typeof f.json === 'string' || typeof f.delta === 'string')),
    'the delta subscription keeps its own json/delta frames',
  );
  // The late subscriber got the start of the burst in its replay and the rest live, none twice.
  const lateLive = offsets(late.pubs(channel));
  const replayed = ((late.frames.find((f) => f.type === 'subscribed')!.publications as Frame[]) ?? []).map((f) => f.offset);
  assert.deepEqual([...replayed, ...lateLive], all);
  for (const c of [plainA, plainB, delta, late]) assert.equal(c.frames.filter((f) => f.type === 'gap').length, 0);
});
