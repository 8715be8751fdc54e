/**
 * Upgrade timeout (issue #10): on every listener of the whole server, an upgrade whose headers
 * never finish is dropped at `server.handshakeTimeoutMs` (408 or a bare close), and a
 * well-behaved client on the same listener is not affected.
 */
import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { StreamHub } from '../../src/server.js';
import { startTestHub } from '../helpers/streamhub.js';

const DEADLINE_MS = 300;

/** Writes half an upgrade request and resolves with what came back and how long the server waited. */
function slowloris(port: number): Promise<{ answer: string; afterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = netConnect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (answer += d));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ answer, afterMs: Date.now() - started }));
    socket.write('GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n');
    // Keep trickling a header byte now and then, as slowloris does: the deadline is for the whole head.
    const trickle = setInterval(() => socket.writable && socket.write('X'), DEADLINE_MS / 3);
    socket.on('close', () => clearInterval(trickle));
    setTimeout(() => reject(new Error('not dropped within 20 deadlines')), DEADLINE_MS * 20).unref();
  });
}

describe('upgrade timeout on every listener', () => {
  let hub: StreamHub;
  before(async () => {
    hub = await startTestHub({ server: { handshakeTimeoutMs: DEADLINE_MS } });
  });
  after(() => hub.close());

  it('drops a slowloris upgrade at the deadline on each listener', async () => {
    const listeners = Object.entries(hub.addresses).flatMap(([dialect, list]) => list.map((a) => ({ dialect, ...a })));
    assert.ok(listeners.length >= 7, `listeners: ${JSON.stringify(listeners)}`);
    const results = await Promise.all(listeners.map(async (l) => ({ l, r: await slowloris(l.port) })));
    for (const { l, r } of results) {
      assert.ok(r.answer === '' || r.answer.startsWith('HTTP/1.1 408'), `${l.dialect}/${l.name}: ${r.answer.slice(0, 40)}`);
      // Node checks the deadline every quarter of it (createHttpListener), so allow a few checks of slack on a busy machine.
      assert.ok(r.afterMs >= DEADLINE_MS * 0.9 && r.afterMs < DEADLINE_MS * 10, `${l.dialect}/${l.name} dropped after ${r.afterMs} ms`);
    }
  });
});
