/**
 * Peer: Socket.IO 4.8 with `@socket.io/redis-streams-adapter` (issue 17), the multi-node setup
 * StreamHub's Redis broker is measured against. Room handling as peers/socketio-room.mjs: every
 * subscriber joins room `bench` (or its `?room=`), a publisher connects with `?role=pub` and each
 * `pub` event is re-emitted to the room as `m` — through the adapter, i.e. one `XADD socket.io
 * MAXLEN ~ 10000 *` per emit, read back by every node's `XREAD BLOCK 5000 COUNT 100` loop (the
 * adapter's defaults, untouched) and delivered to that node's sockets of the room.
 * Redis client: ioredis with its defaults, as in the adapter's README ("With the ioredis package").
 * Listens on 127.0.0.1, port from argv[2] (0 = any free port), Redis URL from argv[3]; prints
 * `{"port":N}` once listening with the Redis connection ready.
 */
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

const port = Number(process.argv[2] ?? 0);
const redisUrl = process.argv[3];
if (!redisUrl) {
  process.stderr.write('usage: node peers/socketio-redis-streams.mjs <port> <redis-url>\n');
  process.exit(2);
}

const redis = new Redis(redisUrl);
redis.on('error', (err) => process.stderr.write(`redis: ${err.message}\n`));
await new Promise((resolve) => redis.once('ready', resolve));

const server = createServer();
const io = new Server(server, { transports: ['websocket'], perMessageDeflate: false, serveClient: false, adapter: createAdapter(redis) });

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
