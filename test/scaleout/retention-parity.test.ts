/**
 * Retention parity: the same random sequence of publishes (every kind, varied sizes, times and
 * policies, including lowered bounds that evict many entries at once) goes to the MemoryBroker —
 * the reference (src/core/retained-channel.ts) — and to the RedisBroker; their histories must
 * agree after every step, for plain, `since` and `limit` queries.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MemoryBroker } from '../../src/brokers/memory.js';
import { RedisBroker } from '../../src/brokers/redis.js';
import type { Broker, ChannelHistory, HistoryQuery, Message, MessageKind, RetentionPolicy } from '../../src/core/index.js';
import { Rng } from '../fuzz/gen.js';
import { startRedis } from '../helpers/redis-server.js';

/** Mostly data, so rings fill up and every bound is reached; now and then the kinds that clear them. */
function kindFor(r: number): MessageKind {
  if (r < 0.015) return 'reset';
  if (r < 0.035) return 'snapshot';
  if (r < 0.09) return 'volatile';
  if (r < 0.2) return 'pinned';
  return 'data';
}
const POLICIES: RetentionPolicy[] = [
  { maxMessages: 50, maxBytes: 1 << 20, maxAgeMs: 0, maxPinned: 4, idleTtlMs: 0 },
  { maxMessages: 50, maxBytes: 400, overheadBytes: 16, maxAgeMs: 0, maxPinned: 2, idleTtlMs: 0 },
  { maxMessages: 50, maxBytes: 1 << 20, maxAgeMs: 300, maxPinned: 4, idleTtlMs: 0 },
  { maxMessages: 3, maxBytes: 1 << 20, maxAgeMs: 0, maxPinned: 1, idleTtlMs: 0 },
  { maxMessages: 20, maxBytes: 250, overheadBytes: 4, maxAgeMs: 500, maxPinned: 0, idleTtlMs: 0 },
];

const shape = (h: ChannelHistory) => ({
  top: h.top?.offset ?? null,
  snapshot: h.snapshot ? `${h.snapshot.offset}:${text(h.snapshot)}` : null,
  pinned: h.pinned.map((m) => m.offset),
  messages: h.messages.map((m) => `${m.offset}:${m.kind}:${m.time}:${text(m)}`),
  recovered: h.recovered,
});
const text = (m: Message) => new TextDecoder().decode(m.payload);

async function compare(memory: Broker, redis: Broker, channel: string, query: (epoch: string) => HistoryQuery, step: number) {
  const [hm, hr] = await Promise.all([memory.history(channel), redis.history(channel)]);
  const [qm, qr] = await Promise.all([
    memory.history(channel, query(hm.top?.epoch ?? '')),
    redis.history(channel, query(hr.top?.epoch ?? '')),
  ]);
  assert.deepEqual(shape(hr), shape(hm), `step ${step}: plain history`);
  assert.deepEqual(shape(qr), shape(qm), `step ${step}: history ${JSON.stringify(query('E'))}`);
}

it('keeps exactly what the memory broker keeps, step by step', async (t) => {
  const server = await startRedis();
  t.after(() => server.stop());
  const memory = new MemoryBroker();
  const redis = new RedisBroker({ url: server.url });
  t.after(() => Promise.all([memory.close(), redis.close()]));
  await memory.start(() => {});
  await redis.start(() => {});
  const rng = new Rng(7); // seeded: a failure replays exactly
  const next = () => rng.next();
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  let time = 1_000;
  for (let channelNo = 0; channelNo < POLICIES.length; channelNo++) {
    const channel = `test:parity${channelNo}`;
    for (let step = 0; step < 250; step++) {
      time += Math.floor(next() * 120);
      const kind = kindFor(next());
      const payload = new TextEncoder().encode(`${step}`.padEnd(1 + Math.floor(next() * 60), '.'));
      const policy = step % 40 < 30 ? POLICIES[channelNo % POLICIES.length]! : pick(POLICIES);
      const options = { kind, time, retention: policy };
      const [a, b] = await Promise.all([memory.publish(channel, payload, options), redis.publish(channel, payload, options)]);
      assert.equal(b.offset, a.offset);
      const since = Math.floor(next() * (a.offset + 2));
      const limit = next() < 0.3 ? Math.floor(next() * 6) : undefined;
      await compare(memory, redis, channel, (epoch) => ({ since: { offset: since, epoch }, ...(limit === undefined ? {} : { limit }) }), step);
    }
  }
});
