/**
 * /api/streaming (seed 004 "OP Codes", notes §5.3): set semantics, SUBSCRIBED / UNSUBSCRIBED
 * listing only what changed, the last value right after SUBSCRIBED, the channel cap, and the
 * connection caps and paths refused before the upgrade.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { connect, refusal } from '../helpers/ws-client.js';
import { isData, send, startElstat, startTcpTarget, subscribe, values, type ElstatFixture, type TcpTarget } from './fixtures.js';

let h: ElstatFixture;
let target: TcpTarget;

before(async () => {
  target = await startTcpTarget();
  h = await startElstat({
    maxChannelsPerConnection: 3,
    perIpMax: 8,
    services: ['a', 'b', 'c'].map((name) => ({ name, adapter: 'tcp', target: target.target, intervalMs: 1000 })),
  });
  // Wait for the first check of every service, so each channel has a last value.
  const c = await h.client();
  await subscribe(c, ['latency:a', 'latency:b', 'latency:c']);
  await c.until((ms) => ['a', 'b', 'c'].every((s) => values(ms, `latency:${s}`).length >= 1));
  c.close();
});
after(async () => {
  await h.close();
  await target.stop();
});

const ops = (ms: unknown[]) => ms.map((m) => (m as { op: number }).op);

it('SUBSCRIBED comes first, then one DATA per newly subscribed channel with its last value', async (t) => {
  const c = await h.client();
  t.after(() => c.close());
  send(c, { op: 0, channels: ['status:a', 'latency:a'] });
  await c.until((ms) => ms.length >= 3);
  assert.deepEqual(c.messages[0], { op: 1, channels: ['status:a', 'latency:a'] });
  assert.deepEqual(ops(c.messages.slice(1)).sort(), [3, 3]);
  assert.deepEqual(values(c.messages, 'status:a'), [true]);
  assert.equal(values(c.messages, 'latency:a').length, 1);
  const [time] = (c.messages.find((m) => isData(m, 'status:a')) as { d: [number, boolean] }).d;
  assert.equal(time, 1_700_000_000_000, 'd[0] is the unix ms of the check');
});

it('SUBSCRIBE accumulates with set semantics: repeats and unknown channels are left out of SUBSCRIBED and replay nothing', async (t) => {
  const c = await h.client();
  t.after(() => c.close());
  assert.deepEqual(await subscribe(c, ['status:a']), ['status:a']);
  await c.until((ms) => values(ms, 'status:a').length === 1);
  // Repeat, duplicate in one frame, unknown service, unknown type (the seed's graph: example), malformed name.
  assert.deepEqual(await subscribe(c, ['status:a', 'status:b', 'status:b', 'status:nope', 'graph:a', 'status', 'status:']), ['status:b']);
  await c.until((ms) => values(ms, 'status:b').length === 1);
  assert.deepEqual(await subscribe(c, ['status:a', 'status:b']), []);
  // A later live check reaches the client once per channel: two subscriptions, not three.
  h.clock.advance(1000);
  await c.until((ms) => values(ms, 'status:a').length === 2 && values(ms, 'status:b').length === 2);
  assert.equal(c.messages.filter((m) => isData(m)).length, 4);
  assert.equal(h.dialect.stats().subscriptions, 2);
});

it('UNSUBSCRIBED lists only channels the client had, and no DATA follows for them', async (t) => {
  const c = await h.client();
  t.after(() => c.close());
  await subscribe(c, ['status:a', 'status:b']);
  await c.until((ms) => values(ms, 'status:b').length === 1 && values(ms, 'status:a').length === 1);
  send(c, { op: -1, channels: ['status:a', 'status:a', 'status:c', 'nope'] });
  await c.until((ms) => ms.some((m) => (m as { op: number }).op === 2));
  assert.deepEqual(c.messages.find((m) => (m as { op: number }).op === 2), { op: 2, channels: ['status:a'] });
  send(c, { op: -1, channels: ['status:a'] });
  await c.until((ms) => ms.filter((m) => (m as { op: number }).op === 2).length === 2);
  assert.deepEqual(c.messages.filter((m) => (m as { op: number }).op === 2)[1], { op: 2, channels: [] });
  h.clock.advance(1000);
  await c.until((ms) => values(ms, 'status:b').length === 2);
  assert.equal(values(c.messages, 'status:a').length, 1, 'no DATA after UNSUBSCRIBED');
  // Subscribing again replays the last value again.
  await subscribe(c, ['status:a']);
  await c.until((ms) => values(ms, 'status:a').length === 2);
});

it('the channel cap per connection: channels past it are left out of SUBSCRIBED, the connection stays open', async (t) => {
  const c = await h.client();
  t.after(() => c.close());
  assert.deepEqual(await subscribe(c, ['status:a', 'latency:a']), ['status:a', 'latency:a']);
  assert.deepEqual(await subscribe(c, ['status:b', 'latency:b', 'status:c']), ['status:b']);
  assert.deepEqual(await subscribe(c, ['status:c']), []);
  send(c, { op: -1, channels: ['latency:a'] });
  await c.until((ms) => ms.some((m) => (m as { op: number }).op === 2));
  assert.deepEqual(await subscribe(c, ['status:c', 'latency:c']), ['status:c'], 'a freed slot can be used again');
  await c.until((ms) => values(ms, 'status:c').length === 1);
  assert.equal(c.ws.readyState, c.ws.OPEN);
});

it('a SUBSCRIBE of exactly 256 bytes is accepted', async (t) => {
  const c = await h.client();
  t.after(() => c.close());
  const base = JSON.stringify({ op: 0, channels: ['status:a'] });
  const frame = base.slice(0, -1) + ',"x":"' + 'x'.repeat(256 - base.length - 7) + '"}';
  assert.equal(Buffer.byteLength(frame), 256);
  send(c, frame);
  await c.until((ms) => ms.length >= 1);
  assert.deepEqual(c.messages[0], { op: 1, channels: ['status:a'] });
});

it('refusals before the upgrade: unknown path 404, per-IP cap 429', async (t) => {
  assert.equal((await refusal(`ws://127.0.0.1:${h.port()}/api/other`)).status, 404);
  const clients = await Promise.all(Array.from({ length: 8 }, () => h.client()));
  t.after(() => clients.forEach((c) => c.close()));
  const refused = await refusal(h.wsUrl);
  assert.equal(refused.status, 429);
  assert.deepEqual(JSON.parse(refused.body), { error: 'per_ip' });
  clients[0]!.close();
  // The slot is released when the server sees the close: wait for that (a condition, not a sleep), then connect again.
  await new Promise<void>((resolve) => {
    const check = () => (h.dialect.stats().connections < 8 ? resolve() : setImmediate(check));
    check();
  });
  const again = await connect(h.wsUrl);
  again.close();
});

it('with replayLastValue off, SUBSCRIBED is followed only by live DATA', async (t) => {
  const strict = await startElstat({ replayLastValue: false, services: [{ name: 'a', adapter: 'tcp', target: target.target, intervalMs: 1000 }] });
  t.after(() => strict.close());
  const first = await strict.client();
  t.after(() => first.close());
  await subscribe(first, ['latency:a']);
  // Without replay, the listen-time check may be missed; the next one is live for sure.
  strict.clock.advance(1000);
  await first.until((ms) => values(ms, 'latency:a').length >= 1);
  const c = await strict.client();
  t.after(() => c.close());
  assert.deepEqual(await subscribe(c, ['status:a', 'latency:a']), ['status:a', 'latency:a']);
  strict.clock.advance(1000);
  await c.until((ms) => values(ms, 'latency:a').length >= 1);
  // Only the live check arrived: its time is the advanced clock's, not the earlier check's.
  const data = c.messages.filter((m) => isData(m)) as { d: [number, unknown] }[];
  assert.equal(data.length, 2);
  for (const m of data) assert.equal(m.d[0], strict.clock.now());
});
