/**
 * Measures the Redis broker on this machine (not a test: numbers are never asserted, STYLE.md).
 * Run: `node --import tsx test/scaleout/measure-redis.ts` — prints one JSON line per measurement:
 * Redis memory per retained message, and publish → deliver throughput with 1 and 3 listening nodes,
 * with the Redis CPU seconds spent per 100k messages.
 */
import { execFileSync } from 'node:child_process';
import { RedisBroker } from '../../src/brokers/redis.js';
import type { RetentionPolicy } from '../../src/core/index.js';
import { startRedis } from '../helpers/redis-server.js';

const cli = (port: number, ...args: string[]) => execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).trim();
const redisCpu = (port: number) => {
  const info = cli(port, 'INFO', 'cpu');
  const get = (k: string) => Number(new RegExp(`${k}:([0-9.]+)`).exec(info)![1]);
  return get('used_cpu_sys') + get('used_cpu_user');
};
const RETAIN: RetentionPolicy = { maxMessages: 1_000, maxBytes: 1 << 30, maxAgeMs: 0, maxPinned: 10, idleTtlMs: 0 };

const redis = await startRedis();
try {
  // Memory: one channel, 1 000 ring entries, 10 pinned, one snapshot, for two payload sizes.
  for (const size of [100, 1_000]) {
    const b = new RedisBroker({ url: redis.url });
    await b.start(() => {});
    const ch = `match:mem${size}`;
    const payload = new Uint8Array(size).fill(120);
    await b.publish(ch, payload, { retention: RETAIN, kind: 'snapshot' });
    for (let i = 0; i < 10; i++) await b.publish(ch, payload, { retention: RETAIN, kind: 'pinned' });
    for (let i = 0; i < 2_000; i++) await b.publish(ch, payload, { retention: RETAIN });
    const usage = (key: string) => Number(cli(redis.port, 'MEMORY', 'USAGE', `streamhub:{${ch}}:${key}`, 'SAMPLES', '0'));
    const ring = usage('ring');
    console.log(JSON.stringify({
      measure: 'memory', payloadBytes: size, ringEntries: 1_000, ringBytes: ring, perRingEntry: Math.round(ring / 1_000),
      pinnedListBytes: usage('pin'), perPinned: Math.round(usage('pin') / 10), snapshotBytes: usage('snap'), metaBytes: usage('meta'),
    }));
    await b.close();
  }
  // Throughput: one publisher node keeps 256 publishes in flight; N nodes listen.
  for (const nodes of [1, 3]) {
    const total = 100_000;
    const listeners: RedisBroker[] = [];
    let received = 0;
    let resolveAll: () => void = () => {};
    const all = new Promise<void>((r) => (resolveAll = r));
    for (let i = 0; i < nodes; i++) {
      const l = new RedisBroker({ url: redis.url });
      await l.start(() => {
        if (++received === total * nodes) resolveAll();
      });
      await l.subscribe(`match:tp${nodes}`);
      listeners.push(l);
    }
    const pub = new RedisBroker({ url: redis.url });
    await pub.start(() => {});
    const payload = new Uint8Array(100).fill(120);
    const cpu0 = redisCpu(redis.port);
    const t0 = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: 256 }, async () => {
      while (next < total) {
        next += 1;
        await pub.publish(`match:tp${nodes}`, payload, { retention: RETAIN });
      }
    }));
    const published = performance.now();
    await all;
    const done = performance.now();
    const cpu = redisCpu(redis.port) - cpu0;
    console.log(JSON.stringify({
      measure: 'throughput', listeningNodes: nodes, messages: total, payloadBytes: 100,
      publishPerSec: Math.round(total / ((published - t0) / 1000)), deliveredPerSecPerNode: Math.round(total / ((done - t0) / 1000)),
      redisCpuSecondsPer100k: Number(((cpu * 100_000) / total).toFixed(2)),
    }));
    await Promise.all([pub.close(), ...listeners.map((l) => l.close())]);
  }
} finally {
  await redis.stop();
}
