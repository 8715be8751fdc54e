/**
 * Peer: Socket.IO 4.8 room broadcast (issue #8). Every subscriber joins room `bench` on connect;
 * a publisher connects with `?role=pub` and each `pub` event it emits is re-emitted to the room
 * as event `m` (`io.to('bench').emit('m', msg)`: Socket.IO encodes the packet once, then sends it
 * to each socket of the room). WebSocket transport only, no compression. Listens on 127.0.0.1,
 * port from argv[2] (0 = any free port), and prints `{"port":N}` once listening.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.argv[2] ?? 0);
const server = createServer();
const io = new Server(server, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });

io.on('connection', (socket) => {
  if (socket.handshake.query.role === 'pub') {
    socket.on('pub', (msg) => io.to('bench').emit('m', msg));
  } else {
    socket.join('bench');
  }
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
