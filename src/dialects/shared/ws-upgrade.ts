import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { countClose } from '../../net/close-tally.js';

/**
 * The socket each accepted WebSocket was upgraded from. `ws` keeps it private (`_socket`); the
 * HTTP `upgrade` event hands it to us publicly, so we remember it here, keyed by the WebSocket
 * and freed with it. WsWriter writes pre-framed bytes to it (ws-writer.ts; issue 16 step 4).
 */
const upgradedFrom = new WeakMap<WebSocket, Duplex>();

/**
 * `wss.handleUpgrade`, remembering the upgraded socket for WsWriter. Every dialect accepts its
 * WebSocket clients through this, so that their writers take the encode-once path.
 */
export function acceptWebSocket(
  wss: WebSocketServer,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  onOpen: (ws: WebSocket, req: IncomingMessage) => void,
): void {
  wss.handleUpgrade(req, socket, head, (ws, request) => {
    upgradedFrom.set(ws, socket);
    // Every close is counted by code on the listener's tally (net/close-tally.ts). Shared
    // listeners (no closure per connection: issue 19's memory budget).
    ws.on('error', noteProtocolError);
    // 'close' is emitted once: `on`, not `once`, which wraps each listener in a bound function and a state object per connection
    ws.on('close', countOnClose);
    onOpen(ws, request);
  });
}

/** Close codes the server decided (its close frame, or the protocol error `ws` closed for), by connection. */
const decidedCode = new WeakMap<WebSocket, number>();

/** Records the code the server closes `ws` with (lifecycle/close-with-grace.ts calls it), for the close tally. */
export function noteServerClose(ws: WebSocket, code: number): void {
  if (!decidedCode.has(ws)) decidedCode.set(ws, code);
}

/**
 * The close code `ws` sends for a protocol error it detected, from the error's public `code`
 * (ws's receiver: message too big 1009, invalid UTF-8 1007, any other framing error 1002 [RFC 6455 §7.4.1]).
 */
function noteProtocolError(this: WebSocket, err: Error & { code?: string }): void {
  const code = err.code ?? '';
  if (!code.startsWith('WS_ERR_')) return;
  noteServerClose(this, /_LENGTH$/.test(code) ? 1009 : code === 'WS_ERR_INVALID_UTF8' ? 1007 : 1002);
}

/** The code the server decided, else the peer's close frame's (1006: the connection just dropped). */
function countOnClose(this: WebSocket, peerCode: number): void {
  const socket = upgradedFrom.get(this);
  if (socket) countClose(socket, decidedCode.get(this) ?? peerCode);
}

/**
 * Calls `onCode` once with the code `ws` closed with, counted as for `acceptWebSocket`'s sockets
 * (for WebSockets accepted elsewhere, e.g. by Engine.IO).
 */
export function onCloseCode(ws: WebSocket, onCode: (code: number) => void): void {
  ws.on('error', noteProtocolError);
  ws.once('close', function (this: WebSocket, peerCode: number) {
    onCode(decidedCode.get(this) ?? peerCode);
  });
}

/** The socket `ws` was accepted on by `acceptWebSocket`, if it was. */
export function upgradedSocketOf(ws: WebSocket): Duplex | undefined {
  return upgradedFrom.get(ws);
}
