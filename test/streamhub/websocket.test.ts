/**
 * StreamHub's own protocol over WebSocket (issue 18, PROTOCOL.md): connect and auth, subscribe with
 * exact resume or full state, live pubs, history, publish with idempotency, bounds, against a real
 * dialect on port 0 with a real `ws` client.
 */
import assert from 'node:assert/strict';
import { connect as tcp } from 'node:net';
import { it } from 'node:test';
import { connect, refusal } from '../helpers/ws-client.js';
import { RING, startStreamhub, TestClient, token, type Frame } from './setup.js';

it('connect: a valid HS256 token is accepted; a bad one gets unauthorized and close 4500', async (t) => {
  const s = await startStreamhub();
  t.after(() => s.h.close());
  const good = await TestClient.open(s.wsUrl);
  t.after(() => good.close());
  const reply = await good.request({ type: 'connect', token: await token({}, { sub: 'ana' }) });
  assert.equal(reply.type, 'connected');
  assert.equal(reply.user, 'ana');
  assert.equal(typeof reply.pingIntervalMs, 'number');
  assert.equal(typeof reply.expiresAt, 'number');

  const bad = await TestClient.open(s.wsUrl);
  const err = await bad.request({ type: 'connect', token: await token({}, { secret: 'another-secret-of-enough-length-000' }) });
  assert.equal(err.type, 'error');
  assert.equal(err.code, 'unauthorized');
  assert.equal((await bad.raw.closed).code, 4500);

  const expired = await TestClient.open(s.wsUrl);
  const e2 = await expired.request({ type: 'connect', token: await token({}, { expSeconds: Math.floor(Date.now() / 1000) - 60 }) });
  assert.equal(e2.code, 'unauthorized');

  const none = await TestClient.open(s.wsUrl);
  const e3 = await none.request({ type: 'connect' });
  assert.equal(e3.code, 'unauthorized', 'anonymous access is off by default');
  assert.equal((await none.raw.closed).code, 4500);
});

it('a token in the upgrade query is checked before the upgrade (401)', async (t) => {
  const s = await startStreamhub();
  t.after(() => s.h.close());
  const r = await refusal(`${s.wsUrl}?token=not-a-jwt`);
  assert.equal(r.status, 401);
  const c = await TestClient.open(`${s.wsUrl}?token=${await token({}, { sub: 'bo' })}`);
  t.after(() => c.close());
  const reply = await c.request({ type: 'connect' });
  assert.equal(reply.user, 'bo');
});

it('anonymous access, when on, is read-only', async (t) => {
  const s = await startStreamhub({ auth: { anonymous: true } });
  t.after(() => s.h.close());
  await s.publish('streamhub:news', { n: 1 });
  const c = await TestClient.connected(s.wsUrl);
  t.after(() => c.close());
  const sub = await c.request({ type: 'subscribe', channels: [{ channel: 'streamhub:news' }] });
  assert.equal(sub.type, 'subscribed');
  const pub = await c.request({ type: 'publish', channel: 'streamhub:news', data: { n: 2 } });
  assert.equal(pub.code, 'permission_denied');
});

it('grants are by pattern and permission', async (t) => {
  const s = await startStreamhub();
  t.after(() => s.h.close());
  const c = await TestClient.connected(s.wsUrl, await token({ channels: { 'match:*': ['subscribe'], 'streamhub:chat:*': ['publish'] } }));
  t.after(() => c.close());
  const replies = await c.requestAll({ type: 'subscribe', channels: [{ channel: 'match:demo' }, { channel: 'nova:x' }, { channel: 'no colon' }] }, 3);
  const byChannel = Object.fromEntries(replies.map((r) => [r.channel, r.type === 'error' ? r.code : r.type]));
  assert.deepEqual(byChannel, { 'match:demo': 'subscribed', 'nova:x': 'permission_denied', 'no colon': 'bad_channel' });
  assert.equal((await c.request({ type: 'history', channel: 'match:demo' })).code, 'permission_denied');
  assert.equal((await c.request({ type: 'publish', channel: 'streamhub:chat:1', data: 1 })).type, 'published');
  assert.equal((await c.request({ type: 'publish', channel: 'streamhub:other', data: 1 })).code, 'permission_denied');
});

it('subscribe without since: recovered false, snapshot then ring, then live pubs with no gap', async (t) => {
  const s = await startStreamhub();
  t.after(() => s.h.close());
  await s.publish('match:demo', { type: 'MatchInit' }, 'snapshot');
  await s.publish('match:demo', { t: 1 });
  await s.publish('match:demo', { t: 2 });
  const c = await TestClient.connected(s.wsUrl, await token());
  t.after(() => c.close());
  const sub = await c.request({ type: 'subscribe', channels: [{ channel: 'match:demo' }] });
  assert.equal(sub.type, 'subscribed');
  assert.equal(sub.recovered, false);
  const pubs = sub.publications as Frame[];
  assert.deepEqual(
    pubs.map((p) => [p.offset, p.kind ?? 'data', p.data]),
    [
      [1, 'snapshot', { type: 'MatchInit' }],
      [2, 'data', { t: 1 }],
      [3, 'data', { t: 2 }],
    ],
  );
  assert.deepEqual((sub.position as Frame).offset, 3);
  await s.publish('match:demo', { t: 3 });
  const live = await c.waitFor((f) => f.type === 'pub' && f.offset === 4);
  assert.deepEqual(live.data, { t: 3 });
  assert.equal(live.epoch, (sub.position as Frame).epoch);
  assert.equal(c.frames.filter((f) => f.type === 'gap').length, 0);
});

it('subscribe with since: recovered true with exactly the missed publications', async (t) => {
  const s = await startStreamhub();
  t.after(() => s.h.close());
  const first = await s.publish('streamhub:feed', { n: 1 });
  await s.publish('streamhub:feed', { n: 2 });
  await s.publish('streamhub:feed', { n: 3 });
  const c = await TestClient.connected(s.wsUrl, await token());
  t.after(() => c.close());
  const sub = await c.request({ type: 'subscribe', channels: [{ channel: 'streamhub:feed', since: { offset: first.offset, epoch: first.epoch } }] });
  assert.equal(sub.recovered, true);
  assert.deepEqual(
    (sub.publications as Frame[]).map((p) => p.data),
    [{ n: 2 }, { n: 3 }],
  );
  // Resuming at the top: recovered with nothing.
  const c2 = await TestClient.connected(s.wsUrl, await token());
  t.after(() => c2.close());
  const top = await c2.request({ type: 'subscribe', channels: [{ channel: 'streamhub:feed', since: { offset: 3, epoch: first.epoch } }] });
  assert.equal(top.recovered, true);
  assert.deepEqual(top.publications, []);
});

it('subscribe with a since of another epoch or evicted: recovered false with the whole state, never partial', async (t) => {
  const s = await startStreamhub();
  t.after(() => s.h.close());
  const init = await s.publish('match:m', { type: 'MatchInit' }, 'snapshot');
  await s.publish('match:m', { sticky: true }, 'pinned');
  for (let i = 0; i < 5; i++) await s.publish('match:m', { i });
  const c = await TestClient.connected(s.wsUrl, await token());
  t.after(() => c.close());
  const other = await c.request({ type: 'subscribe', channels: [{ channel: 'match:m', since: { offset: 4, epoch: 'not-this-epoch' } }] });
  assert.equal(other.recovered, false);
  const pubs = other.publications as Frame[];
  assert.equal(pubs[0]!.kind, 'snapshot', 'the snapshot comes first');
  assert.equal(pubs[0]!.offset, init.offset);
  assert.deepEqual(
    pubs.map((p) => p.offset),
    [1, 2, 3, 4, 5, 6, 7],
  );

  // Evicted: a ring of 2 messages cannot answer a resume from offset 1 of the same epoch.
  const small = { maxMessages: 2, maxBytes: 1 << 20, maxAgeMs: 0, maxPinned: 0, idleTtlMs: 0 };
  for (let i = 0; i < 5; i++) await s.h.hub.publish('streamhub:small', Buffer.from(JSON.stringify({ i })), { retention: small });
  const evicted = await c.request({ type: 'subscribe', channels: [{ channel: 'streamhub:small', since: { offset: 1, epoch: init.epoch } }] });
  assert.equal(evicted.recovered, false);
  assert.deepEqual(
    (evicted.publications as Frame[]).map((p) => p.offset),
    [4, 5],
  );
});

it('unsubscribe stops pubs; a repeat subscribe is refused', async (t) => {
  const s = await startStreamhub();
  t.after(() => s.h.close());
  const c = await TestClient.connected(s.wsUrl, await token());
  t.after(() => c.close());
  await c.request({ type: 'subscribe', channels: [{ channel: 'streamhub:a' }] });
  assert.equal((await c.request({ type: 'subscribe', channels: [{ channel: 'streamhub:a' }] })).code, 'already_subscribed');
  const un = await c.request({ type: 'unsubscribe', channels: ['streamhub:a', 'streamhub:never'] });
  assert.deepEqual(un.channels, ['streamhub:a']);
  await s.publish('streamhub:a', { late: true });
  await c.request({ type: 'ping' });
  assert.equal(c.pubs('streamhub:a').length, 0);
});

it('publish: acked with the position, idempotency key answers the original, foreign channels refused, b64 round trip', async (t) => {
  const s = await startStreamhub({ maxPublishBytes: 1000 });
  t.after(() => s.h.close());
  const c = await TestClient.connected(s.wsUrl, await token());
  t.after(() => c.close());
  await c.request({ type: 'subscribe', channels: [{ channel: 'streamhub:chat' }] });
  const a = await c.request({ type: 'publish', channel: 'streamhub:chat', data: { text: 'hi' }, idempotencyKey: 'k-1' });
  assert.equal(a.type, 'published');
  assert.equal(a.offset, 1);
  assert.equal(a.duplicate, false);
  const again = await c.request({ type: 'publish', channel: 'streamhub:chat', data: { text: 'hi' }, idempotencyKey: 'k-1' });
  assert.equal(again.offset, 1);
  assert.equal(again.duplicate, true);
  const bytes = Buffer.from([0, 1, 2, 250, 255, 0x7b]);
  const bin = await c.request({ type: 'publish', channel: 'streamhub:chat', b64: bytes.toString('base64') });
  assert.equal(bin.offset, 2);
  // A binary publish whose bytes are JSON text stays binary.
  await c.request({ type: 'publish', channel: 'streamhub:chat', b64: Buffer.from('{"a":1}').toString('base64') });
  const pubs = await c.raw.until((m) => (m as Frame[]).filter((f) => f.type === 'pub').length >= 3).then(() => c.pubs('streamhub:chat'));
  assert.deepEqual(pubs[0]!.data, { text: 'hi' });
  assert.equal(pubs[1]!.b64, bytes.toString('base64'));
  assert.equal(pubs[2]!.b64, Buffer.from('{"a":1}').toString('base64'));
  assert.equal(pubs.length, 3, 'the duplicate published nothing');
  assert.equal((await c.request({ type: 'publish', channel: 'match:demo', data: {} })).code, 'publish_refused');
  assert.equal((await c.request({ type: 'publish', channel: 'streamhub:chat', data: 1, b64: 'AA==' })).code, 'bad_request');
  assert.equal((await c.request({ type: 'publish', channel: 'streamhub:chat', data: 1, idempotencyKey: '' })).code, 'bad_request');
  assert.equal((await c.request({ type: 'publish', channel: 'streamhub:chat', data: 'x'.repeat(2000) })).code, 'payload_too_large');
});

it('history: limit, since, reverse', async (t) => {
  const s = await startStreamhub();
  t.after(() => s.h.close());
  for (let i = 1; i <= 5; i++) await s.publish('streamhub:log', { i });
  const c = await TestClient.connected(s.wsUrl, await token());
  t.after(() => c.close());
  const last2 = await c.request({ type: 'history', channel: 'streamhub:log', limit: 2 });
  assert.deepEqual(
    (last2.publications as Frame[]).map((p) => p.offset),
    [4, 5],
  );
  const rev = await c.request({ type: 'history', channel: 'streamhub:log', reverse: true });
  assert.deepEqual(
    (rev.publications as Frame[]).map((p) => p.offset),
    [5, 4, 3, 2, 1],
  );
  const epoch = (rev.position as Frame).epoch;
  const since = await c.request({ type: 'history', channel: 'streamhub:log', since: { offset: 3, epoch } });
  assert.equal(since.recovered, true);
  assert.deepEqual(
    (since.publications as Frame[]).map((p) => p.data),
    [{ i: 4 }, { i: 5 }],
  );
  assert.equal(c.pubs('streamhub:log').length, 0, 'history does not subscribe');
});

it('bad input: unknown type and bad fields are answered; non-JSON, binary and oversized frames close', async (t) => {
  const s = await startStreamhub({ maxFrameBytes: 1024, maxSubscriptionsPerConnection: 2 });
  t.after(() => s.h.close());
  const c = await TestClient.connected(s.wsUrl, await token());
  t.after(() => c.close());
  assert.equal((await c.request({ type: 'frobnicate' })).code, 'unknown_type');
  assert.equal((await c.request({ type: 'subscribe', channels: 'x' })).code, 'bad_request');
  const three = await c.requestAll({ type: 'subscribe', channels: [{ channel: 'streamhub:1' }, { channel: 'streamhub:2' }, { channel: 'streamhub:3' }] }, 3);
  assert.equal(three.find((f) => f.channel === 'streamhub:3')!.code, 'too_many_subscriptions');

  const notJson = await TestClient.connected(s.wsUrl, await token());
  notJson.raw.ws.send('not json');
  assert.equal((await notJson.raw.closed).code, 4501);
  const binary = await TestClient.connected(s.wsUrl, await token());
  binary.raw.ws.send(Buffer.from('{}'), { binary: true });
  assert.equal((await binary.raw.closed).code, 4501);
  const big = await TestClient.connected(s.wsUrl, await token());
  big.send({ type: 'ping', pad: 'x'.repeat(2000) });
  assert.equal((await big.raw.closed).code, 1009);
  const early = await connect(s.wsUrl);
  early.ws.send(JSON.stringify({ type: 'subscribe', id: 1, channels: [{ channel: 'streamhub:x' }] }));
  assert.equal((await early.closed).code, 4501, 'a command before connect');
});

it('a client that stops reading is closed 4001 slow_client; it resumes from history on reconnect', async (t) => {
  const s = await startStreamhub({ queue: { maxMessages: 4, maxBytes: 64 * 1024, highWaterMarkBytes: 16 * 1024 } });
  t.after(() => s.h.close());
  const tok = await token();
  const c = await TestClient.connected(s.wsUrl, tok);
  t.after(() => c.close());
  const sub = await c.request({ type: 'subscribe', channels: [{ channel: 'streamhub:fast' }] });
  const epoch = (sub.position as Frame | null)?.epoch;
  // Stop reading: the kernel buffers fill, then the server's socket buffer, then the hub's queue.
  const socket = (c.raw.ws as unknown as { _socket: import('node:net').Socket })._socket;
  socket.pause();
  const blob = 'x'.repeat(16 * 1024);
  const deep = { ...RING, maxMessages: 100_000, maxBytes: 512 * 1024 * 1024 };
  let published = 0;
  while (s.h.hub.stats().overflowCloses === 0 && published < 5000) {
    await s.h.hub.publish('streamhub:fast', Buffer.from(JSON.stringify({ blob, n: published })), { retention: deep });
    published += 1;
    if (published % 20 === 0) await new Promise((r) => setImmediate(r));
  }
  assert.ok(s.h.hub.stats().overflowCloses >= 1, 'the hub closed the slow subscriber');
  socket.resume();
  assert.equal((await c.raw.closed).code, 4001);
  const got = c.pubs('streamhub:fast');
  const last = got.at(-1);
  const again = await TestClient.connected(s.wsUrl, tok);
  t.after(() => again.close());
  const since = last ? { offset: last.offset, epoch: last.epoch } : undefined;
  const resumed = await again.request({ type: 'subscribe', channels: [{ channel: 'streamhub:fast', ...(since ? { since } : {}) }] });
  if (since) assert.equal(resumed.recovered, true, 'resumed exactly from history');
  const offsets = [...got, ...(resumed.publications as Frame[])].map((p) => p.offset as number);
  assert.deepEqual(offsets, Array.from({ length: published }, (_, i) => i + 1), 'every publication exactly once');
  if (epoch) assert.equal(last?.epoch ?? epoch, epoch);
});

it('request targets that `new URL` cannot parse (`//[`) are answered 404, upgrade or not', async (t) => {
  const s = await startStreamhub();
  t.after(() => s.h.close());
  const ask = (head: string) =>
    new Promise<string>((resolve, reject) => {
      const sock = tcp(s.h.port(), '127.0.0.1');
      let got = '';
      sock.on('data', (d) => (got += d.toString()));
      sock.on('error', reject);
      sock.on('close', () => resolve(got));
      sock.write(head);
      setTimeout(() => sock.end(), 300);
    });
  const upgrade = await ask('GET //[ HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  assert.match(upgrade, /^HTTP\/1\.1 404/);
  const plain = await ask('GET //[?channel=x HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(plain, /^HTTP\/1\.1 404/);
  const c = await TestClient.connected(s.wsUrl, await token());
  t.after(() => c.close());
  assert.equal((await c.request({ type: 'ping' })).type, 'pong', 'the server is still up');
});
