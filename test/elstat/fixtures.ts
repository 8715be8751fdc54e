/**
 * Elstat test fixtures: the dialect on port 0 with a manual clock (the prober checks once at
 * listen, then once per `clock.advance(intervalMs)`), and real HTTP / TCP targets that can go
 * down and come back on the same port.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { ManualClock } from '../../src/core/index.js';
import { createElstatDialect, type ElstatDialect } from '../../src/dialects/elstat/index.js';
import { startDialect, testConfig, type DialectHarness } from '../helpers/harness.js';
import { connect, type RecordingClient } from '../helpers/ws-client.js';

export interface ElstatFixture extends DialectHarness<ElstatDialect> {
  readonly clock: ManualClock;
  readonly base: string;
  readonly wsUrl: string;
  client(): Promise<RecordingClient>;
}

/** Starts the dialect with `elstat` overrides on a manual clock. */
export async function startElstat(elstat: Record<string, unknown>, clock = new ManualClock()): Promise<ElstatFixture> {
  const options = testConfig({ elstat: { port: 0, ...elstat } }).elstat;
  const harness = await startDialect((ctx) => createElstatDialect(ctx, options), { clock });
  const base = `http://127.0.0.1:${harness.port()}`;
  const wsUrl = `ws://127.0.0.1:${harness.port()}/api/streaming`;
  return Object.assign(harness, { clock, base, wsUrl, client: () => connect(wsUrl) });
}

/** A DATA frame as the client records it. */
export interface DataFrame {
  readonly op: 3;
  readonly c: string;
  readonly d: [number, boolean | number];
}

export function isData(m: unknown, channel?: string): m is DataFrame {
  const f = m as { op?: unknown; c?: unknown };
  return f.op === 3 && (channel === undefined || f.c === channel);
}

/** The values of every DATA frame on one channel, in arrival order. */
export function values(messages: unknown[], channel: string): (boolean | number)[] {
  return messages.filter((m): m is DataFrame => isData(m, channel)).map((m) => m.d[1]);
}

export function send(client: RecordingClient, payload: unknown): void {
  client.ws.send(typeof payload === 'string' ? payload : JSON.stringify(payload));
}

/** Subscribes and waits for the SUBSCRIBED reply (the n-th op 1 frame). */
export async function subscribe(client: RecordingClient, channels: string[]): Promise<string[]> {
  const before = client.messages.filter((m) => (m as { op?: number }).op === 1).length;
  send(client, { op: 0, channels });
  const messages = await client.until((ms) => ms.filter((m) => (m as { op?: number }).op === 1).length > before);
  return (messages.filter((m) => (m as { op?: number }).op === 1).at(-1) as { channels: string[] }).channels;
}

async function listenOn<S extends HttpServer | TcpServer>(server: S, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as { port: number }).port;
}

function closeServer(server: HttpServer | TcpServer, sockets: Set<Socket>): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    for (const socket of sockets) socket.destroy();
  });
}

function trackSockets(server: HttpServer | TcpServer): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  return sockets;
}

/** A real HTTP target: answers `status` (200 by default), or never answers when `hang` is set. */
export interface HttpTarget {
  url: string;
  status: number;
  hang: boolean;
  readonly requests: number;
  /** TCP connections currently open to the target. */
  readonly connections: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startHttpTarget(): Promise<HttpTarget> {
  let requests = 0;
  const target = {
    url: '',
    status: 200,
    hang: false,
    get requests() {
      return requests;
    },
    get connections() {
      return sockets.size;
    },
    stop: () => closeServer(server, sockets),
    start: async () => {
      await listenOn(server, port);
    },
  };
  const server = createHttpServer((_req, res) => {
    requests += 1;
    if (target.hang) return;
    res.writeHead(target.status, { 'content-type': 'text/plain' }).end('ok');
  });
  const sockets = trackSockets(server);
  const port = await listenOn(server, 0);
  target.url = `http://127.0.0.1:${port}/health`;
  return target;
}

/** A real TCP target that accepts and closes connections. */
export interface TcpTarget {
  readonly target: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startTcpTarget(): Promise<TcpTarget> {
  const server = createTcpServer((socket) => socket.end());
  const sockets = trackSockets(server);
  const port = await listenOn(server, 0);
  return {
    target: `127.0.0.1:${port}`,
    stop: () => closeServer(server, sockets),
    start: async () => {
      await listenOn(server, port);
    },
  };
}
