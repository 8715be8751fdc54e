/**
 * The SSE transport (PROTOCOL.md §16) against a real server: the fallback where WebSocket cannot
 * connect, read-only (publish refused by the SDK), resume with `since` after a reconnect, and a
 * second subscription that reopens the stream without losing the first one's place.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import type { ConnectedEvent, Publication, StreamHubError, SubscribedEvent, WebSocketConstructor } from '../../sdk/src/index.js';
import { eventually } from '../helpers/eventually.js';
import { client, record, startStreamhub, token } from './fixtures.js';

/** A real WebSocket whose upgrade a proxy refuses (404): it fails before opening, every time. */
class BlockedWebSocket extends WebSocket {
  constructor(url: string) {
    super(url.replace('/v1/ws', '/blocked-by-proxy'));
  }
}

describe('sdk over SSE', () => {
  it('falls back to SSE after WebSocket fails twice, subscribes, and refuses to publish', async (t) => {
    const h = await startStreamhub();
    t.after(() => h.close());
    const publisher = client(h.url, { token: await token() }).connect();
    t.after(() => publisher.disconnect());
    const c = client(h.url, { token: await token(), WebSocket: BlockedWebSocket as unknown as WebSocketConstructor });
    t.after(() => c.disconnect());
    const attempts = record<{ transport: string }>((l) => c.on('connecting', l));
    const connected = record<ConnectedEvent>((l) => c.on('connected', l));
    c.connect();
    const sub = c.subscribe('streamhub:alerts');
    const pubs = record<Publication>((l) => sub.on('publication', l));
    const subscribed = await sub.next('subscribed');
    assert.equal(subscribed.transport, 'sse');
    assert.deepEqual(
      attempts.map((a) => a.transport),
      ['websocket', 'websocket', 'sse'],
    );
    assert.deepEqual(
      connected.map((e) => e.transport),
      ['sse'],
    );
    await publisher.publish('streamhub:alerts', { level: 'red' });
    await publisher.publish('streamhub:alerts', new Uint8Array([7, 8, 9]));
    await eventually(() => pubs.length === 2, 'publications over SSE');
    assert.deepEqual(pubs[0]?.data, { level: 'red' });
    assert.deepEqual([...(pubs[1]?.bytes ?? [])], [7, 8, 9]);
    await assert.rejects(c.publish('streamhub:alerts', 1), (err: StreamHubError) => err.code === 'read_only');
  });

  it('resumes with since after a reconnect: exactly the missed publications, then live', async (t) => {
    const h = await startStreamhub();
    t.after(() => h.close());
    const publisher = client(h.url, { token: await token() }).connect();
    t.after(() => publisher.disconnect());
    const c = client(h.url, { token: await token(), transports: ['sse'] }).connect();
    t.after(() => c.disconnect());
    const sub = c.subscribe('streamhub:feed');
    const pubs = record<Publication>((l) => sub.on('publication', l));
    const subscribed = record<SubscribedEvent>((l) => sub.on('subscribed', l));
    await sub.ready();
    for (let i = 1; i <= 2; i++) await publisher.publish('streamhub:feed', { i });
    await eventually(() => pubs.length === 2, 'two live publications');
    c.disconnect();
    for (let i = 3; i <= 5; i++) await publisher.publish('streamhub:feed', { i });
    c.connect();
    await eventually(() => pubs.length === 5, 'the missed publications');
    await publisher.publish('streamhub:feed', { i: 6 });
    await eventually(() => pubs.length === 6, 'live after the resume');
    assert.deepEqual(
      pubs.map((p) => [(p.data as { i: number }).i, p.replayed]),
      [
        [1, false],
        [2, false],
        [3, true],
        [4, true],
        [5, true],
        [6, false],
      ],
    );
    assert.deepEqual(
      subscribed.map((s) => [s.resumed, s.recovered]),
      [
        [false, false],
        [true, true],
      ],
    );
  });

  it('a second subscription reopens the stream with both channels; the first resumes from its place', async (t) => {
    const h = await startStreamhub();
    t.after(() => h.close());
    const publisher = client(h.url, { token: await token() }).connect();
    t.after(() => publisher.disconnect());
    const c = client(h.url, { token: await token(), transports: ['sse'] }).connect();
    t.after(() => c.disconnect());
    const a = c.subscribe('streamhub:a');
    const aPubs = record<Publication>((l) => a.on('publication', l));
    await a.ready();
    await publisher.publish('streamhub:a', 1);
    await eventually(() => aPubs.length === 1, 'first publication of a');
    const b = c.subscribe('streamhub:b');
    const again = a.next('subscribed');
    await Promise.all([b.ready(), again]);
    assert.equal((await again).recovered, true);
    await publisher.publish('streamhub:a', 2);
    await publisher.publish('streamhub:b', 1);
    await eventually(() => aPubs.length === 2, 'a continues');
    assert.deepEqual(
      aPubs.map((p) => p.offset),
      [1, 2],
    );
    b.unsubscribe();
    await a.next('subscribed');
    await publisher.publish('streamhub:a', 3);
    await eventually(() => aPubs.length === 3, 'a continues after b left');
  });
});
