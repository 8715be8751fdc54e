/**
 * Every close code driven by a real bad frame (seed 004 "Error codes", notes §5.3): over 256
 * bytes → 4420 TOO_MUCH; invalid JSON, op or channels, or a binary frame → 4200 INVALID_PAYLOAD;
 * past the transport bound → 1009. A bad client never disturbs another one.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { send, startElstat, startTcpTarget, subscribe, values, type ElstatFixture, type TcpTarget } from './fixtures.js';

let h: ElstatFixture;
let target: TcpTarget;

before(async () => {
  target = await startTcpTarget();
  h = await startElstat({ maxMessageBytes: 4096, services: [{ name: 'a', adapter: 'tcp', target: target.target, intervalMs: 1000 }] });
});
after(async () => {
  await h.close();
  await target.stop();
});

async function closeFor(frame: string | Buffer, binary = false): Promise<{ code: number; reason: string }> {
  const bystander = await h.client();
  await subscribe(bystander, ['status:a']);
  const c = await h.client();
  if (typeof frame === 'string' && !binary) send(c, frame);
  else c.ws.send(frame, { binary });
  const closed = await c.closed;
  // The other client is untouched: it still answers and still gets DATA.
  assert.deepEqual(await subscribe(bystander, ['latency:a']), ['latency:a']);
  await bystander.until((ms) => values(ms, 'latency:a').length >= 1);
  bystander.close();
  return closed;
}

it('a frame over 256 bytes closes 4420 TOO_MUCH, even when it is a valid SUBSCRIBE', async () => {
  const base = JSON.stringify({ op: 0, channels: ['status:a'] });
  const frame = base.slice(0, -1) + ',"x":"' + 'x'.repeat(257 - base.length - 7) + '"}';
  assert.equal(Buffer.byteLength(frame), 257);
  assert.deepEqual(await closeFor(frame), { code: 4420, reason: 'payload too large' });
  assert.deepEqual(await closeFor('x'.repeat(3000)), { code: 4420, reason: 'payload too large' }, 'size is checked before parsing');
  // 257 bytes of UTF-8 in fewer characters: the limit is on bytes.
  assert.deepEqual(await closeFor(JSON.stringify({ op: 0, channels: ['é'.repeat(120)] })), { code: 4420, reason: 'payload too large' });
});

it('a message past the transport bound (maxMessageBytes) is refused by the WebSocket layer with 1009', async () => {
  const closed = await closeFor('x'.repeat(5000));
  assert.equal(closed.code, 1009);
});

const INVALID: [string, string][] = [
  ['not JSON', 'hello'],
  ['truncated JSON', '{"op":0,"channels":['],
  ['JSON array', '[0,["status:a"]]'],
  ['JSON string', '"status:a"'],
  ['JSON null', 'null'],
  ['op missing', '{"channels":["status:a"]}'],
  ['op a string', '{"op":"0","channels":["status:a"]}'],
  ['op fractional', '{"op":0.5,"channels":["status:a"]}'],
  ['op SUBSCRIBED (server op)', '{"op":1,"channels":["status:a"]}'],
  ['op DATA (server op)', '{"op":3,"c":"status:a","d":[0,true]}'],
  ['op unknown', '{"op":7,"channels":[]}'],
  ['channels missing', '{"op":0}'],
  ['channels a string', '{"op":0,"channels":"status:a"}'],
  ['channels with a number', '{"op":0,"channels":["status:a",1]}'],
  ['UNSUBSCRIBE channels with null', '{"op":-1,"channels":[null]}'],
];

for (const [name, frame] of INVALID) {
  it(`${name} closes 4200 INVALID_PAYLOAD`, async () => {
    assert.deepEqual(await closeFor(frame), { code: 4200, reason: 'invalid payload' });
  });
}

it('a binary frame closes 4200 INVALID_PAYLOAD, even when it holds a valid SUBSCRIBE', async () => {
  assert.deepEqual(await closeFor(Buffer.from(JSON.stringify({ op: 0, channels: ['status:a'] })), true), { code: 4200, reason: 'invalid payload' });
});

it('a valid frame after a bad one on another connection still works, and a closed session is forgotten', async () => {
  await closeFor('nope');
  const deadline = Date.now() + 2000;
  while (h.dialect.stats().connections > 0 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  assert.equal(h.dialect.stats().connections, 0);
  assert.equal(h.hub.stats().subscribers, 0, 'the hub subscriber is detached with the socket');
});
