/** Notes §3.5: receive-clear-cache empties and disables the cache for the rest of the publish; probe gets one chunk. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect } from '../helpers/ws-client.js';
import { chunks, eventually, hasChunks, sendChunks, startRelay, texts, type RelayHarness } from './helpers.js';

async function cached(h: RelayHarness, channel: string): Promise<string[]> {
  const hist = await h.hub.history(`relay:${channel}`);
  return [...(hist.snapshot ? [hist.snapshot] : []), ...hist.pinned, ...hist.messages].map((m) => Buffer.from(m.payload).toString());
}

describe('relay receive-clear-cache', () => {
  it('gets the whole cache, then the cache (pinned first chunk included) is emptied and stays disabled', async (t) => {
    const h = await startRelay();
    t.after(() => h.close());
    const pub = await connect(h.url('c', 'key', 'publish'));
    const witness = await connect(h.url('c', 'key', 'receive'));
    sendChunks(pub, 'header', 'a', 'b');
    await witness.until(hasChunks(witness, 3));
    const clearer = await connect(h.url('c', 'key', 'receive-clear-cache'));
    await clearer.until(hasChunks(clearer, 3));
    assert.deepEqual(chunks(clearer), ['header', 'a', 'b']);
    await eventually(async () => (await cached(h, 'c')).length === 0, 5_000, 'cache emptied');
    sendChunks(pub, 'c', 'd');
    await witness.until(hasChunks(witness, 5));
    await clearer.until(hasChunks(clearer, 5));
    assert.deepEqual(chunks(clearer), ['header', 'a', 'b', 'c', 'd']);
    assert.deepEqual(await cached(h, 'c'), [], 'later chunks are not cached');
    // A later receiver joins mid-stream: no cache at all.
    const late = await connect(h.url('c', 'key', 'receive'));
    await eventually(() => h.hub.subscriberCount('relay:c') === 4);
    sendChunks(pub, 'e');
    await late.until(hasChunks(late, 1));
    assert.deepEqual(chunks(late), ['e']);
    pub.close();
  });

  it('a waiting receive-clear-cache receiver disables the cache as soon as the publisher arrives', async (t) => {
    const h = await startRelay();
    t.after(() => h.close());
    const clearer = await connect(h.url('c', 'key', 'receive-clear-cache'));
    await eventually(() => h.dialect.stats().idleReceivers === 1);
    const pub = await connect(h.url('c', 'key', 'publish'));
    await eventually(() => h.dialect.stats().idleReceivers === 0);
    await eventually(async () => (await h.hub.history('relay:c')).top !== null);
    const witness = await connect(h.url('c', 'key', 'receive'));
    sendChunks(pub, 'header', 'a');
    await clearer.until(hasChunks(clearer, 2));
    await witness.until(hasChunks(witness, 2));
    assert.deepEqual(chunks(clearer), ['header', 'a']);
    await eventually(async () => (await cached(h, 'c')).length === 0, 5_000, 'cache emptied');
    sendChunks(pub, 'b');
    await witness.until(hasChunks(witness, 3));
    assert.deepEqual(await cached(h, 'c'), []);
    pub.close();
  });

  it('a new publish caches again', async (t) => {
    const h = await startRelay();
    t.after(() => h.close());
    const pub = await connect(h.url('c', 'key', 'publish'));
    sendChunks(pub, 'header');
    const clearer = await connect(h.url('c', 'key', 'receive-clear-cache'));
    await clearer.until(hasChunks(clearer, 1));
    await eventually(async () => (await cached(h, 'c')).length === 0);
    pub.close();
    await clearer.closed;
    await eventually(() => h.dialect.stats().publishers === 0);
    const pub2 = await connect(h.url('c', 'key', 'publish'));
    sendChunks(pub2, 'header2', 'x');
    await eventually(async () => (await cached(h, 'c')).length === 2);
    assert.deepEqual(await cached(h, 'c'), ['header2', 'x']);
    pub2.close();
  });
});

describe('relay probe', () => {
  it('gets exactly one chunk, the first cached one, and is closed with 1000', async (t) => {
    const h = await startRelay();
    t.after(() => h.close());
    const pub = await connect(h.url('c', 'key', 'publish'));
    sendChunks(pub, 'header', 'a', 'b');
    await eventually(async () => (await cached(h, 'c')).length === 3);
    const probe = await connect(h.url('c', 'key', 'probe'));
    const closed = await probe.closed;
    assert.equal(closed.code, 1000);
    assert.deepEqual(chunks(probe), ['header']);
    assert.deepEqual(texts(probe), []);
    pub.close();
  });

  it('waits for a publisher, then gets the first live chunk only', async (t) => {
    const h = await startRelay();
    t.after(() => h.close());
    const probe = await connect(h.url('c', 'key', 'probe'));
    await eventually(() => h.dialect.stats().idleReceivers === 1);
    const pub = await connect(h.url('c', 'key', 'publish'));
    sendChunks(pub, 'first', 'second');
    assert.equal((await probe.closed).code, 1000);
    assert.deepEqual(chunks(probe), ['first']);
    pub.close();
  });

  it('with the cache cleared, gets the next live chunk', async (t) => {
    const h = await startRelay();
    t.after(() => h.close());
    const pub = await connect(h.url('c', 'key', 'publish'));
    sendChunks(pub, 'header');
    const clearer = await connect(h.url('c', 'key', 'receive-clear-cache'));
    await clearer.until(hasChunks(clearer, 1));
    await eventually(async () => (await cached(h, 'c')).length === 0);
    const probe = await connect(h.url('c', 'key', 'probe'));
    await eventually(() => h.hub.subscriberCount('relay:c') === 3);
    sendChunks(pub, 'live');
    await probe.closed;
    assert.deepEqual(chunks(probe), ['live']);
    pub.close();
  });
});
