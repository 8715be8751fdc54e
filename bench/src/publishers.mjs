/**
 * One publisher per server, each over that server's own publish path, all sending the same bytes
 * (message.mjs). `send(seq, t)` builds the message at the moment it is handed to the socket, so
 * the embedded publish time includes any queueing in the publisher; `flush()` resolves when the
 * publisher's own buffers are empty (bounded wait).
 */
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { buildMessage } from './message.mjs';
import { sleep } from './proc.mjs';

function openWs(url, headers) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`publisher: ${url} did not open in 10 s`));
    }, 10_000);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve(ws);
    });
    ws.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Waits (at most `maxMs`) until `pending()` is 0. */
async function drained(pending, maxMs = 10_000) {
  for (let waited = 0; pending() > 0 && waited < maxMs; waited += 5) await sleep(5);
}

/** A WebSocket publisher: StreamHub's match ingest, or the naive ws peer's `/pub`. */
export async function wsPublisher(url, size, { headers, first, ignoreReplies = false } = {}) {
  const ws = await openWs(url, headers);
  const errors = [];
  ws.on('message', (data) => {
    // StreamHub answers x_error on bad input; nchan acknowledges every publish (ignoreReplies).
    if (!ignoreReplies && errors.length < 5) errors.push(String(data).slice(0, 300));
  });
  ws.on('error', () => {});
  if (first) ws.send(JSON.stringify(first));
  return {
    send(seq, t) {
      ws.send(buildMessage(seq, t, size));
    },
    flush: () => drained(() => ws.bufferedAmount),
    errors,
    close: async () => ws.close(),
  };
}

/**
 * Many channels (S2): one publisher per channel, opened `concurrency` at a time; `send(seq, t)`
 * publishes that sequence to every channel, so each subscriber sees 1, 2, 3, … on its own channel.
 */
export async function manyPublishers(channels, open, concurrency = 50) {
  const pubs = [];
  try {
    for (let i = 0; i < channels.length; i += concurrency) {
      pubs.push(...(await Promise.all(channels.slice(i, i + concurrency).map((c) => open(c)))));
    }
  } catch (err) {
    await Promise.all(pubs.map((p) => p.close()));
    throw err;
  }
  return {
    send(seq, t) {
      for (const p of pubs) p.send(seq, t);
    },
    /** one channel only: lets the bench spread a sequence's publishes over the interval */
    sendOne(seq, t, i) {
      pubs[i].send(seq, t);
    },
    async flush() {
      for (const p of pubs) await p.flush();
    },
    errors: pubs.flatMap((p) => p.errors).slice(0, 5),
    close: async () => {
      await Promise.all(pubs.map((p) => p.close()));
    },
  };
}

/** Socket.IO: `pub` events, re-emitted by the peer to the room (`rooms`: one event per room, S2). */
export async function socketIoPublisher(port, size, rooms = null) {
  const socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], query: { role: 'pub' }, reconnection: false });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('publisher: socket.io did not connect in 10 s')), 10_000);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('connect_error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  return {
    send(seq, t) {
      if (!rooms) return void socket.emit('pub', JSON.parse(buildMessage(seq, t, size)));
      for (const room of rooms) socket.emit('pub', JSON.parse(buildMessage(seq, t, size)), room);
    },
    sendOne(seq, t, i) {
      socket.emit('pub', JSON.parse(buildMessage(seq, t, size)), rooms?.[i] ?? 'bench');
    },
    flush: () => drained(() => socket.io.engine?.writeBuffer?.length ?? 0),
    errors: [],
    close: async () => socket.close(),
  };
}

/**
 * nchan: its publisher endpoint over WebSocket (`nchan_publisher http websocket`): one frame per
 * message on one connection, in order, with no request/response turn per message (an HTTP POST
 * per message made the publisher, not nchan, the limit: measured ~500 POST/s while nchan's core
 * still had idle time).
 */
export function nchanPublisher(port, channel, size) {
  return wsPublisher(`ws://127.0.0.1:${port}/pub/${channel}`, size, { ignoreReplies: true });
}
