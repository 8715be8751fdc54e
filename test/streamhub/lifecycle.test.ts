/**
 * StreamHub protocol over time (PROTOCOL.md §3, §6, §8, §12, §13): token expiry and refresh without
 * reconnecting, ping and the no-pong close, the connect timeout (on a manual clock), the explicit
 * `gap` after a broker restart, and presence (its count summed over nodes sharing coordination).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { localCoordination } from '../../src/coordination/local.js';
import { ManualClock } from '../../src/core/index.js';
import { streamhubSchema } from '../../src/dialects/streamhub/config.js';
import { createStreamhubDialect } from '../../src/dialects/streamhub/index.js';
import { startDialect } from '../helpers/harness.js';
import { RestartableBroker } from './restartable-broker.js';
import { SECRET, startStreamhub, TestClient, token, type Frame } from './setup.js';

/** Lets I/O of the real sockets run between clock steps. */
const tick = () => new Promise((r) => setTimeout(r, 20));

it('refresh_required before exp, refresh without reconnecting, close 4003 at exp without one', async (t) => {
  const clock = new ManualClock(Date.now());
  const s = await startStreamhub({ auth: { refreshAheadMs: 30_000 }, pingIntervalMs: 3_600_000 }, { clock });
  t.after(() => s.h.close());
  const nowS = Math.floor(clock.now() / 1000);
  const c = await TestClient.connected(s.wsUrl, await token({}, { sub: 'ana', nowMs: clock.now(), expSeconds: nowS + 60 }));
  t.after(() => c.close());
  clock.advance(31_000);
  const notice = await c.waitFor((f) => f.type === 'refresh_required');
  assert.equal(notice.expiresAt, (nowS + 60) * 1000);

  const wrongUser = await c.request({ type: 'refresh', token: await token({}, { sub: 'bo', nowMs: clock.now(), expSeconds: nowS + 600 }) });
  assert.equal(wrongUser.code, 'unauthorized');
  const ok = await c.request({ type: 'refresh', token: await token({}, { sub: 'ana', nowMs: clock.now(), expSeconds: nowS + 600 }) });
  assert.equal(ok.type, 'refreshed');
  assert.equal(ok.expiresAt, (nowS + 600) * 1000);
  clock.advance(60_000); // past the first token's exp
  await tick();
  assert.equal(c.raw.ws.readyState, 1, 'still open after the old exp');
  clock.advance(600_000);
  assert.equal((await c.raw.closed).code, 4003);
});

it('refresh with narrower grants ends the subscriptions no longer granted', async (t) => {
  const s = await startStreamhub();
  t.after(() => s.h.close());
  const c = await TestClient.connected(s.wsUrl, await token({}, { sub: 'ana' }));
  t.after(() => c.close());
  await c.requestAll({ type: 'subscribe', channels: [{ channel: 'match:a' }, { channel: 'streamhub:b' }] }, 2);
  await c.request({ type: 'refresh', token: await token({ channels: { 'streamhub:*': ['subscribe'] } }, { sub: 'ana' }) });
  const pushed = await c.waitFor((f) => f.type === 'unsubscribed' && f.id === undefined);
  assert.deepEqual(pushed.channels, ['match:a']);
  assert.equal(pushed.reason, 'permission_denied');
});

it('server pings every interval; a silent client is closed 4002; no connect in time closes 4004', async (t) => {
  const clock = new ManualClock(Date.now());
  const s = await startStreamhub({ pingIntervalMs: 10_000, connectTimeoutMs: 5_000 }, { clock });
  t.after(() => s.h.close());
  const c = await TestClient.connected(s.wsUrl, await token({}, { nowMs: clock.now() }));
  t.after(() => c.close());
  const idle = await TestClient.open(s.wsUrl);
  clock.advance(5_000);
  assert.equal((await idle.raw.closed).code, 4004);
  clock.advance(5_000);
  await c.waitFor((f) => f.type === 'ping');
  c.send({ type: 'pong' });
  await tick();
  clock.advance(10_000);
  await tick();
  assert.equal(c.raw.ws.readyState, 1, 'answered pings keep it open');
  clock.advance(10_000);
  await tick();
  clock.advance(10_000);
  assert.equal((await c.raw.closed).code, 4002);
});

it('a broker restart is signalled as gap epoch_changed before the new epoch’s first pub', async (t) => {
  const broker = new RestartableBroker();
  const s = await startStreamhub({}, { broker });
  t.after(() => s.h.close());
  await s.publish('streamhub:s', { v: 1 }, 'snapshot');
  const c = await TestClient.connected(s.wsUrl, await token());
  t.after(() => c.close());
  const sub = await c.request({ type: 'subscribe', channels: [{ channel: 'streamhub:s' }] });
  const before = sub.position as Frame;
  await broker.restart();
  // The hub republishes the held snapshot as the first message of the new epoch (DESIGN.md § Scale-out).
  const gap = await c.waitFor((f) => f.type === 'gap');
  assert.equal(gap.reason, 'epoch_changed');
  assert.deepEqual(gap.last, { offset: before.offset, epoch: before.epoch });
  const next = gap.next as Frame;
  assert.notEqual(next.epoch, before.epoch);
  const pub = await c.waitFor((f) => f.type === 'pub' && f.epoch === next.epoch);
  assert.equal(pub.offset, next.offset);
  assert.ok(c.frames.indexOf(gap) < c.frames.indexOf(pub), 'the gap comes first');
  // A resume with the old epoch is not trusted.
  const c2 = await TestClient.connected(s.wsUrl, await token());
  t.after(() => c2.close());
  const resumed = await c2.request({ type: 'subscribe', channels: [{ channel: 'streamhub:s', since: { offset: before.offset, epoch: before.epoch } }] });
  assert.equal(resumed.recovered, false);
});

it('presence: members with user and info, O(1) counts, join/leave pushes', async (t) => {
  const s = await startStreamhub();
  t.after(() => s.h.close());
  const a = await TestClient.open(s.wsUrl);
  t.after(() => a.close());
  await a.request({ type: 'connect', token: await token({ info: { name: 'Ana' } }, { sub: 'ana' }) });
  await a.request({ type: 'subscribe', channels: [{ channel: 'streamhub:room', presence: true }] });
  const b = await TestClient.open(s.wsUrl);
  await b.request({ type: 'connect', token: await token({}, { sub: 'bo' }), info: { name: 'Bo' } });
  await b.request({ type: 'subscribe', channels: [{ channel: 'streamhub:room' }] });
  const join = await a.waitFor((f) => f.type === 'join' && (f.member as Frame).user === 'bo');
  assert.deepEqual((join.member as Frame).info, { name: 'Bo' });
  const p = await a.request({ type: 'presence', channel: 'streamhub:room', members: true });
  assert.equal(p.count, 2);
  assert.equal(p.users, 2);
  assert.deepEqual(
    (p.members as Frame[]).map((m) => m.user).sort(),
    ['ana', 'bo'],
  );
  assert.equal(p.truncated, false);
  const counts = await a.request({ type: 'presence', channel: 'streamhub:room' });
  assert.equal(counts.members, undefined);
  b.close();
  const leave = await a.waitFor((f) => f.type === 'leave');
  assert.equal((leave.member as Frame).user, 'bo');
  assert.equal((await a.request({ type: 'presence', channel: 'streamhub:room' })).count, 1);

  const noPerm = await TestClient.connected(s.wsUrl, await token({ channels: { '*': ['subscribe'] } }));
  t.after(() => noPerm.close());
  assert.equal((await noPerm.request({ type: 'presence', channel: 'streamhub:room' })).code, 'permission_denied');
  const big = await TestClient.open(s.wsUrl);
  t.after(() => big.close());
  await big.request({ type: 'connect', token: await token(), info: { pad: 'x'.repeat(2000) } });
  assert.equal((await big.raw.closed).code, 4501, 'presence info is bounded');
});

it('presence count is the sum over nodes sharing the coordination ports; members are listed from every node', async (t) => {
  const ports = localCoordination();
  const settings = streamhubSchema.parse({ port: 0, auth: { hmacSecret: SECRET } });
  const nodes = await Promise.all([0, 1].map(() => startDialect((ctx) => createStreamhubDialect(ctx, settings, ports))));
  t.after(() => Promise.all(nodes.map((n) => n.close())));
  const clients = await Promise.all(nodes.map(async (n, i) => TestClient.connected(`ws://127.0.0.1:${n.port()}/v1/ws`, await token({}, { sub: `u${i}` }))));
  t.after(() => clients.forEach((c) => c.close()));
  for (const c of clients) await c.request({ type: 'subscribe', channels: [{ channel: 'streamhub:big' }] });
  const p = await clients[0]!.request({ type: 'presence', channel: 'streamhub:big', members: true });
  assert.equal(p.count, 2, 'both nodes counted');
  assert.deepEqual((p.members as Frame[]).map((m) => m.user).sort(), ['u0', 'u1'], 'members of both nodes (PROTOCOL.md §12)');
  assert.equal(p.truncated, false);
});

it('a token that expires in 60 days keeps its connection (timers past 2^31 ms are stepped)', async (t) => {
  const s = await startStreamhub();
  t.after(() => s.h.close());
  const exp = Math.floor(Date.now() / 1000) + 60 * 24 * 3600;
  const c = await TestClient.connected(s.wsUrl, await token({}, { expSeconds: exp }));
  t.after(() => c.close());
  await tick();
  assert.equal((await c.request({ type: 'ping' })).type, 'pong');
  assert.equal(c.frames.some((f) => f.type === 'refresh_required'), false);
  assert.equal(c.raw.ws.readyState, 1);
});
