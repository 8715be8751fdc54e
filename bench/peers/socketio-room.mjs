/**
 * Peer: Socket.IO 4.8 room broadcast (issue #8). Every subscriber joins room `bench` on connect
 * (or the room of its `?room=` query, bench S2); a publisher connects with `?role=pub` and each
 * `pub` event it emits (with an optional room argument) is re-emitted to that room as event `m`
 * (`io.to(room).emit('m', msg)`: Socket.IO encodes the packet once, then sends it to each socket
 * of the room). WebSocket transport only, no compression. Listens on 127.0.0.1,
 * port from argv[2] (0 = any free port), and prints `{"port":N}` once listening.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.argv[2] ?? 0);
const server = createServer();
const io = new Server(server, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });

io.on('connection', (socket) => {
  if (socket.handshake.query.role === 'pub') {
    socket.on('pub', (msg, room) => io.to(typeof room === 'string' ? room : 'bench').emit('m', msg));
  } else {
    const room = socket.handshake.query.room;
    socket.join(typeof room === 'string' && room.length > 0 && room.length <= 128 ? room : 'bench');
  }
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
