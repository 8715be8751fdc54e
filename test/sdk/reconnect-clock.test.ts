/**
 * The client's timers on a manual clock (STYLE.md rule 9: mock only the clock), against real
 * sockets: the reconnect delays follow the full-jitter windows up to the cap and start over after a
 * success; a server that stops sending anything (not even its pings) is left after
 * pingIntervalMs + grace (PROTOCOL.md §13).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/core/index.js';
import { StreamHubClient, type WebSocketConstructor } from '../../sdk/src/index.js';
import { eventually } from '../helpers/eventually.js';
import { NodeWebSocket, SocketControl, startStreamhub, token } from './fixtures.js';

/** A loopback port with nothing listening: every connection attempt is refused at once. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('sdk reconnect timing on a manual clock', () => {
  it('waits random·min(cap, base·2^n) before attempt n, capped', async (t) => {
    const clock = new ManualClock();
    const port = await closedPort();
    const c = new StreamHubClient(`ws://127.0.0.1:${port}`, {
      WebSocket: NodeWebSocket,
      transports: ['websocket'],
      backoff: { baseMs: 100, capMs: 1_000 },
      random: () => 0.5,
      clock,
    });
    t.after(() => c.disconnect());
    const delays: number[] = [];
    c.on('connecting', (e) => delays.push(e.delayMs));
    c.connect();
    for (let attempt = 0; attempt < 7; attempt++) {
      await eventually(() => delays.length === attempt + 1, `attempt ${attempt} scheduled`);
      const before = delays.length;
      clock.advance(delays[attempt] ?? 0);
      // Nothing happens before the delay has passed: the next attempt is scheduled only after this one failed.
      await eventually(() => delays.length > before, `attempt ${attempt} failed and the next was scheduled`);
    }
    assert.deepEqual(delays.slice(0, 8), [0, 50, 100, 200, 400, 500, 500, 500]);
  });

  it('a WebSocket constructor that throws is a failed attempt (reported, retried), not a crash', async (t) => {
    const clock = new ManualClock();
    class ThrowingWebSocket {
      constructor(url: string) {
        throw new SyntaxError(`refusing ${url}`);
      }
    }
    const c = new StreamHubClient('ws://127.0.0.1:9', {
      WebSocket: ThrowingWebSocket as unknown as WebSocketConstructor,
      transports: ['websocket'],
      backoff: { baseMs: 100, capMs: 100 },
      random: () => 0.5,
      clock,
    });
    t.after(() => c.disconnect());
    const errors: string[] = [];
    const disconnects: boolean[] = [];
    c.on('error', (e) => errors.push(e.code));
    c.on('disconnected', (e) => disconnects.push(e.reconnect));
    c.connect();
    clock.advance(0);
    await eventually(() => errors.length === 1, 'the first failure');
    clock.advance(50);
    await eventually(() => errors.length === 2, 'the retry failed too');
    assert.deepEqual(errors, ['transport', 'transport']);
    assert.deepEqual(disconnects, [true, true]);
    assert.equal(c.state, 'connecting');
  });

  it('a silent server is given up after pingIntervalMs + grace, then the client reconnects and resumes', async (t) => {
    const h = await startStreamhub({ pingIntervalMs: 60_000 });
    t.after(() => h.close());
    const clock = new ManualClock();
    const sockets = new SocketControl();
    const c = new StreamHubClient(h.url, { WebSocket: sockets.ctor, token: await token(), clock, random: () => 0, pingGraceMs: 10_000 });
    t.after(() => c.disconnect());
    const disconnects: number[] = [];
    c.on('disconnected', (e) => disconnects.push(e.code));
    c.connect();
    clock.advance(0);
    await c.ready();
    const sub = c.subscribe('streamhub:quiet');
    await sub.ready();
    clock.advance(69_999);
    assert.deepEqual(disconnects, [], 'still inside pingIntervalMs + grace');
    clock.advance(1);
    assert.deepEqual(disconnects, [4000]);
    await eventually(() => {
      clock.advance(0);
      return c.state === 'connected';
    }, 'reconnected');
    assert.equal(sockets.count, 2);
    await sub.ready();
  });
});

describe('sdk SSE stream liveness on a manual clock', () => {
  it('a fetch SSE stream silent for sseIdleTimeoutMs (no event, no heartbeat) is reopened and resumes', async (t) => {
    const h = await startStreamhub({ sse: { heartbeatMs: 600_000 } });
    t.after(() => h.close());
    const clock = new ManualClock();
    const c = new StreamHubClient(h.url, { transports: ['sse'], token: await token(), clock, random: () => 0, sseIdleTimeoutMs: 45_000 });
    t.after(() => c.disconnect());
    const disconnects: number[] = [];
    c.on('disconnected', (e) => disconnects.push(e.code));
    const sub = c.subscribe('streamhub:silent');
    const subscribed: boolean[] = [];
    sub.on('subscribed', (e) => subscribed.push(e.resumed));
    c.connect();
    clock.advance(0);
    await sub.ready();
    clock.advance(44_999);
    assert.deepEqual(disconnects, []);
    clock.advance(1);
    assert.deepEqual(disconnects, [4000]);
    await eventually(() => {
      clock.advance(0);
      return subscribed.length === 2;
    }, 'the stream reopened');
  });
});
