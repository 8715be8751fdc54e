/**
 * Seed 001 §6 and notes §2.4.1–§2.4.2: `ping {sequence, timestamp}` every interval plus an RFC 6455
 * ping; `pong` with or without `sequence`; liveness = any inbound frame; silence → terminated
 * without a close frame. Time is a ManualClock, so nothing here waits for real timers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { ManualClock } from '../../src/core/index.js';
import { eventually } from '../helpers/eventually.js';
import { connect, hsToken, ISO_MS, ofEvent, START, startNova, STREAM } from './fixtures.js';

const TIMERS = { pingIntervalMs: 30_000, idleTimeoutMs: 60_000 };

async function setup(t: { after(fn: () => unknown): void }, clientOptions: WebSocket.ClientOptions = {}) {
  const clock = new ManualClock(Date.now());
  const h = await startNova(TIMERS, { clock });
  t.after(() => h.close());
  await h.dialect.control.start(STREAM, START);
  const c = await connect(h.url(STREAM, { token: await hsToken() }), clientOptions);
  t.after(() => c.close());
  await c.until((m) => ofEvent(m, 'stream_started').length > 0);
  let rfcPings = 0;
  c.ws.on('ping', () => (rfcPings += 1));
  return { clock, h, c, rfcPings: () => rfcPings };
}

describe('nova heartbeat', () => {
  it('sends ping {sequence from 1, ISO timestamp} every interval, each with an RFC 6455 ping', async (t) => {
    const ctx = await setup(t);
    const { clock, c, rfcPings } = ctx;
    clock.advance(29_999);
    clock.advance(1);
    await c.until((m) => ofEvent(m, 'ping').length === 1);
    await eventually(() => rfcPings() === 1, 'an RFC 6455 ping');
    // The client's automatic RFC 6455 pong is inbound traffic: wait for it, or the idle check would fire first.
    const { h } = ctx;
    await eventually(() => (h.dialect.stats().inboundFrames as number) >= 1, 'the protocol pong');
    clock.advance(30_000);
    const pings = ofEvent(await c.until((m) => ofEvent(m, 'ping').length === 2), 'ping');
    assert.deepEqual(
      pings.map((p) => p.data.sequence),
      [1, 2],
    );
    for (const p of pings) assert.match(String(p.data.timestamp), ISO_MS);
    await eventually(() => rfcPings() === 2, 'a second RFC 6455 ping');
  });

  it('a pong without sequence (the example client) keeps the connection alive; 60 s of silence terminates it without a close frame', async (t) => {
    // autoPong off: the client answers nothing by itself, so only what the test sends is inbound.
    const { clock, h, c } = await setup(t, { autoPong: false });
    clock.advance(50_000);
    c.ws.send(JSON.stringify({ event: 'pong', data: { timestamp: new Date().toISOString() } }));
    await eventually(() => (h.dialect.stats().inboundFrames as number) >= 1, 'the pong to arrive');
    clock.advance(20_000); // the 60 s check sees the pong 20 s ago: still alive
    c.ws.send(JSON.stringify({ event: 'get_stream_info', data: { request_id: 'alive?' } }));
    await c.until((m) => ofEvent(m, 'stream_info').length === 1);
    assert.equal(c.ws.readyState, WebSocket.OPEN);
    clock.advance(60_000); // now 60 s of silence
    const closed = await c.closed;
    assert.equal(closed.code, 1006, 'terminated: no close frame, so the example client reconnects');
    assert.equal(h.dialect.stats().idleTerminations, 1);
  });

  it('a pong with the awaited sequence is accepted, and an RFC 6455 pong alone counts as liveness', async (t) => {
    const { clock, h, c } = await setup(t); // autoPong on: the client answers protocol pings
    clock.advance(30_000);
    await c.until((m) => ofEvent(m, 'ping').length === 1);
    c.ws.send(JSON.stringify({ event: 'pong', data: { sequence: 1, timestamp: new Date().toISOString() } }));
    await eventually(() => (h.dialect.stats().inboundFrames as number) >= 2, 'the protocol pong and the pong event');
    clock.advance(30_000); // t = 60 s: last inbound at 30 s
    await c.until((m) => ofEvent(m, 'ping').length === 2);
    await eventually(() => (h.dialect.stats().inboundFrames as number) >= 3, 'the second protocol pong');
    clock.advance(45_000); // t = 105 s: silent for 45 s only, thanks to the RFC 6455 pong at 60 s
    c.ws.send(JSON.stringify({ event: 'get_stream_info', data: { request_id: 'still-here' } }));
    await c.until((m) => ofEvent(m, 'stream_info').length === 1);
    assert.equal(c.ws.readyState, WebSocket.OPEN);
    assert.equal(ofEvent(c.messages, 'error').length, 0);
  });
});
