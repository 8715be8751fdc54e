/**
 * Issue 15 item 7: a peer refused for the rate that resets its connection while the 503 is being
 * written must end only its own connection. Node removes its own error listener from a socket once
 * it emits 'upgrade', so without one of ours a write ECONNRESET on the refused socket was an
 * unhandled 'error' event that ended the process (found by this test: 500 such peers ended it
 * every time). The listener is the shared one every dialect uses.
 */
import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import { it } from 'node:test';
import { ManualClock } from '../../src/core/index.js';
import { ConnectionRate } from '../../src/net/connection-rate.js';
import { createHttpListener } from '../../src/net/http-listener.js';
import { connect } from '../helpers/ws-client.js';

const UPGRADE =
  'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

it('peers that send an upgrade and reset at once while refused end only their own connections', async (t) => {
  const rate = new ConnectionRate({ node: { perSecond: 1, burst: 1 }, retryAfterMaxSeconds: 30, clock: new ManualClock() });
  const gate = rate.gate('test');
  assert.equal(gate.tryAdmit().admitted, true); // the only token: everyone below is refused
  const listener = createHttpListener({
    name: 'ws',
    port: 0,
    settings: { host: '127.0.0.1', handshakeTimeoutMs: 2_000, trustedProxies: [], tls: null },
    onUpgrade: (_req, socket) => socket.destroy(),
    connectionRate: gate,
  });
  const { port } = await listener.listen();
  t.after(() => listener.close(100));

  await Promise.all(
    Array.from(
      { length: 500 },
      () =>
        new Promise<void>((resolve) => {
          const socket = tcpConnect(port, '127.0.0.1', () => {
            // Frame bytes right behind the request, then a RST: the 503 meets a reset peer.
            socket.write(UPGRADE + 'x'.repeat(100_000));
            socket.resetAndDestroy();
          });
          socket.on('error', () => undefined);
          socket.on('close', () => resolve());
        }),
    ),
  );
  // Still here and still answering, with the specified refusal.
  const refused = await connect(`ws://127.0.0.1:${port}/ws`).then(
    () => assert.fail('admitted'),
    (err: { status?: number; headers?: Record<string, string> }) => err,
  );
  assert.equal(refused.status, 503);
  assert.ok(refused.headers?.['retry-after']);
});
