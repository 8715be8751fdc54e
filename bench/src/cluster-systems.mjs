/**
 * The two systems of `--scenarios=cluster` (issue 17), each as N nodes on loopback with the same
 * shape: { label, mode, nodes: [{ pid, port }], redis: [{ pid, port }], subscriberPath(channel),
 * openPublisher(channels), extraRedisReaders(k), stop() }.
 * - StreamHub: M standalone redis-servers (`STREAMHUB_REDIS_URL` with one, `STREAMHUB_REDIS_SHARD_URLS`
 *   with several: src/config/server.ts; coordination then sits on the first shard) and N nodes.
 * - Socket.IO 4.8 + `@socket.io/redis-streams-adapter` (peers/socketio-redis-streams.mjs): N nodes on
 *   one redis-server (the adapter has no sharding: one stream for every room).
 * Every redis-server and node is pinned to `cores` (`--server-cores`, default core 0); loadgen and the
 * bench run on core 1.
 * Producers go through node 0 only (the "ingest node"): StreamHub one `/v1/ingest` connection per
 * match (an ingest connection publishes to the match of its MatchInit), the peer one publisher socket
 * emitting `pub` to each room. So node 0's CPU minus another node's is the ingest cost.
 */
import { connect } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { spawnPinned, stopChild, waitForLine } from './proc.mjs';
import { manyPublishers, socketIoPublisher } from './publishers.mjs';
import { startRedis } from './redis-server.mjs';
import { BENCH_DIR, startStreamHub } from './servers.mjs';


/**
 * `k` plain Redis clients per redis-server reading what every node reads, to price one more
 * reader in Redis (the model's per-node term): StreamHub's pub/sub topics as the nodes subscribed
 * them (`PUBSUB CHANNELS`, so the key layout is whatever src/brokers has now), or the adapter's
 * stream with its own `XREAD BLOCK 5000 COUNT 100` loop.
 */
/** Most XREAD readers (ioredis parses every entry for each, on the bench's core). */
const STREAM_READERS = 16;

export async function pubsubReaders(redis, k) {
  const sockets = [];
  let bytes = 0;
  for (const r of redis) {
    const admin = new Redis(r.url);
    const topics = await admin.pubsub('CHANNELS', '*');
    admin.disconnect();
    if (topics.length === 0) continue;
    // RESP by hand, replies discarded unparsed: the bench's core must not be what slows a reader
    // (Redis would then buffer for it, and that is not what a node costs it)
    const command = `*${topics.length + 1}\r\n$9\r\nSUBSCRIBE\r\n${topics.map((t) => `$${Buffer.byteLength(t)}\r\n${t}\r\n`).join('')}`;
    for (let i = 0; i < k; i++) {
      const socket = connect(r.port, '127.0.0.1');
      socket.on('data', (chunk) => (bytes += chunk.length));
      socket.on('error', () => {});
      socket.write(command);
      sockets.push(socket);
    }
  }
  return { count: sockets.length, received: () => bytes, unit: 'bytes', close: async () => sockets.forEach((s) => s.destroy()) };
}

export async function streamReaders(redis, k, stream = 'socket.io') {
  const clients = [];
  let received = 0;
  let open = true;
  const loops = [];
  for (let i = 0; i < k; i++) {
    const c = new Redis(redis[0].url);
    clients.push(c);
    loops.push(
      (async () => {
        let last = '$';
        while (open) {
          const reply = await c.xread('BLOCK', 5_000, 'COUNT', 100, 'STREAMS', stream, last).catch(() => null);
          const entries = reply?.[0]?.[1] ?? [];
          if (entries.length > 0) last = entries.at(-1)[0];
          received += entries.length;
        }
      })(),
    );
  }
  return {
    count: clients.length,
    received: () => received,
    unit: 'entries',
    close: async () => {
      open = false;
      clients.forEach((c) => c.disconnect());
      await Promise.allSettled(loops);
    },
  };
}

export async function startStreamHubCluster({ nodes, shards, size, cores }) {
  const redis = [];
  const started = [];
  try {
    // started side by side: node start-up (tsx) is most of a layout's wall time
    const servers = await Promise.allSettled(Array.from({ length: shards }, () => startRedis(cores)));
    for (const s of servers) if (s.status === 'fulfilled') redis.push(s.value);
    const failed = servers.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const urls = redis.map((r) => r.url);
    // one Redis: the ordinary deployment; several: the sharded broker (docs/cluster.md §7)
    const env = { STREAMHUB_PROTOCOL_PORT: '0', ...(shards === 1 ? { STREAMHUB_REDIS_URL: urls[0] } : { STREAMHUB_REDIS_SHARD_URLS: urls.join(',') }) };
    const up = await Promise.allSettled(Array.from({ length: nodes }, () => startStreamHub({ size, env, cores })));
    for (const s of up) if (s.status === 'fulfilled') started.push(s.value);
    const down = up.find((s) => s.status === 'rejected');
    if (down) throw down.reason;
  } catch (err) {
    for (const n of started) await n.stop().catch(() => {});
    for (const r of redis) await r.stop();
    throw err;
  }
  const ingest = started[0];
  return {
    label: `StreamHub ${nodes} node${nodes > 1 ? 's' : ''} × ${shards} shard${shards > 1 ? 's' : ''}`,
    system: 'streamhub',
    mode: 'ws',
    nodeCount: nodes,
    shardCount: shards,
    nodes: started.map((n) => ({ pid: n.pid, port: n.port })),
    redis: redis.map((r) => ({ pid: r.pid, port: r.port, url: r.url })),
    subscriberPath: (channel) => started[0].subscriberPath(channel),
    // one ingest connection per match on node 0, each opening with its MatchInit
    openPublisher: (channels) => manyPublishers(channels, (c) => ingest.prepare(c)),
    extraRedisReaders: (k) => pubsubReaders(redis, k),
    async stop() {
      for (const n of started) await n.stop().catch(() => {});
      for (const r of redis) await r.stop();
    },
  };
}

async function startAdapterNode(redisUrl, cores) {
  const child = spawnPinned(cores, process.execPath, [join(BENCH_DIR, 'peers', 'socketio-redis-streams.mjs'), '0', redisUrl], {
    cwd: BENCH_DIR,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const { port } = await waitForLine(child, (v) => typeof v.port === 'number', 30_000, 'socket.io + redis-streams-adapter start');
  return { pid: child.pid, port, stop: () => stopChild(child) };
}

export async function startAdapterCluster({ nodes, size, cores }) {
  const redis = await startRedis(cores);
  const started = [];
  try {
    for (let i = 0; i < nodes; i++) started.push(await startAdapterNode(redis.url, cores));
  } catch (err) {
    for (const n of started) await n.stop();
    await redis.stop();
    throw err;
  }
  return {
    label: `Socket.IO + streams adapter ${nodes} node${nodes > 1 ? 's' : ''} × 1 Redis`,
    system: 'socketio-streams',
    mode: 'sio',
    nodeCount: nodes,
    shardCount: 1,
    nodes: started.map((n) => ({ pid: n.pid, port: n.port })),
    redis: [{ pid: redis.pid, port: redis.port, url: redis.url }],
    subscriberPath: (channel) => `/socket.io/?EIO=4&transport=websocket&room=${channel}`,
    // one publisher socket on node 0, one `pub` event per room
    openPublisher: (channels) => socketIoPublisher(started[0].port, size, channels),
    // each XREAD reader parses its entries in the bench process: at most STREAM_READERS of them
    extraRedisReaders: (k) => streamReaders([redis], Math.min(k, STREAM_READERS)),
    async stop() {
      for (const n of started) await n.stop();
      await redis.stop();
    },
  };
}
