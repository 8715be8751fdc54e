/**
 * The peer of `--scenarios=redis-publish` (issue 17): Socket.IO 4.8 + `@socket.io/redis-streams-adapter`
 * (peers/socketio-redis-streams.mjs) on a redis-server of its own, at the same rates as StreamHub.
 * `nodes` = 1: one Socket.IO node, the emitter and the subscriber both on it (StreamHub's layout:
 * one node that publishes to Redis and reads it back; the subscriber is served locally, the node's
 * XREAD loop reads every entry all the same). `nodes` = 2: the emitter on node A, the subscriber on
 * node B, so every delivery crosses the Redis stream (the adapter's purpose); two XREAD loops.
 * Redis and the nodes are pinned to core 0, the clients run in the bench process (core 1).
 * Redis CPU per emit = utime + stime of redis-server (/proc) from the first emit to the last
 * delivery ÷ emits, Redis's idle CPU included, as on the StreamHub side.
 */
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { pacedStep, seqTally, stepFields, usPer } from './paced.mjs';
import { sleep, spawnPinned, stopChild, waitForLine } from './proc.mjs';
import { socketIoPublisher } from './publishers.mjs';
import { commandStats, commandsPerMessage, cpuSeconds, redisCli, startRedis } from './redis-server.mjs';
import { BENCH_DIR } from './servers.mjs';

const CORE = 0;
/** Longest wait for the adapter's XREAD loops to be up (the first warm-up emit delivered). */
const WARMUP_MS = 10_000;

/** The adapter is measured only when it is installed (bench/package.json, `npm ci` in bench/). */
export function adapterInstalled() {
  return import('@socket.io/redis-streams-adapter').then(
    () => true,
    () => false,
  );
}

async function startPeer(redisUrl) {
  const child = spawnPinned(CORE, process.execPath, [join(BENCH_DIR, 'peers', 'socketio-redis-streams.mjs'), '0', redisUrl], {
    cwd: BENCH_DIR,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const { port } = await waitForLine(child, (v) => typeof v.port === 'number', 30_000, 'socket.io + redis-streams-adapter start');
  return { port, pid: child.pid, stop: () => stopChild(child) };
}

/** A Socket.IO subscriber of room `bench`, counting the sequences of the `m` events it gets. */
async function openSubscriber(port) {
  const tally = seqTally();
  const socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
  socket.on('m', (msg) => tally.onText(typeof msg?.text === 'string' ? msg.text : ''));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('subscriber: socket.io did not connect in 10 s')), 10_000);
    socket.once('connect', () => (clearTimeout(timer), resolve()));
    socket.once('connect_error', (err) => (clearTimeout(timer), reject(err)));
  });
  return { tally, close: () => socket.close() };
}

/**
 * @returns {Promise<object>} { nodes, idleRedisCpuPerSecond, rates: [{ rate, …stepFields, redisUsPerEmit, nodesUsPerEmit, commands }] }
 */
export async function measureStreamsAdapter({ rates, seconds, size, nodes, log }) {
  const redis = await startRedis(CORE);
  const peers = [];
  const out = { nodes, rates: [] };
  let sub = null;
  let pub = null;
  try {
    for (let i = 0; i < nodes; i++) peers.push(await startPeer(redis.url));
    sub = await openSubscriber(peers.at(-1).port);
    pub = await socketIoPublisher(peers[0].port, size);
    // the adapter starts its XREAD loop (from `$`) once its read connection is up: emit until one arrives
    let seq = 0;
    for (const until = performance.now() + WARMUP_MS; sub.tally.last === 0 && performance.now() < until; ) {
      pub.send(++seq, seq);
      await sleep(50);
    }
    if (sub.tally.last === 0) throw new Error(`the streams adapter delivered nothing in ${WARMUP_MS} ms`);
    for (const until = performance.now() + WARMUP_MS; sub.tally.last < seq && performance.now() < until; ) await sleep(5);
    sub.tally.reset();
    await sleep(500);
    const idle0 = cpuSeconds(redis.pid);
    await sleep(2_000);
    out.idleRedisCpuPerSecond = (cpuSeconds(redis.pid) - idle0) / 2;
    for (const rate of rates) {
      redisCli(redis.port, 'CONFIG', 'RESETSTAT');
      const redis0 = cpuSeconds(redis.pid);
      const nodes0 = peers.map((p) => cpuSeconds(p.pid));
      const step = await pacedStep({ rate, seconds, send: (s) => pub.send(s, s), tally: sub.tally, lastSeq: seq });
      const redisCpu = cpuSeconds(redis.pid) - redis0;
      const nodesCpu = peers.map((p, i) => cpuSeconds(p.pid) - nodes0[i]);
      seq = step.lastSeq;
      const row = {
        ...stepFields(rate, step),
        redisCpuSeconds: Number(redisCpu.toFixed(3)),
        redisUsPerEmit: usPer(redisCpu, step.published),
        // [emitter node, subscriber node] with 2 nodes; [the node] with 1
        nodesUsPerEmit: nodesCpu.map((c) => usPer(c, step.published)),
        commands: commandsPerMessage(commandStats(redis.port), step.published),
      };
      out.rates.push(row);
      log(`  socket.io + streams adapter, ${nodes} node(s), ${rate}/s: Redis ${row.redisUsPerEmit} µs/emit, nodes ${row.nodesUsPerEmit.join(' + ')} µs/emit, ${row.lost} lost (load ${row.loadAvg})`);
      await sleep(500);
    }
  } finally {
    sub?.close();
    await pub?.close();
    for (const p of peers) await p.stop();
    await redis.stop();
  }
  return out;
}
