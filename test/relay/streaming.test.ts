/** Seed §Publish/§Receive, notes §3.4: chunks in order, cache then live, waiting receivers, the end of a publish. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect } from '../helpers/ws-client.js';
import { chunks, eventually, hasChunks, sendChunks, startRelay, texts, type RelayHarness } from './helpers.js';

async function cached(h: RelayHarness, channel: string): Promise<string[]> {
  const hist = await h.hub.history(`relay:${channel}`);
  return [...(hist.snapshot ? [hist.snapshot] : []), ...hist.messages].map((m) => Buffer.from(m.payload).toString());
}

describe('relay publish and receive', () => {
  it('every binary message reaches every playing receiver, in order', async (t) => {
    const h = await startRelay();
    t.after(() => h.close());
    const pub = await connect(h.url('c', 'key', 'publish'));
    const r1 = await connect(h.url('c', 'key', 'receive'));
    const r2 = await connect(h.url('c', 'key', 'receive'));
    const parts = Array.from({ length: 50 }, (_, i) => `chunk-${i}`);
    sendChunks(pub, ...parts);
    await r1.until(hasChunks(r1, 50));
    await r2.until(hasChunks(r2, 50));
    assert.deepEqual(chunks(r1), parts);
    assert.deepEqual(chunks(r2), parts);
    // Text frames from the publisher are not media.
    pub.ws.send('h');
    sendChunks(pub, 'after-text');
    await r1.until(hasChunks(r1, 51));
    assert.equal(chunks(r1)[50], 'after-text');
    pub.close();
  });

  it('a late receiver gets the cache (first chunk first), then live chunks', async (t) => {
    const h = await startRelay();
    t.after(() => h.close());
    const pub = await connect(h.url('c', 'key', 'publish'));
    sendChunks(pub, 'header', 'a', 'b');
    await eventually(async () => (await cached(h, 'c')).length === 3);
    const late = await connect(h.url('c', 'key', 'receive'));
    await late.until(hasChunks(late, 3));
    sendChunks(pub, 'c');
    await late.until(hasChunks(late, 4));
    assert.deepEqual(chunks(late), ['header', 'a', 'b', 'c']);
    pub.close();
  });

  it('receivers that connect before any publisher wait, and start when one arrives', async (t) => {
    const h = await startRelay();
    t.after(() => h.close());
    const early = await connect(h.url('c', 'key', 'receive'));
    await eventually(() => h.dialect.stats().idleReceivers === 1);
    const pub = await connect(h.url('c', 'key', 'publish'));
    sendChunks(pub, 'header', 'x');
    await early.until(hasChunks(early, 2));
    assert.deepEqual(chunks(early), ['header', 'x']);
    assert.equal(h.dialect.stats().idleReceivers, 0);
    pub.close();
  });

  it('when the publisher leaves: playing receivers are closed with 1000 and the cache is discarded', async (t) => {
    const h = await startRelay();
    t.after(() => h.close());
    const pub = await connect(h.url('c', 'key', 'publish'));
    const r = await connect(h.url('c', 'key', 'receive'));
    sendChunks(pub, 'header', 'a');
    await r.until(hasChunks(r, 2));
    pub.close();
    const closed = await r.closed;
    assert.equal(closed.code, 1000);
    await eventually(async () => (await cached(h, 'c')).length === 0, 5_000, 'cache discarded');
    // A receiver now waits (nothing from the old publish), and a new publish starts from scratch.
    const next = await connect(h.url('c', 'key2', 'receive'));
    await eventually(() => h.dialect.stats().publishers === 0);
    const pub2 = await connect(h.url('c', 'key2', 'publish'));
    sendChunks(pub2, 'header2');
    await next.until(hasChunks(next, 1));
    assert.deepEqual(chunks(next), ['header2']);
    const late = await connect(h.url('c', 'key2', 'receive'));
    await late.until(hasChunks(late, 1));
    assert.deepEqual(chunks(late), ['header2']);
    pub2.close();
  });

  it('idle receivers stay idle (not closed) when a publish they never joined ends', async (t) => {
    const h = await startRelay();
    t.after(() => h.close());
    const pub = await connect(h.url('c', 'key', 'publish'));
    pub.close();
    await eventually(() => h.dialect.stats().publishers === 0);
    const idle = await connect(h.url('c', 'key', 'receive'));
    await eventually(() => h.dialect.stats().idleReceivers === 1);
    const pub2 = await connect(h.url('c', 'key', 'publish'));
    sendChunks(pub2, 'one');
    await idle.until(hasChunks(idle, 1));
    pub2.close();
    assert.equal((await idle.closed).code, 1000);
  });

  it('the cache is a byte-bounded FIFO (16 bytes per chunk) with the first chunk pinned', async (t) => {
    // Budget 100 bytes: chunks of 24 bytes cost 40 each, so at most 2 stay besides the pinned header.
    const h = await startRelay({ gopCacheBytes: 100 });
    t.after(() => h.close());
    const pub = await connect(h.url('c', 'key', 'publish'));
    const parts = ['HEADER', ...Array.from({ length: 6 }, (_, i) => `body-${i}`.padEnd(24, '.'))];
    sendChunks(pub, ...parts);
    await eventually(async () => (await cached(h, 'c')).at(-1) === parts.at(-1));
    assert.deepEqual(await cached(h, 'c'), ['HEADER', parts[5], parts[6]]);
    const late = await connect(h.url('c', 'key', 'receive'));
    await late.until(hasChunks(late, 3));
    assert.deepEqual(chunks(late), ['HEADER', parts[5], parts[6]]);
    pub.close();
  });

  it('GOP cache size 0 disables the cache: late receivers join mid-stream', async (t) => {
    const h = await startRelay({ gopCacheBytes: 0 });
    t.after(() => h.close());
    const pub = await connect(h.url('c', 'key', 'publish'));
    const witness = await connect(h.url('c', 'key', 'receive'));
    sendChunks(pub, 'header', 'a');
    await witness.until(hasChunks(witness, 2));
    const late = await connect(h.url('c', 'key', 'receive'));
    await eventually(() => h.hub.subscriberCount('relay:c') === 3);
    sendChunks(pub, 'b');
    await late.until(hasChunks(late, 1));
    assert.deepEqual(chunks(late), ['b']);
    assert.deepEqual(await cached(h, 'c'), []);
    pub.close();
  });

  it('empty binary messages are skipped (the pinned first chunk is the first real one)', async (t) => {
    const h = await startRelay();
    t.after(() => h.close());
    const pub = await connect(h.url('c', 'key', 'publish'));
    pub.ws.send(Buffer.alloc(0), { binary: true });
    sendChunks(pub, 'header');
    await eventually(async () => (await cached(h, 'c')).length === 1);
    const hist = await h.hub.history('relay:c');
    assert.equal(Buffer.from(hist.snapshot!.payload).toString(), 'header');
    pub.close();
  });

  it('a receiver with the wrong key gets "ERROR: Invalid streaming key", then is closed', async (t) => {
    const h = await startRelay();
    t.after(() => h.close());
    const pub = await connect(h.url('c', 'right', 'publish'));
    sendChunks(pub, 'header');
    await eventually(async () => (await cached(h, 'c')).length === 1);
    for (const kind of ['receive', 'receive-clear-cache', 'probe']) {
      const wrong = await connect(h.url('c', 'wrong', kind));
      const closed = await wrong.closed;
      assert.deepEqual(texts(wrong), ['ERROR: Invalid streaming key']);
      assert.deepEqual(chunks(wrong), []);
      assert.equal(closed.code, 1000);
    }
    // The cache was not cleared by the refused receive-clear-cache.
    assert.deepEqual(await cached(h, 'c'), ['header']);
    pub.close();
  });

  it('a waiting receiver with the wrong key gets the error when the publisher arrives', async (t) => {
    const h = await startRelay();
    t.after(() => h.close());
    const wrong = await connect(h.url('c', 'wrong', 'receive'));
    const right = await connect(h.url('c', 'right', 'receive'));
    await eventually(() => h.dialect.stats().idleReceivers === 2);
    const pub = await connect(h.url('c', 'right', 'publish'));
    await wrong.closed;
    assert.deepEqual(texts(wrong), ['ERROR: Invalid streaming key']);
    sendChunks(pub, 'header');
    await right.until(hasChunks(right, 1));
    assert.deepEqual(texts(right), []);
    pub.close();
  });
});
