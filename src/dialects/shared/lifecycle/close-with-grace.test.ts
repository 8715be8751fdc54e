import assert from 'node:assert/strict';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { ManualClock } from '../../../core/index.js';
import { closeWithGrace } from './close-with-grace.js';

/** A real server and client over loopback, both open. */
async function pair(wss: WebSocketServer): Promise<{ server: WebSocket; client: WebSocket }> {
  const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  client.on('error', () => undefined);
  await new Promise((resolve) => client.once('open', resolve));
  const server = await accepted;
  server.on('error', () => undefined);
  return { server, client };
}

const closedOf = (ws: WebSocket) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));

describe('lifecycle close with grace', () => {
  let wss: WebSocketServer;
  before(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => wss.once('listening', r));
  });
  after(() => wss.close());

  it('sends the close frame; a peer that answers closes cleanly with that code', async () => {
    const clock = new ManualClock(0);
    const { server, client } = await pair(wss);
    const clientClosed = closedOf(client);
    closeWithGrace(server, { code: 4008, reason: 'slow' }, { clock, ms: 1_000 });
    assert.equal(await clientClosed, 4008);
    await closedOf(server).catch(() => undefined);
    assert.equal(clock.pending, 0, 'the grace timer was cleared by the close');
  });

  it('drops the TCP connection when the peer does not answer within the grace', async () => {
    const clock = new ManualClock(0);
    const { server, client } = await pair(wss);
    (client as unknown as { _socket: Socket })._socket.pause(); // the peer stopped reading
    closeWithGrace(server, { code: 1000, reason: 'bye' }, { clock, ms: 5_000 });
    assert.equal(server.readyState, WebSocket.CLOSING);
    const serverClosed = closedOf(server);
    clock.advance(4_999);
    assert.equal(server.readyState, WebSocket.CLOSING);
    clock.advance(1);
    await serverClosed;
    assert.equal(server.readyState, WebSocket.CLOSED);
    client.terminate();
  });

  it('1006 sends no close frame [RFC 6455 §7.4.1]: the peer sees an abnormal closure', async () => {
    const clock = new ManualClock(0);
    const { server, client } = await pair(wss);
    const clientClosed = closedOf(client);
    closeWithGrace(server, { code: 1006, reason: 'slow consumer' }, { clock, ms: 1_000 });
    assert.equal(await clientClosed, 1006);
    assert.equal(clock.pending, 0);
  });
});
