/**
 * The contract suite's client for the Socket.IO dialect (spectra): a real socket.io-client 4, as
 * Spectra-Frontend's SocketService uses it (long-polling first, then the WebSocket upgrade). The
 * suite pauses the WebSocket transport's TCP socket once the upgrade is done.
 */
import type { Socket as TcpSocket } from 'node:net';
import { io, type Socket } from 'socket.io-client';
import type { ClientEnd, ContractClient, Refusal } from '../dialect.contract.js';
import { until } from './ws-client.js';

export interface SocketIoClientOptions {
  /** Emitted once connected (spectra's `logon`). */
  readonly logon: { readonly event: string; readonly payload: string };
  /** The event that ends the connect sequence (spectra's `logon_success`). */
  readonly ready: string;
  /** The event carrying the suite's messages, and how to read its index. */
  readonly message: { readonly event: string; index(payload: unknown): number | null };
  oversized(socket: Socket): void;
  malformed(socket: Socket): void;
}

export function socketIoClient(url: string, options: SocketIoClientOptions): Promise<ContractClient> {
  // No reconnection: the suite watches one connection's end (the reason says whether the real client would reconnect).
  const socket = io(url, { forceNew: true, reconnection: false });
  const received: number[] = [];
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  let open = true;
  const ended = new Promise<ClientEnd>((done) =>
    socket.once('disconnect', (reason) => {
      open = false;
      done({ code: null, reason });
      wake();
    }),
  );
  socket.on(options.message.event, (payload: unknown) => {
    const index = options.message.index(payload);
    if (index !== null) received.push(index);
    wake();
  });
  const tcp = (): TcpSocket => {
    const transport = socket.io.engine.transport as unknown as { name: string; ws?: { _socket: TcpSocket } };
    if (transport.name !== 'websocket' || !transport.ws) throw new Error(`transport ${transport.name} is not a WebSocket`);
    return transport.ws._socket;
  };
  const client: ContractClient = {
    received,
    notices: [],
    ended,
    get open() {
      return open;
    },
    until: (predicate, what, timeoutMs) => until(waiters, predicate, what, timeoutMs),
    pause: () => tcp().pause(),
    resume: () => tcp().resume(),
    sendOversized: () => options.oversized(socket),
    sendMalformed: () => options.malformed(socket),
    close: () => {
      try {
        tcp().resume();
      } catch {
        // not upgraded: nothing paused
      }
      socket.close();
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('connect sequence not over within 15 s'));
    }, 15_000);
    let readySeen = false;
    const upgraded = () => socket.io.engine?.transport.name === 'websocket';
    const check = () => {
      if (!readySeen || !upgraded()) return;
      clearTimeout(timer);
      resolve(client);
    };
    socket.once('connect_error', (err) => {
      clearTimeout(timer);
      socket.close();
      reject(err);
    });
    socket.once(options.ready, () => {
      readySeen = true;
      check();
    });
    socket.io.on('open', () => socket.io.engine.on('upgrade', check));
    socket.emit(options.logon.event, options.logon.payload);
  });
}

/** A connection the suite expects to be refused by the namespace's middleware: its `connect_error`. */
export function socketIoAttempt(url: string): Promise<Refusal> {
  const socket = io(url, { forceNew: true, reconnection: false });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('neither connected nor refused within 15 s'));
    }, 15_000);
    socket.once('connect_error', (err) => {
      clearTimeout(timer);
      socket.close();
      resolve({ kind: 'connect_error', message: err.message });
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.close();
      reject(new Error('the connection was accepted'));
    });
  });
}
