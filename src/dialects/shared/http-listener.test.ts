import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import { describe, it } from 'node:test';
import { WebSocketServer } from 'ws';
import { eventually } from '../../../test/helpers/eventually.js';
import { connect } from '../../../test/helpers/ws-client.js';
import { createHttpListener } from './http-listener.js';
import { rejectUpgrade } from './http-reply.js';
import { WsWriter } from './ws-writer.js';

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

describe('WsWriter', () => {
  it('sends a batch in order and reports backpressure above the high watermark, then drains', async (t) => {
    const wss = new WebSocketServer({ noServer: true });
    let drained = 0;
    let sentChunks = 0;
    let refusedAt = -1;
    const listener = createHttpListener({
      name: 'x',
      port: 0,
      settings,
      onUpgrade: (req, socket, head) =>
        wss.handleUpgrade(req, socket, head, (ws) => {
          const writer = new WsWriter(ws, 64 * 1024, () => (drained += 1));
          assert.equal(writer.sendBatch(['one', 'two', 'three']), true);
          ws.once('message', () => {
            // The client has stopped reading: keep writing until the kernel buffers fill.
            const chunk = Buffer.alloc(1024 * 1024, 120);
            for (let i = 0; i < 256 && refusedAt < 0; i++) {
              sentChunks += 1;
              if (!writer.sendBatch([chunk])) refusedAt = i;
            }
          });
        }),
    });
    const { port } = await listener.listen();
    t.after(() => listener.close(100));
    const client = await connect(`ws://127.0.0.1:${port}/`, { maxPayload: 2 * 1024 * 1024 });
    await client.until((m) => m.length === 3);
    const raw = (client.ws as unknown as { _socket: import('node:net').Socket })._socket;
    raw.pause();
    client.ws.send('go');
    await eventually(() => refusedAt >= 0, 'the writer to report backpressure');
    assert.equal(drained, 0, 'no drain while the client is not reading');
    raw.resume();
    await client.until((m) => m.length === 3 + sentChunks, 10_000);
    await eventually(() => drained === 1, 'the drain callback');
    assert.deepEqual(client.messages.slice(0, 3), ['one', 'two', 'three']);
    client.close();
  });
});
