/** Everything goes through the hub and broker: a publisher on node A reaches receivers on node B. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { localCoordination } from '../../src/coordination/local.js';
import { connect, refusal } from '../helpers/ws-client.js';
import { chunks, eventually, hasChunks, sendChunks, startRelay, texts } from './helpers.js';
import { linkedBrokers } from './linked-brokers.js';

async function twoNodes(overrides: Record<string, unknown> = {}) {
  const [ba, bb] = linkedBrokers(2);
  // One set of ports for both nodes: the in-process claim table stands in for the cluster-wide (Redis) publisher lease.
  const ports = localCoordination();
  const a = await startRelay(overrides, { broker: ba!, ports });
  const b = await startRelay(overrides, { broker: bb!, ports });
  return { a, b, close: async () => Promise.all([a.close(), b.close()]) };
}

describe('relay across nodes', () => {
  it('receivers on node B get the cache and the live chunks of a publisher on node A, then close when it leaves', async (t) => {
    const { a, b, close } = await twoNodes();
    t.after(close);
    const pub = await connect(a.url('c', 'k', 'publish'));
    const early = await connect(b.url('c', 'k', 'receive'));
    sendChunks(pub, 'header', 'x');
    await early.until(hasChunks(early, 2));
    const late = await connect(b.url('c', 'k', 'receive'));
    await late.until(hasChunks(late, 2));
    sendChunks(pub, 'y');
    await late.until(hasChunks(late, 3));
    await early.until(hasChunks(early, 3));
    assert.deepEqual(chunks(late), ['header', 'x', 'y']);
    assert.deepEqual(chunks(early), ['header', 'x', 'y']);
    pub.close();
    assert.equal((await late.closed).code, 1000);
    assert.equal((await early.closed).code, 1000);
  });

  it('one publisher per channel across nodes; a wrong key on node B is refused after the upgrade', async (t) => {
    const { a, b, close } = await twoNodes();
    t.after(close);
    const waitingWrong = await connect(b.url('c', 'wrong', 'receive'));
    await eventually(() => b.dialect.stats().idleReceivers === 1);
    const pub = await connect(a.url('c', 'k', 'publish'));
    const r = await refusal(b.url('c', 'k', 'publish'));
    assert.deepEqual([r.status, r.body], [403, 'Already publishing.']);
    await waitingWrong.closed;
    assert.deepEqual(texts(waitingWrong), ['ERROR: Invalid streaming key']);
    pub.close();
  });

  it('receive-clear-cache on node B disables the cache of the publisher on node A', async (t) => {
    const { a, b, close } = await twoNodes();
    t.after(close);
    const pub = await connect(a.url('c', 'k', 'publish'));
    sendChunks(pub, 'header', 'x');
    await eventually(async () => (await a.hub.history('relay:c')).messages.length === 1);
    const clearer = await connect(b.url('c', 'k', 'receive-clear-cache'));
    await clearer.until(hasChunks(clearer, 2));
    sendChunks(pub, 'y');
    await clearer.until(hasChunks(clearer, 3));
    await eventually(async () => {
      const h = await a.hub.history('relay:c');
      return h.snapshot === null && h.messages.length === 0;
    });
    const probe = await connect(a.url('c', 'k', 'probe'));
    await eventually(() => a.hub.subscriberCount('relay:c') === 2);
    sendChunks(pub, 'z');
    await probe.closed;
    assert.deepEqual(chunks(probe), ['z'], 'nothing was cached after the clear');
    pub.close();
  });
});
