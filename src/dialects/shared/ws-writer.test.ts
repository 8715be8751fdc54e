import assert from 'node:assert/strict';
import { it } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { connect } from '../../../test/helpers/ws-client.js';
import { createHttpListener } from './http-listener.js';
import { WsWriter } from './ws-writer.js';

const settings = { host: '127.0.0.1', handshakeTimeoutMs: 1_000, trustedProxies: [], tls: null };
const SIZES = [0, 1, 125, 126, 127, 65_535, 65_536, 300_000];

async function serve(onSocket: (ws: WebSocket) => void, perMessageDeflate = false) {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate });
  const listener = createHttpListener({
    name: 'x',
    port: 0,
    settings,
    onUpgrade: (req, socket, head) => wss.handleUpgrade(req, socket, head, onSocket),
  });
  const { port } = await listener.listen();
  return { port, close: () => listener.close(100) };
}

it('pre-framed batches parse in a real client at every length boundary, text and binary, interleaved with ws.send', async (t) => {
  const text = SIZES.map((n) => new TextEncoder().encode('x'.repeat(n)));
  const binary = SIZES.map((n) => new Uint8Array(n).fill(7));
  const server = await serve((ws) => {
    const writer = new WsWriter(ws, 1 << 30, () => {});
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
  const server = await serve((ws) => {
    const writer = new WsWriter(ws, 1 << 30, () => {});
    writer.sendBatch(['a', 'b', new TextEncoder().encode('c'.repeat(1000))]);
  }, true);
  t.after(() => server.close());
  const client = await connect(`ws://127.0.0.1:${server.port}/`, { perMessageDeflate: true });
  await client.until((m) => m.length === 3);
  assert.deepEqual(client.messages.slice(0, 2), ['a', 'b']);
  assert.equal(String(client.messages[2]).length, 1000);
  client.close();
});
