import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { eventually } from '../../../test/helpers/eventually.js';
import { connect } from '../../../test/helpers/ws-client.js';
import { createHttpListener } from '../../net/http-listener.js';
import { acceptWebSocket } from './ws-upgrade.js';
import { WsWriter } from './ws-writer.js';

const settings = { host: '127.0.0.1', handshakeTimeoutMs: 1_000, trustedProxies: [], tls: null };
const SIZES = [0, 1, 125, 126, 127, 65_535, 65_536, 300_000];

async function serve(onSocket: (ws: WebSocket) => void, perMessageDeflate = false, viaAccept = true) {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate });
  const listener = createHttpListener({
    name: 'x',
    port: 0,
    settings,
    onUpgrade: (req, socket, head) => (viaAccept ? acceptWebSocket(wss, req, socket, head, onSocket) : wss.handleUpgrade(req, socket, head, onSocket)),
  });
  const { port } = await listener.listen();
  return { port, close: () => listener.close(100) };
}

it('pre-framed batches parse in a real client at every length boundary, text and binary, interleaved with ws.send', async (t) => {
  const text = SIZES.map((n) => new TextEncoder().encode('x'.repeat(n)));
  const binary = SIZES.map((n) => new Uint8Array(n).fill(7));
  let preframed: boolean | undefined;
  const server = await serve((ws) => {
    const writer = new WsWriter(ws, 1 << 30, () => {});
    preframed = writer.preframed;
    writer.sendBatch(text);
    ws.send('through ws');
    writer.sendBatch(binary, true);
    for (const payload of text) writer.send(payload); // the cached frames again, one at a time
    const mib = new Uint8Array(1024 * 1024).fill(9);
    writer.sendBatch([mib, mib, mib, mib, mib], true); // over the shared-buffer limit: frame by frame under one cork
  });
  t.after(() => server.close());
  const client = await connect(`ws://127.0.0.1:${server.port}/`);
  const expected = SIZES.length * 3 + 1 + 5;
  await client.until((m) => m.length === expected);
  const got = client.messages;
  assert.equal(preframed, true, 'a WebSocket accepted through acceptWebSocket gets the encode-once path');
  SIZES.forEach((n, i) => assert.equal(got[i] === '' && n === 0 ? 0 : String(got[i]).length, n, `text ${n}`));
  assert.equal(got[SIZES.length], 'through ws');
  for (const big of got.slice(-5)) assert.equal((big as Buffer).length, 1024 * 1024);
  SIZES.forEach((n, i) => {
    const frame = got[SIZES.length + 1 + i] as Buffer;
    assert.ok(Buffer.isBuffer(frame), `binary ${n} arrived as binary`);
    assert.equal(frame.length, n);
  });
  client.close();
});

it('falls back to ws.send when permessage-deflate was negotiated, and the client still reads every frame', async (t) => {
  let preframed: boolean | undefined;
  const server = await serve((ws) => {
    const writer = new WsWriter(ws, 1 << 30, () => {});
    preframed = writer.preframed;
    writer.sendBatch(['a', 'b', new TextEncoder().encode('c'.repeat(1000))]);
  }, true);
  t.after(() => server.close());
  const client = await connect(`ws://127.0.0.1:${server.port}/`, { perMessageDeflate: true });
  await client.until((m) => m.length === 3);
  assert.deepEqual(client.messages.slice(0, 2), ['a', 'b']);
  assert.equal(String(client.messages[2]).length, 1000);
  assert.equal(preframed, false, 'deflated frames cannot be shared');
  client.close();
});

it('falls back to ws.send for a WebSocket not accepted through acceptWebSocket, and still delivers in order', async (t) => {
  let preframed: boolean | undefined;
  const server = await serve(
    (ws) => {
      const writer = new WsWriter(ws, 1 << 30, () => {});
      preframed = writer.preframed;
      writer.sendBatch(['one', new TextEncoder().encode('two')]);
      writer.sendMessages([{ payload: new TextEncoder().encode('three') }]);
    },
    false,
    false,
  );
  t.after(() => server.close());
  const client = await connect(`ws://127.0.0.1:${server.port}/`);
  await client.until((m) => m.length === 3);
  assert.equal(preframed, false);
  assert.deepEqual(client.messages.map(String), ['one', 'two', 'three']);
  client.close();
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
        acceptWebSocket(wss, req, socket, head, (ws) => {
          const writer = new WsWriter(ws, 64 * 1024, () => (drained += 1));
          assert.equal(writer.preframed, true);
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
