/**
 * Measures fan-out of real StreamHub processes on one Redis (issue #7; not a test, numbers are
 * never asserted). Run: `node --import tsx test/scaleout/measure-cluster.ts [messages] [viewers]`.
 * For 1 and then 3 nodes: one match producer on node 0 sends `messages` state frames as fast as
 * its socket drains, `viewers` WebSocket viewers are spread round-robin over the nodes, and the
 * run ends when every viewer has the last frame. Prints one JSON line per run: elapsed time,
 * publishes/s, deliveries/s (frames × viewers), Redis CPU seconds and Redis CPU per 100 000
 * messages. The viewers live in this process, so on a small machine they share the CPU with the
 * nodes: compare the two runs, not the absolute figures.
 */
import WebSocket from 'ws';
import { matchInit, state } from '../match/fixtures.js';
import { startProcessCluster } from './node-processes.js';

const MESSAGES = Number(process.argv[2] ?? 5_000);
const VIEWERS = Number(process.argv[3] ?? 30);
const TOKEN = 'measure';
const MATCH = 'measure';

function redisCpu(info: string): number {
  const get = (k: string) => Number(new RegExp(`${k}:([0-9.]+)`).exec(info)?.[1] ?? 0);
  return get('used_cpu_sys') + get('used_cpu_user');
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function run(nodeCount: number): Promise<void> {
  const config = {
    match: { enabled: true, ingest: { token: TOKEN, maxInflight: 100_000 }, perIpMax: 10_000, ringSize: 1_024, replayWindowMs: 3_600_000, idleTtlMs: 600_000, queue: { maxMessages: 1_000_000, maxBytes: 1 << 30, overflow: 'close', stallTimeoutMs: 0 } },
  };
  const cluster = await startProcessCluster(nodeCount, config);
  try {
    const port = (i: number) => cluster.nodes[i % nodeCount]!.port('match');
    const producer = await open(`ws://127.0.0.1:${port(0)}/v1/ingest?token=${TOKEN}`);
    producer.send(JSON.stringify(matchInit(MATCH)));
    producer.send(JSON.stringify(state(0)));
    let viewers: WebSocket[] = [];
    for (;;) {
      try {
        viewers = await Promise.all(Array.from({ length: VIEWERS }, (_, i) => open(`ws://127.0.0.1:${port(i)}/v1/match/${MATCH}`)));
        break;
      } catch {
        for (const v of viewers) v.close();
        await new Promise((r) => setTimeout(r, 50)); // the match is not stored yet
      }
    }
    const last = `"t":${MESSAGES},`;
    let finished = 0;
    const done = new Promise<void>((resolve) => {
      for (const v of viewers) {
        const onMessage = (data: Buffer) => {
          if (!data.toString().includes(last)) return;
          v.off('message', onMessage);
          if (++finished === VIEWERS) resolve();
        };
        v.on('message', onMessage);
      }
    });
    const cpuBefore = redisCpu(await cluster.redis.command('INFO', 'cpu'));
    const started = performance.now();
    for (let t = 1; t <= MESSAGES; t++) {
      producer.send(JSON.stringify(state(t)));
      if (producer.bufferedAmount > 1 << 20) await new Promise<void>((r) => setImmediate(r));
      if (t % 200 === 0) await new Promise<void>((r) => setImmediate(r));
    }
    await done;
    const seconds = (performance.now() - started) / 1_000;
    const cpu = redisCpu(await cluster.redis.command('INFO', 'cpu')) - cpuBefore;
    process.stdout.write(
      `${JSON.stringify({
        nodes: nodeCount,
        viewers: VIEWERS,
        messages: MESSAGES,
        seconds: Number(seconds.toFixed(2)),
        publishesPerSecond: Math.round(MESSAGES / seconds),
        deliveriesPerSecond: Math.round((MESSAGES * VIEWERS) / seconds),
        redisCpuSeconds: Number(cpu.toFixed(3)),
        redisCpuSecondsPer100kMessages: Number(((cpu / MESSAGES) * 100_000).toFixed(2)),
      })}\n`,
    );
    for (const v of viewers) v.close();
    producer.close();
  } finally {
    await cluster.close();
  }
}

await run(1);
await run(3);
