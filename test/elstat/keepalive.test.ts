/**
 * RFC 6455 keepalive (notes decision for elstat: pings every 20 s; notes §5.3: drop peers that
 * miss two). The ping timer runs on the injected clock, so the test moves time by hand.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { connect, type RecordingClient } from '../helpers/ws-client.js';
import { startElstat, subscribe } from './fixtures.js';

function pings(client: RecordingClient): { count: number } {
  const counter = { count: 0 };
  client.ws.on('ping', () => (counter.count += 1));
  return counter;
}

function nextPing(client: RecordingClient): Promise<void> {
  return new Promise((resolve) => client.ws.once('ping', () => resolve()));
}

it('pings every 20 s by default; a peer that answers stays, one that misses two pongs is dropped', async (t) => {
  const h = await startElstat({});
  t.after(() => h.close());
  const live = await h.client();
  // autoPong off: this client receives pings and never answers, like a dead peer behind a NAT.
  const dead = await connect(h.wsUrl, { autoPong: false });
  t.after(() => (live.close(), dead.close()));
  const livePings = pings(live);
  const deadPings = pings(dead);

  h.clock.advance(19_999);
  // A round trip on each socket proves nothing was sent before the interval.
  await subscribe(live, []);
  await subscribe(dead, []);
  assert.equal(livePings.count + deadPings.count, 0);

  for (let i = 1; i <= 2; i++) {
    const got = Promise.all([nextPing(live), nextPing(dead)]);
    h.clock.advance(i === 1 ? 1 : 20_000);
    await got;
    // The live client's pong was written before its 'ping' event; a later frame's reply proves the server read it.
    await subscribe(live, []);
  }
  assert.equal(dead.ws.readyState, dead.ws.OPEN, 'one missed pong is tolerated');
  h.clock.advance(20_000);
  const closed = await dead.closed;
  assert.equal(closed.code, 1006, 'dropped without a close handshake');
  await subscribe(live, []);
  assert.equal(live.ws.readyState, live.ws.OPEN);
  assert.equal(livePings.count, 3);
});

it('the ping interval is a setting', async (t) => {
  const h = await startElstat({ pingIntervalMs: 500 });
  t.after(() => h.close());
  const c = await h.client();
  t.after(() => c.close());
  const got = nextPing(c);
  h.clock.advance(500);
  await got;
});
