/**
 * Publish across connection failures (PROTOCOL.md §11, issue 12's idempotency key): a publish made
 * while the SDK is reconnecting waits and is sent once connected; a publish whose connection dies
 * before the ack (an ambiguous failure) is sent again with the same key on the next connection,
 * and the channel holds it exactly once either way.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Publication } from '../../sdk/src/index.js';
import { eventually } from '../helpers/eventually.js';
import { client, record, SocketControl, startStreamhub, token } from './fixtures.js';

describe('sdk publish across failures', () => {
  it('a publish made while disconnected is sent after the reconnect', async (t) => {
    const h = await startStreamhub();
    t.after(() => h.close());
    const sockets = new SocketControl();
    const c = client(h.url, { token: await token(), WebSocket: sockets.ctor, transports: ['websocket'] }).connect();
    t.after(() => c.disconnect());
    await c.ready();
    sockets.hold();
    const down = c.next('disconnected');
    sockets.drop();
    await down;
    const ack = c.publish('streamhub:queue', { job: 1 });
    sockets.release();
    const result = await ack;
    assert.equal(result.offset, 1);
    assert.equal(result.duplicate, false);
  });

  it('a publish whose ack was lost is retried with the same key and stored once', async (t) => {
    const h = await startStreamhub();
    t.after(() => h.close());
    const watcher = client(h.url, { token: await token() }).connect();
    t.after(() => watcher.disconnect());
    const sub = watcher.subscribe('streamhub:payments');
    const seen = record<Publication>((l) => sub.on('publication', l));
    await sub.ready();
    const sockets = new SocketControl();
    const c = client(h.url, { token: await token(), WebSocket: sockets.ctor, transports: ['websocket'] }).connect();
    t.after(() => c.disconnect());
    await c.ready();
    let dropped = false;
    sockets.onSend = (data, socket) => {
      // The frame is on its way; the connection dies before any ack can come back.
      if (!dropped && data.includes('"type":"publish"')) {
        dropped = true;
        socket.terminate();
      }
    };
    const result = await c.publish('streamhub:payments', { amount: 10 }, { idempotencyKey: 'pay-1' });
    assert.equal(dropped, true);
    assert.equal(sockets.count, 2, 'acked on the second connection');
    assert.equal(result.offset, 1);
    assert.equal(result.idempotencyKey, 'pay-1');
    const history = await watcher.history('streamhub:payments');
    assert.equal(history.publications.length, 1);
    await eventually(() => seen.length === 1, 'the watcher saw it');
    await c.publish('streamhub:payments', { amount: 20 });
    await eventually(() => seen.length === 2, 'the next one');
    assert.deepEqual(
      seen.map((p) => p.offset),
      [1, 2],
    );
  });
});
