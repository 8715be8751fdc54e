import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import { describe, it } from 'node:test';
import { WebSocketServer } from 'ws';
import { connect } from '../../test/helpers/ws-client.js';
import { createHttpListener } from './http-listener.js';
import { rejectUpgrade } from './http-reply.js';

const settings = { host: '127.0.0.1', handshakeTimeoutMs: 300, trustedProxies: [], tls: null };

describe('createHttpListener', () => {
  it('drops a slowloris upgrade that never finishes its headers', async (t) => {
    const listener = createHttpListener({ name: 'x', port: 0, settings, onUpgrade: (_req, socket) => socket.destroy() });
    const { port } = await listener.listen();
    t.after(() => listener.close(100));
    const socket = tcpConnect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => (answer += d.toString()));
    socket.write('GET /v1/match/x HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n');
    const closedAt = await new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
    assert.ok(closedAt > 0, 'the server closed the half-sent request');
    assert.match(answer, /^HTTP\/1\.1 408/);
    const raw = await new Promise<string>((resolve) => {
      let text = '';
      const s2 = tcpConnect(port, '127.0.0.1');
      s2.on('data', (d) => (text += d.toString()));
      s2.on('close', () => resolve(text));
      s2.write('GARBAGE\r\n\r\n');
    });
    assert.match(raw, /^HTTP\/1\.1 400/);
  });

  it('ends the handshake deadline with the request head: an upgraded socket outlives it, a silent one does not (issue 20)', async (t) => {
    const wss = new WebSocketServer({ noServer: true });
    const listener = createHttpListener({
      name: 'x',
      port: 0,
      settings,
      onUpgrade: (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (m, binary) => ws.send(m, { binary }))),
    });
    const { port } = await listener.listen();
    t.after(() => listener.close(100));
    const client = await connect(`ws://127.0.0.1:${port}/`);
    // A silent TCP peer accepted after the client: once it is dropped, the client is past the deadline too.
    const silent = tcpConnect(port, '127.0.0.1');
    silent.on('error', () => undefined);
    silent.resume(); // it reads, as a real client does, so it sees the 408 and the close
    await new Promise((resolve) => silent.on('close', resolve));
    assert.equal(listener.acceptCounts().handshakeTimeouts, 1);
    client.ws.send('still here');
    await client.until((m) => m.includes('still here'));
    client.close();
  });

  it('answers refused upgrades with a status and a JSON body', async (t) => {
    const listener = createHttpListener({
      name: 'x',
      port: 0,
      settings,
      onUpgrade: (_req, socket) => rejectUpgrade(socket, 403, { error: 'forbidden' }),
    });
    const { port } = await listener.listen();
    t.after(() => listener.close(100));
    await assert.rejects(connect(`ws://127.0.0.1:${port}/`), (err: Error & { status?: number; body?: string }) => {
      assert.equal(err.status, 403);
      assert.deepEqual(JSON.parse(err.body!), { error: 'forbidden' });
      return true;
    });
  });
});
