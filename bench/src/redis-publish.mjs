/**
 * `--scenarios=redis-publish` (issue 17): Redis CPU per publish of a StreamHub node on Redis, at fixed
 * publish rates, beside Socket.IO 4.8 + `@socket.io/redis-streams-adapter` at the same rates in the
 * same run (src/redis-peer.mjs), and the node's ingest on the memory broker at those rates too.
 * StreamHub side: a redis-server of the bench's own (free loopback port, no persistence) and one
 * StreamHub (match dialect, `STREAMHUB_REDIS_URL` set) both pinned to core 0; one producer connection
 * on `/v1/ingest` and one viewer on `/v1/match/<id>` in the bench process (core 1), so the node is
 * subscribed and every publish also crosses pub/sub. Per rate: `--duration` seconds of paced
 * publishes (every 1 ms, what is due), then a wait (at most 30 s) until the viewer holds them all
 * (src/paced.mjs). Redis CPU is utime + stime of the redis-server process (/proc/<pid>/stat) from
 * the first publish to the last delivery, divided by the publishes; so is StreamHub's. Redis's idle
 * CPU per second is measured once before the steps (with nothing published) and reported beside them.
 * Ingest (issue 17's second target: ≥ 40,000/s on the memory broker, ≥ 25,000/s on Redis, one
 * producer connection, zero loss): every row carries the delivered rate, first publish to last
 * delivery; `--redis-rates=25000,40000` asks for those rates.
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { loadAvg, pacedStep, seqTally, stepFields, usPer } from './paced.mjs';
import { sleep } from './proc.mjs';
import { adapterInstalled, measureStreamsAdapter } from './redis-peer.mjs';
import { commandStats, commandsPerMessage, cpuSeconds, redisCli, startRedis } from './redis-server.mjs';
import { ROOT_DIR, startStreamHub } from './servers.mjs';

const REDIS_CORE = 0;
const CHANNEL = 'redisbench';
/** A step "holds" its rate when nothing is lost and delivered/s (first publish to last delivery) is at least this share of the rate asked. */
const HOLD_SHARE = 0.98;

/** One viewer counting the sequences it got (in order, no duplicate). */
function openViewer(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const tally = seqTally();
    ws.on('message', (data) => tally.onText(String(data)));
    ws.once('open', () => resolve({ tally, ws }));
    ws.once('error', reject);
  });
}

/**
 * StreamHub's publish script alone (src/brokers/redis-publish.lua, sent with EVALSHA as the broker
 * does), one call at a time, `messages` 200-byte data messages per batch size: Redis CPU per
 * message against the number of messages per call, with the match dialect's retention
 * (ring 1 024, 64 MiB, 60 s, idle TTL 60 s) and one pub/sub subscriber.
 */
async function measureScriptBatches(sizes, messages, size, log) {
  const redis = await startRedis(REDIS_CORE);
  const rows = [];
  const client = new Redis(redis.url);
  const listener = new Redis(redis.url);
  try {
    await listener.subscribe('streamhub:pub:match:sweep');
    const sha = await client.script('LOAD', readFileSync(`${ROOT_DIR}/src/brokers/redis-publish.lua`, 'latin1'));
    const keys = ['meta', 'ring', 'snap', 'pin', 'idem', 'idemt'].map((k) => `streamhub:{match:sweep}:${k}`);
    const head = ['match:sweep', 'streamhub:pub:match:sweep', '1024', String(64 << 20), '0', '60000', '512', '60000', 'bench0epoch0', '300000', '10000'];
    const payload = 'x'.repeat(size);
    let t = 0;
    const run = async (batch, n) => {
      for (let done = 0; done < n; done += batch) {
        // ARGV[12]: the batch packed as redis-publish.lua reads it (kind, time, publishedAt, idempotency key, length, payload)
        let packed = '';
        for (let i = 0; i < batch; i++) packed += `0\0${++t}\0${Date.now()}\0\0${payload.length}\0${payload}`;
        await client.evalsha(sha, keys.length, ...keys, ...head, packed);
      }
    };
    await run(16, 5_000); // warm: the ring full, the script compiled
    for (const batch of sizes) {
      const n = Math.ceil(messages / batch) * batch;
      const cpu0 = cpuSeconds(redis.pid);
      await run(batch, n);
      rows.push({ messagesPerCall: batch, messages: n, redisUsPerMessage: usPer(cpuSeconds(redis.pid) - cpu0, n) });
      log(`  script alone, ${batch} per call: Redis ${rows.at(-1).redisUsPerMessage} µs/message`);
    }
  } finally {
    client.disconnect();
    listener.disconnect();
    await redis.stop();
  }
  return rows;
}

/**
 * One StreamHub node at each rate; on its own redis-server when `withRedis`, else on the memory broker.
 * @returns {Promise<object>} { idleRedisCpuPerSecond?, rates: [{ rate, …stepFields, nodeUsPerPublish, redisUsPerPublish?, … }] }
 */
async function measureStreamHub({ withRedis, opts, log }) {
  const redis = withRedis ? await startRedis(REDIS_CORE) : null;
  const out = { broker: withRedis ? 'redis' : 'memory', rates: [] };
  let node = null;
  try {
    // STREAMHUB_PROTOCOL_PORT: the streamhub dialect (issue 18) on a free port, beside any other StreamHub
    const env = { STREAMHUB_PROTOCOL_PORT: '0', ...(redis ? { STREAMHUB_REDIS_URL: redis.url } : {}) };
    node = await startStreamHub({ size: opts.size, profile: opts.profile, env });
    const pub = await node.prepare(CHANNEL);
    await sleep(300); // the MatchInit is published before a viewer may join
    const viewer = await openViewer(`ws://127.0.0.1:${node.port}${node.subscriberPath(CHANNEL)}`);
    await sleep(500);
    if (redis) {
      const idle0 = cpuSeconds(redis.pid);
      await sleep(2_000);
      out.idleRedisCpuPerSecond = (cpuSeconds(redis.pid) - idle0) / 2;
    }
    let seq = 0;
    for (const rate of opts.redisRates) {
      if (redis) redisCli(redis.port, 'CONFIG', 'RESETSTAT');
      const redis0 = redis ? cpuSeconds(redis.pid) : 0;
      const node0 = cpuSeconds(node.pid);
      // the match time rises with the sequence (t = 1000 + seq ms)
      const step = await pacedStep({ rate, seconds: opts.stepSeconds, send: (s) => pub.send(s, 1_000 + s), tally: viewer.tally, lastSeq: seq });
      seq = step.lastSeq;
      const row = { ...stepFields(rate, step), nodeUsPerPublish: usPer(cpuSeconds(node.pid) - node0, step.published) };
      row.holds = row.lost === 0 && row.deliveredPerSecond >= HOLD_SHARE * rate;
      if (redis) {
        const redisCpu = cpuSeconds(redis.pid) - redis0;
        const stats = commandStats(redis.port);
        const calls = (stats.evalsha?.calls ?? 0) + (stats.eval?.calls ?? 0);
        Object.assign(row, {
          redisCpuSeconds: Number(redisCpu.toFixed(3)),
          redisUsPerPublish: usPer(redisCpu, step.published),
          scriptCalls: calls,
          publishesPerScriptCall: calls > 0 ? Number((step.published / calls).toFixed(1)) : null,
          commands: commandsPerMessage(stats, step.published),
        });
      }
      row.publisherErrors = pub.errors.slice(0, 3);
      out.rates.push(row);
      log(
        `  StreamHub on ${out.broker}, ${rate}/s: ${redis ? `Redis ${row.redisUsPerPublish} µs/publish, ` : ''}node ${row.nodeUsPerPublish} µs/publish, ` +
          `delivered ${row.deliveredPerSecond}/s, ${row.lost} lost (load ${row.loadAvg})`,
      );
      await sleep(500);
    }
    viewer.ws.close();
    await pub.close();
  } finally {
    if (node) await node.stop().catch((err) => log(`stopping streamhub: ${err.message}`));
    await redis?.stop();
  }
  return out;
}

/**
 * @returns {Promise<object>} { rates (StreamHub on Redis), idleRedisCpuPerSecond, memory, peer: { measured, note, nodes: [1 node, 2 nodes] }, scriptBatches }
 */
export async function measureRedisPublish({ opts, log }) {
  const loadAvgAtStart = loadAvg();
  const onRedis = await measureStreamHub({ withRedis: true, opts, log });
  const out = { payloadBytes: opts.size, seconds: opts.stepSeconds, loadAvgAtStart, rates: onRedis.rates, idleRedisCpuPerSecond: onRedis.idleRedisCpuPerSecond };
  out.memory = await measureStreamHub({ withRedis: false, opts, log });
  if (await adapterInstalled()) {
    out.peer = { measured: true, note: 'Socket.IO 4.8 + @socket.io/redis-streams-adapter (ioredis, adapter defaults), measured in this run', nodes: [] };
    for (const nodes of [1, 2]) {
      out.peer.nodes.push(await measureStreamsAdapter({ rates: opts.redisRates, seconds: opts.stepSeconds, size: opts.size, nodes, log }));
    }
  } else {
    out.peer = { measured: false, note: '@socket.io/redis-streams-adapter is not installed (run `npm ci` in bench/): peer not measured in this run', nodes: [] };
  }
  out.scriptBatches = await measureScriptBatches([1, 4, 16, 64, 256], 40_000, opts.size, log);
  return out;
}

const yes = (b) => (b ? 'yes' : 'no');
/** Redis's own command time per message (INFO commandstats), summed over the commands (every one top-level: the peer's). */
const commandUs = (commands) => (commands ? Object.values(commands).reduce((n, c) => n + c.usPerMessage, 0).toFixed(2) : '—');
/** The script's time per message: EVALSHA/EVAL only, whose usec already holds the commands it calls (listed apart too). */
const scriptUs = (commands) => (commands ? ((commands.evalsha?.usPerMessage ?? 0) + (commands.eval?.usPerMessage ?? 0)).toFixed(2) : '—');

/** The scenario's Markdown section. */
export function renderRedisPublish(r) {
  const lines = [
    '## Redis CPU per publish (issue 17, `--scenarios=redis-publish`)',
    '',
    `One StreamHub node on its own redis-server, ${r.payloadBytes}-byte match messages from one ingest connection, one viewer; ` +
      `${r.seconds} s per rate (load average at the start: ${r.loadAvgAtStart}). Redis CPU = utime + stime of redis-server (/proc) from the first publish to the last delivery ÷ publishes ` +
      `(Redis idle: ${(r.idleRedisCpuPerSecond * 1000).toFixed(1)} ms CPU per second, included). Delivered/s = delivered ÷ (first publish → last delivery); ` +
      `holds = nothing lost and delivered/s ≥ ${HOLD_SHARE * 100} % of the rate asked. "In EVALSHA" / "in commands": Redis's own time in the script / in every command (INFO commandstats usec, a wall time: it also counts any preemption of redis-server on its shared core); the rest of the CPU is its network and event-loop work. Peer: ${r.peer.note}.`,
    '',
    '| publishes/s asked | sent/s | delivered/s | holds | Redis µs per publish | in EVALSHA | publishes per script call | StreamHub node µs per publish | lost | out of order | s to drain | load avg |',
    '| ---: | ---: | ---: | :-: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const x of r.rates) {
    lines.push(
      `| ${x.rate} | ${x.achievedPerSecond} | ${x.deliveredPerSecond} | ${yes(x.holds)} | ${x.redisUsPerPublish} | ${scriptUs(x.commands)} | ${x.publishesPerScriptCall ?? '—'} | ${x.nodeUsPerPublish} | ${x.lost} | ${x.disorder} | ${x.drainSeconds} | ${x.loadAvg} |`,
    );
  }
  for (const p of r.peer.nodes ?? []) {
    const layout =
      p.nodes === 1
        ? 'one node, emitter and subscriber on it'
        : 'emitter on node A, subscriber on node B (every delivery crosses the stream; the stream is trimmed at MAXLEN ~ 10000, so ' +
          'entries node B has not read when they are trimmed are skipped without notice: they count as lost)';
    lines.push(
      '',
      `Socket.IO 4.8 + @socket.io/redis-streams-adapter, ${layout}, its own redis-server (Redis idle: ${(p.idleRedisCpuPerSecond * 1000).toFixed(1)} ms CPU per second, included):`,
      '',
      `| emits/s | sent/s | delivered/s | Redis µs per emit | in commands | node${p.nodes > 1 ? 's A + B' : ''} µs per emit | XADD, XREAD per emit | lost | out of order | s to drain | StreamHub Redis µs ÷ this | load avg |`,
      '| ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |',
    );
    for (const a of p.rates) {
      const mine = r.rates.find((x) => x.rate === a.rate);
      a.streamHubRatio = mine ? Number((mine.redisUsPerPublish / a.redisUsPerEmit).toFixed(2)) : null;
      const calls = `${a.commands.xadd?.callsPerMessage ?? 0}, ${a.commands.xread?.callsPerMessage ?? 0}`;
      lines.push(
        `| ${a.rate} | ${a.achievedPerSecond} | ${a.deliveredPerSecond} | ${a.redisUsPerEmit} | ${commandUs(a.commands)} | ${a.nodesUsPerEmit.join(' + ')} | ${calls} | ${a.lost} | ${a.disorder} | ${a.drainSeconds} | ${a.streamHubRatio ?? '—'} | ${a.loadAvg} |`,
      );
    }
  }
  if (r.memory?.rates?.length) {
    lines.push(
      '',
      'The same StreamHub node on the memory broker (no Redis), same rates: ingest of one producer connection.',
      '',
      '| publishes/s asked | sent/s | delivered/s | holds | node µs per publish | lost | out of order | s to drain | load avg |',
      '| ---: | ---: | ---: | :-: | ---: | ---: | ---: | ---: | --- |',
    );
    for (const x of r.memory.rates) {
      lines.push(`| ${x.rate} | ${x.achievedPerSecond} | ${x.deliveredPerSecond} | ${yes(x.holds)} | ${x.nodeUsPerPublish} | ${x.lost} | ${x.disorder} | ${x.drainSeconds} | ${x.loadAvg} |`);
    }
  }
  if (r.scriptBatches?.length) {
    lines.push(
      '',
      'The publish script alone (EVALSHA of src/brokers/redis-publish.lua, one call at a time, match retention, one pub/sub subscriber), ' +
        'Redis CPU per message against messages per call:',
      '',
      `| messages per call | ${r.scriptBatches.map((b) => b.messagesPerCall).join(' | ')} |`,
      `| --- | ${r.scriptBatches.map(() => '---:').join(' | ')} |`,
      `| Redis µs per message | ${r.scriptBatches.map((b) => b.redisUsPerMessage).join(' | ')} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
