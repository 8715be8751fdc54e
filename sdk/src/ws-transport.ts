/**
 * The WebSocket transport. It takes any constructor with the browser's WebSocket shape: the
 * browser's own, Node 22's global, or the `ws` package's (Node 20 has no stable global WebSocket,
 * so Node 20 users pass `ws`; STYLE.md "The SDK takes the WebSocket constructor as an option").
 */
import type { Transport, TransportHandlers } from './transport.js';

/** The part of the WHATWG WebSocket interface the SDK uses (`ws` implements it too). */
export interface WebSocketLike {
  readonly readyState: number;
  readonly bufferedAmount?: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** WebSocket.OPEN [WHATWG WebSockets §"readyState"]. */
const OPEN = 1;

function ignore(): void {}

export function openWebSocketTransport(Ctor: WebSocketConstructor, url: string, handlers: TransportHandlers): Transport {
  const socket = new Ctor(url);
  let opened = false;
  let ended = false;
  const end = (code: number, reason: string) => {
    if (ended) return;
    ended = true;
    socket.onopen = socket.onmessage = socket.onclose = null;
    // Keep an error listener: closing a socket that is still connecting makes `ws` emit an error on a
    // later tick, and an EventEmitter error with no listener would crash the process.
    socket.onerror = ignore;
    handlers.onClose({ code, reason, opened });
  };
  socket.onopen = () => {
    opened = true;
    handlers.onOpen();
  };
  socket.onmessage = (event) => {
    if (ended) return;
    const { data } = event;
    // The protocol's frames are JSON text; a binary frame (Buffer in ws, ArrayBuffer/Blob in browsers) is decoded as UTF-8.
    if (typeof data === 'string') handlers.onFrame({ text: data });
    else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) handlers.onFrame({ text: new TextDecoder().decode(data as ArrayBuffer) });
  };
  socket.onclose = (event) => end(event.code, event.reason);
  // An error is always followed by close [WHATWG WebSockets §"fail the WebSocket connection"]; nothing to do here.
  socket.onerror = ignore;
  return {
    kind: 'websocket',
    canSend: true,
    send(text) {
      if (socket.readyState !== OPEN) throw new Error('websocket is not open');
      socket.send(text);
    },
    close(code = 1000, reason = '') {
      if (ended) return;
      try {
        socket.close(code, reason);
      } catch {
        socket.close();
      }
      // Do not wait for the server's close frame: the client has moved on.
      end(code, reason);
    },
  };
}
