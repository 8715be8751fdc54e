/**
 * The SDK against a real StreamHub protocol listener (src/dialects/streamhub) over WebSocket:
 * connection states, publish and receive (JSON and binary), idempotent publish, history, presence
 * with join/leave, and the error codes of PROTOCOL.md §14 as the SDK surfaces them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import type { Publication, StreamHubClient, StreamHubError, WebSocketConstructor } from '../../sdk/src/index.js';
import { eventually } from '../helpers/eventually.js';
import { client, record, startStreamhub, token } from './fixtures.js';

describe('sdk client over WebSocket', () => {
  it('reports connecting → connected → disconnected and the identity from `connected`', async (t) => {
    const h = await startStreamhub();
    t.after(() => h.close());
    const c = client(h.url, { token: await token(undefined, 3600, 'ana') });
    const states = record<string>((l) => c.on('state', l));
    c.connect();
    const connected = await c.ready();
    assert.equal(connected.transport, 'websocket');
    assert.equal(connected.user, 'ana');
    assert.equal(typeof connected.client, 'string');
    assert.equal(typeof connected.expiresAt, 'number');
    const gone = c.next('disconnected');
    c.disconnect();
    assert.deepEqual(await gone, { code: 1000, reason: 'client disconnect', reconnect: false });
    assert.deepEqual(states, ['connecting', 'connected', 'disconnected']);
  });

  it('publishes JSON and bytes, acked with the position the subscriber sees', async (t) => {
    const h = await startStreamhub();
    t.after(() => h.close());
    const c = client(h.url, { token: await token() }).connect();
    t.after(() => c.disconnect());
    const sub = c.subscribe('streamhub:chat:room1');
    const pubs = record<Publication>((l) => sub.on('publication', l));
    await sub.ready();
    const a = await c.publish('streamhub:chat:room1', { text: 'hi', n: [1, 2] });
    const b = await c.publish('streamhub:chat:room1', new Uint8Array([0, 255, 10, 13]));
    assert.equal(a.duplicate, false);
    assert.equal(b.offset, a.offset + 1);
    assert.equal(b.epoch, a.epoch);
    await eventually(() => pubs.length === 2, 'both publications');
    assert.deepEqual(pubs[0]?.data, { text: 'hi', n: [1, 2] });
    assert.equal(pubs[0]?.offset, a.offset);
    assert.deepEqual([...(pubs[1]?.bytes ?? [])], [0, 255, 10, 13]);
    assert.equal(pubs[1]?.data, undefined);
    assert.deepEqual(sub.position, { offset: b.offset, epoch: b.epoch });
  });

  it('a repeated idempotency key publishes nothing and answers the original position', async (t) => {
    const h = await startStreamhub();
    t.after(() => h.close());
    const c = client(h.url, { token: await token() }).connect();
    t.after(() => c.disconnect());
    const first = await c.publish('streamhub:orders', { id: 1 }, { idempotencyKey: 'order-1' });
    const again = await c.publish('streamhub:orders', { id: 1 }, { idempotencyKey: 'order-1' });
    assert.equal(again.duplicate, true);
    assert.equal(again.offset, first.offset);
    const history = await c.history('streamhub:orders');
    assert.equal(history.publications.length, 1);
  });

  it('reads history with limit and reverse, without subscribing', async (t) => {
    const h = await startStreamhub();
    t.after(() => h.close());
    const c = client(h.url, { token: await token() }).connect();
    t.after(() => c.disconnect());
    for (let i = 1; i <= 5; i++) await c.publish('streamhub:log', { i });
    const newest = await c.history('streamhub:log', { limit: 2, reverse: true });
    assert.deepEqual(
      newest.publications.map((p) => p.data),
      [{ i: 5 }, { i: 4 }],
    );
    assert.equal(newest.position?.offset, 5);
    const after = await c.history('streamhub:log', { since: { offset: 3, epoch: newest.position?.epoch ?? '' } });
    assert.equal(after.recovered, true);
    assert.deepEqual(
      after.publications.map((p) => p.offset),
      [4, 5],
    );
  });

  it('presence: counts, members, and join/leave pushes to a presence subscription', async (t) => {
    const h = await startStreamhub();
    t.after(() => h.close());
    const ana = client(h.url, { token: await token(undefined, 3600, 'ana'), info: { name: 'Ana' } }).connect();
    t.after(() => ana.disconnect());
    const watch = ana.subscribe('streamhub:lobby', { presence: true });
    const joins = record<{ user: string }>((l) => watch.on('join', l));
    const leaves = record<{ user: string }>((l) => watch.on('leave', l));
    await watch.ready();
    const bob = client(h.url, { token: await token(undefined, 3600, 'bob') }).connect();
    const bobSub = bob.subscribe('streamhub:lobby');
    await bobSub.ready();
    await eventually(() => joins.some((m) => m.user === 'bob'), 'bob joins');
    const p = await ana.presence('streamhub:lobby', { members: true });
    assert.equal(p.count, 2);
    assert.equal(p.users, 2);
    assert.deepEqual(p.members?.map((m) => m.user).sort(), ['ana', 'bob']);
    assert.deepEqual(p.members?.find((m) => m.user === 'ana')?.info, { name: 'Ana' });
    bobSub.unsubscribe();
    await eventually(() => leaves.some((m) => m.user === 'bob'), 'bob leaves');
    bob.disconnect();
  });

  it('surfaces the server error codes: publish_refused, permission_denied (subscription ended), read-only grants', async (t) => {
    const h = await startStreamhub();
    t.after(() => h.close());
    const c = client(h.url, { token: await token({ 'streamhub:open:*': ['subscribe', 'publish'], 'match:*': ['subscribe', 'publish'] }) }).connect();
    t.after(() => c.disconnect());
    await c.ready();
    await assert.rejects(c.publish('match:demo', { x: 1 }), (err: StreamHubError) => err.code === 'publish_refused');
    await assert.rejects(c.publish('streamhub:closed', { x: 1 }), (err: StreamHubError) => err.code === 'permission_denied');
    await assert.rejects(c.history('streamhub:open:a'), (err: StreamHubError) => err.code === 'permission_denied');
    const denied = c.subscribe('streamhub:closed');
    const ended = denied.next('unsubscribed');
    await assert.rejects(denied.ready(), (err: StreamHubError) => err.code === 'permission_denied');
    assert.deepEqual(await ended, { reason: 'permission_denied' });
    assert.equal(denied.state, 'unsubscribed');
    assert.equal(c.getSubscription('streamhub:closed'), undefined);
    assert.throws(() => {
      c.subscribe('streamhub:open:a');
      c.subscribe('streamhub:open:a');
    }, /already subscribed/);
  });

  it('disconnect() while the socket is still connecting ends it quietly (no uncaught ws error)', async (t) => {
    const h = await startStreamhub();
    t.after(() => h.close());
    let created: WebSocket | undefined;
    let c: StreamHubClient | undefined;
    class SpyWebSocket extends WebSocket {
      constructor(url: string) {
        super(url);
        created = this;
        // Still CONNECTING here: ws aborts the handshake and emits 'error' on a later tick.
        queueMicrotask(() => c?.disconnect());
      }
    }
    c = client(h.url, { token: await token(), WebSocket: SpyWebSocket as unknown as WebSocketConstructor });
    c.connect();
    await eventually(() => created?.readyState === WebSocket.CLOSED, 'the aborted socket closed');
    assert.equal(c.state, 'disconnected');
  });

  it('refuses commands before connect() and a bad token closes for good (4500, no reconnect without getToken)', async (t) => {
    const h = await startStreamhub();
    t.after(() => h.close());
    const c = client(h.url, { token: 'not.a.jwt' });
    await assert.rejects(c.publish('streamhub:x', 1), (err: StreamHubError) => err.code === 'not_connected');
    const errors = record<StreamHubError>((l) => c.on('error', l));
    const gone = new Promise<{ reconnect: boolean }>((resolve) => c.on('disconnected', (e) => !e.reconnect && resolve(e)));
    c.connect();
    await gone;
    assert.equal(c.state, 'disconnected');
    assert.ok(errors.some((e) => e.code === 'unauthorized'), JSON.stringify(errors.map((e) => e.code)));
  });
});
