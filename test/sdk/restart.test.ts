/**
 * A server restart (PROTOCOL.md §8, §15, §19): the StreamHub is closed (1001) and a new one starts
 * on the same port with a new memory broker, hence a new epoch. The SDK reconnects by itself,
 * resubscribes with its old position, is told `recovered: false`, signals continuity-lost
 * (epoch_changed), and follows the new epoch from the channel's whole state.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContinuityLost, DisconnectedEvent, Publication, SubscribedEvent } from '../../sdk/src/index.js';
import { eventually } from '../helpers/eventually.js';
import { client, record, SocketControl, startStreamhub, token } from './fixtures.js';

describe('sdk across a server restart', () => {
  it('reconnects, signals the epoch change, and replaces its state with the new epoch’s', async (t) => {
    const first = await startStreamhub();
    const port = first.port();
    const sockets = new SocketControl();
    const c = client(first.url, { getToken: () => token(), WebSocket: sockets.ctor, transports: ['websocket'] }).connect();
    t.after(() => c.disconnect());
    const sub = c.subscribe('streamhub:scores');
    const pubs = record<Publication>((l) => sub.on('publication', l));
    const lost = record<ContinuityLost>((l) => sub.on('continuity-lost', l));
    const subscribed = record<SubscribedEvent>((l) => sub.on('subscribed', l));
    const disconnects = record<DisconnectedEvent>((l) => c.on('disconnected', l));
    await sub.ready();
    const publisher = client(first.url, { token: await token() }).connect();
    await publisher.publish('streamhub:scores', { kind: 'snapshot', home: 0 }, { kind: 'snapshot' });
    await publisher.publish('streamhub:scores', { home: 1 });
    await eventually(() => pubs.length === 2, 'two publications before the restart');
    const oldEpoch = pubs[1]?.epoch;
    publisher.disconnect();

    // Restart: no reconnect gets through until the new server has its first publications.
    sockets.hold();
    await first.close();
    const second = await startStreamhub({}, { port });
    t.after(() => second.close());
    const publisher2 = client(second.url, { token: await token() }).connect();
    t.after(() => publisher2.disconnect());
    await publisher2.publish('streamhub:scores', { kind: 'snapshot', home: 0, restarted: true }, { kind: 'snapshot' });
    const back = sub.next('subscribed');
    sockets.release();
    const event = await back;
    assert.equal(event.resumed, true);
    assert.equal(event.recovered, false);
    assert.notEqual(event.position?.epoch, oldEpoch);
    assert.equal(disconnects[0]?.code, 1001, 'the old server said it was going away');
    assert.equal(disconnects[0]?.reconnect, true);
    assert.deepEqual(
      lost.map((l) => [l.reason, l.last?.epoch]),
      [['epoch_changed', oldEpoch]],
    );
    await eventually(() => pubs.length === 3, 'the new epoch’s snapshot');
    assert.deepEqual(pubs[2]?.data, { kind: 'snapshot', home: 0, restarted: true });
    assert.equal(pubs[2]?.kind, 'snapshot');
    assert.equal(pubs[2]?.replayed, true);
    await publisher2.publish('streamhub:scores', { home: 2 });
    await eventually(() => pubs.length === 4, 'live in the new epoch');
    assert.equal(sub.position?.epoch, event.position?.epoch);
    assert.equal(subscribed.length, 2);
  });
});
