/**
 * Resume without loss (PROTOCOL.md §7): a dropped socket, publications made while the SDK is away,
 * then its own reconnect resubscribes with the last position and gets `recovered: true` with exactly
 * the missed publications, no duplicate and no gap, then the live stream.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContinuityLost, Publication, SubscribedEvent } from '../../sdk/src/index.js';
import { eventually } from '../helpers/eventually.js';
import { client, record, SocketControl, startStreamhub, token } from './fixtures.js';

describe('sdk resume after a dropped connection', () => {
  it('recovers exactly the publications missed while away, then continues live', async (t) => {
    const h = await startStreamhub();
    t.after(() => h.close());
    const publisher = client(h.url, { token: await token() }).connect();
    t.after(() => publisher.disconnect());
    const sockets = new SocketControl();
    const c = client(h.url, { token: await token(), WebSocket: sockets.ctor, transports: ['websocket'] }).connect();
    t.after(() => c.disconnect());
    const sub = c.subscribe('streamhub:feed');
    const pubs = record<Publication>((l) => sub.on('publication', l));
    const subscribed = record<SubscribedEvent>((l) => sub.on('subscribed', l));
    const lost = record<ContinuityLost>((l) => sub.on('continuity-lost', l));
    await sub.ready();
    for (let i = 1; i <= 3; i++) await publisher.publish('streamhub:feed', { i });
    await eventually(() => pubs.length === 3, 'three live publications');

    sockets.hold();
    const down = c.next('disconnected');
    sockets.drop();
    assert.equal((await down).reconnect, true);
    for (let i = 4; i <= 6; i++) await publisher.publish('streamhub:feed', { i });
    const back = sub.next('subscribed');
    sockets.release();
    const resumed = await back;
    assert.equal(resumed.resumed, true, 'resubscribed with since');
    assert.equal(resumed.recovered, true);
    await publisher.publish('streamhub:feed', { i: 7 });
    await eventually(() => pubs.length >= 7, 'the live publication after the resume');

    assert.equal(sockets.count, 2, 'one reconnect');
    assert.deepEqual(
      pubs.map((p) => (p.data as { i: number }).i),
      [1, 2, 3, 4, 5, 6, 7],
      'each once, in order',
    );
    assert.deepEqual(
      pubs.map((p) => p.replayed),
      [false, false, false, true, true, true, false],
    );
    assert.deepEqual(lost, []);
    assert.equal(subscribed.length, 2);
    assert.equal(sub.position?.offset, 7);
  });

  it('resumes every subscription of the connection in one go, each from its own position', async (t) => {
    const h = await startStreamhub();
    t.after(() => h.close());
    const publisher = client(h.url, { token: await token() }).connect();
    t.after(() => publisher.disconnect());
    const sockets = new SocketControl();
    const c = client(h.url, { token: await token(), WebSocket: sockets.ctor, transports: ['websocket'] }).connect();
    t.after(() => c.disconnect());
    const channels = ['streamhub:a', 'streamhub:b', 'streamhub:c'];
    const received = new Map<string, number[]>(channels.map((ch) => [ch, []]));
    const subs = channels.map((ch) => {
      const s = c.subscribe(ch);
      s.on('publication', (p) => received.get(ch)?.push(p.offset));
      return s;
    });
    await Promise.all(subs.map((s) => s.ready()));
    await publisher.publish('streamhub:a', 1);
    await publisher.publish('streamhub:b', 1);
    await publisher.publish('streamhub:b', 2);
    await eventually(() => received.get('streamhub:b')?.length === 2 && received.get('streamhub:a')?.length === 1, 'first publications');
    sockets.hold();
    const down = c.next('disconnected');
    sockets.drop();
    await down;
    await publisher.publish('streamhub:a', 2);
    await publisher.publish('streamhub:c', 1);
    const recovered = subs.map((s) => s.next('subscribed'));
    sockets.release();
    const events = await Promise.all(recovered);
    // streamhub:c had no position (nothing received before the drop): a plain subscribe, whole state.
    assert.deepEqual(
      events.map((e) => [e.resumed, e.recovered]),
      [
        [true, true],
        [true, true],
        [false, false],
      ],
    );
    await eventually(() => received.get('streamhub:c')?.length === 1 && received.get('streamhub:a')?.length === 2, 'missed publications');
    assert.deepEqual(Object.fromEntries(received), { 'streamhub:a': [1, 2], 'streamhub:b': [1, 2], 'streamhub:c': [1] });
  });
});
