/**
 * A small in-test server written with `ws` that speaks the documented frames of PROTOCOL.md (§5
 * `connected`, §7 `subscribed`, §9 `unsubscribed`), so the SDK can be shown cases a correct server
 * never produces (a lost publication, a delta that does not apply). It records every frame the SDK
 * sends; `send` pushes a frame to the newest connection.
 */
import { WebSocketServer, type WebSocket } from 'ws';

export type ClientFrame = Record<string, unknown> & { id: number; type: string };

export interface FakeServer {
  readonly url: string;
  readonly received: ClientFrame[];
  send(frame: unknown): void;
}

/** `subscribed` is the reply to every `subscribe` of `channel` (without `type` and `id`). */
export async function fakeServer(t: { after(fn: () => unknown): void }, channel: string, subscribed: Record<string, unknown>): Promise<FakeServer> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/v1/ws' });
  await new Promise((resolve) => wss.once('listening', resolve));
  const received: ClientFrame[] = [];
  const sockets: WebSocket[] = [];
  t.after(() => {
    for (const ws of sockets) ws.terminate();
    return new Promise((resolve) => wss.close(resolve));
  });
  wss.on('connection', (ws) => {
    sockets.push(ws);
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as ClientFrame;
      received.push(frame);
      const reply = (f: Record<string, unknown>) => ws.send(JSON.stringify({ ...f, id: frame.id }));
      if (frame.type === 'connect') reply({ type: 'connected', client: 'c-1', user: 'u', expiresAt: null, pingIntervalMs: 25_000, version: 1 });
      if (frame.type === 'unsubscribe') reply({ type: 'unsubscribed', channels: [channel] });
      if (frame.type === 'subscribe') reply({ type: 'subscribed', channel, ...subscribed });
    });
  });
  const port = (wss.address() as { port: number }).port;
  return { url: `ws://127.0.0.1:${port}`, received, send: (frame) => sockets.at(-1)?.send(JSON.stringify(frame)) };
}
