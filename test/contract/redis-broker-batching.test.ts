/**
 * RedisBroker's batched publishes (issue 17): the publishes of one turn go to Redis as one script
 * call per channel, and the script evicts once per run of messages. These check that what Redis
 * keeps is still exactly what the memory broker (the reference, src/core/retained-channel.ts) keeps
 * when publishes come in bursts (mixed kinds, times going back, a retention changing inside a
 * burst), that a listening node gets a burst in offset order, and that a channel written by the
 * earlier script (no ring counters, entries without "b") is taken over without losing its bounds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryBroker } from '../../src/brokers/memory.js';
import { RedisBroker } from '../../src/brokers/redis.js';
import type { Broker, ChannelHistory, Message, MessageKind, RetentionPolicy } from '../../src/core/index.js';
import { Rng } from '../fuzz/gen.js';
import { startRedis, type RedisUnderTest } from '../helpers/redis-server.js';

function kindFor(r: number): MessageKind {
  if (r < 0.01) return 'reset';
  if (r < 0.025) return 'snapshot';
  if (r < 0.08) return 'volatile';
  if (r < 0.2) return 'pinned';
  return 'data';
}

const POLICIES: RetentionPolicy[] = [
  { maxMessages: 7, maxBytes: 1 << 20, maxAgeMs: 0, maxPinned: 3, idleTtlMs: 0 },
  { maxMessages: 50, maxBytes: 300, overheadBytes: 8, maxAgeMs: 0, maxPinned: 2, idleTtlMs: 0 },
  { maxMessages: 50, maxBytes: 1 << 20, maxAgeMs: 400, maxPinned: 4, idleTtlMs: 0 },
  { maxMessages: 12, maxBytes: 500, overheadBytes: 3, maxAgeMs: 600, maxPinned: 1, idleTtlMs: 0 },
];

const text = (m: Message) => new TextDecoder().decode(m.payload);
const shape = (h: ChannelHistory) => ({
  top: h.top?.offset ?? null,
  snapshot: h.snapshot ? `${h.snapshot.offset}:${text(h.snapshot)}` : null,
  pinned: h.pinned.map((m) => m.offset),
  messages: h.messages.map((m) => `${m.offset}:${m.kind}:${m.time}:${text(m)}`),
  recovered: h.recovered,
});

async function assertSameHistory(memory: Broker, redis: Broker, channel: string, what: string) {
  const [hm, hr] = await Promise.all([memory.history(channel), redis.history(channel)]);
  assert.deepEqual(shape(hr), shape(hm), what);
  const since = { offset: Math.max(0, (hm.top?.offset ?? 0) - 5), epoch: '' };
  const [qm, qr] = await Promise.all([
    memory.history(channel, { since: { ...since, epoch: hm.top?.epoch ?? '' }, limit: 3 }),
    redis.history(channel, { since: { ...since, epoch: hr.top?.epoch ?? '' }, limit: 3 }),
  ]);
  assert.deepEqual(shape(qr), shape(qm), `${what} (since, limit)`);
}

/** Script calls Redis ran so far (EVALSHA and EVAL). */
async function scriptCalls(redis: RedisUnderTest): Promise<number> {
  const stats = await redis.command('INFO', 'commandstats');
  return [...stats.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
}

describe('RedisBroker batched publishes (issue 17)', () => {
  let server: RedisUnderTest;
  before(async () => {
    server = await startRedis();
  });
  after(() => server.stop());

  it('keeps exactly what the memory broker keeps when publishes come in bursts', async (t) => {
    const memory = new MemoryBroker();
    const redis = new RedisBroker({ url: server.url });
    t.after(() => Promise.all([memory.close(), redis.close()]));
    await memory.start(() => {});
    await redis.start(() => {});
    const rng = new Rng(17); // seeded: a failure replays exactly
    const next = () => rng.next();
    let time = 1_000;
    let published = 0;
    const calls0 = await scriptCalls(server);
    for (let p = 0; p < POLICIES.length; p++) {
      const channel = `test:burst${p}`;
      for (let burst = 0; burst < 40; burst++) {
        const size = 1 + Math.floor(next() * 30);
        const sent: Promise<[Message, Message]>[] = [];
        for (let i = 0; i < size; i++) {
          // Mostly forward, sometimes back: eviction must still be what one-by-one eviction leaves.
          time += Math.floor(next() * 100) - (next() < 0.15 ? 250 : 0);
          const kind = kindFor(next());
          const payload = new TextEncoder().encode(`${burst}.${i}`.padEnd(1 + Math.floor(next() * 40), '.'));
          // Now and then another retention inside the burst: the batch is cut there, order kept.
          const retention = next() < 0.1 ? POLICIES[Math.floor(next() * POLICIES.length)]! : POLICIES[p]!;
          const options = { kind, time, retention };
          sent.push(Promise.all([memory.publish(channel, payload, options), redis.publish(channel, payload, options)]));
        }
        published += size;
        for (const [a, b] of await Promise.all(sent)) assert.equal(b.offset, a.offset, `burst ${burst}: offsets in publish order`);
        await assertSameHistory(memory, redis, channel, `policy ${p}, burst ${burst}`);
      }
    }
    const calls = (await scriptCalls(server)) - calls0;
    assert.ok(calls < published / 2, `publishes of one turn share script calls (${calls} calls for ${published} publishes)`);
  });

  it('delivers a burst to a listening node once each, in offset order', async (t) => {
    const got: Message[] = [];
    const listener = new RedisBroker({ url: server.url });
    const publisher = new RedisBroker({ url: server.url });
    t.after(() => Promise.all([listener.close(), publisher.close()]));
    await listener.start((m) => got.push(m));
    await publisher.start(() => {});
    await listener.subscribe('test:frame');
    const retention = POLICIES[0]!;
    await Promise.all(Array.from({ length: 100 }, (_, i) => publisher.publish('test:frame', new TextEncoder().encode(`m${i}`), { retention })));
    for (const until = Date.now() + 10_000; got.length < 100 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(got.map((m) => m.offset), Array.from({ length: 100 }, (_, i) => i + 1));
    assert.deepEqual(got.map(text), Array.from({ length: 100 }, (_, i) => `m${i}`));
    assert.equal(listener.stats().filled, 0, 'from pub/sub, not from gap fills');
  });

  it('takes over a channel written before issue 17 (no ring counters, entries without "b") with its bounds intact', async (t) => {
    const memory = new MemoryBroker();
    const redis = new RedisBroker({ url: server.url });
    t.after(() => Promise.all([memory.close(), redis.close()]));
    await memory.start(() => {});
    await redis.start(() => {});
    const channel = 'test:legacy';
    const retention: RetentionPolicy = { maxMessages: 6, maxBytes: 90, overheadBytes: 2, maxAgeMs: 0, maxPinned: 2, idleTtlMs: 0 };
    const publishBoth = async (i: number, kind: MessageKind = 'data') => {
      const options = { kind, time: 1_000 + i, retention };
      const payload = new TextEncoder().encode(`L${i}`.padEnd(5 + (i % 9), '.'));
      const [a, b] = await Promise.all([memory.publish(channel, payload, options), redis.publish(channel, payload, options)]);
      assert.equal(b.offset, a.offset);
    };
    for (let i = 0; i < 5; i++) await publishBoth(i, i === 2 ? 'pinned' : 'data');
    // Rewrite the channel as the earlier script left it: meta ep, seq, bytes; ring entries with field e only.
    const meta = `streamhub:{${channel}}:meta`;
    const ring = `streamhub:{${channel}}:ring`;
    const toLegacy = `
      local m = redis.call('HMGET', KEYS[1], 'cum', 'hb', 'ob')
      local entries = redis.call('XRANGE', KEYS[2], '-', '+')
      redis.call('DEL', KEYS[2])
      for _, e in ipairs(entries) do redis.call('XADD', KEYS[2], e[1], 'e', e[2][2]) end
      redis.call('HSET', KEYS[1], 'bytes', tonumber(m[1]) - tonumber(m[2]) + tonumber(m[3]))
      return redis.call('HDEL', KEYS[1], 'n', 'cum', 'hb', 'ob', 'ht')`;
    assert.match(await server.command('EVAL', toLegacy, '2', meta, ring), /^:5/);
    await assertSameHistory(memory, redis, channel, 'after the rewrite');
    for (let i = 5; i < 30; i++) {
      await publishBoth(i, i % 7 === 0 ? 'pinned' : 'data');
      await assertSameHistory(memory, redis, channel, `publish ${i} on the old layout`);
    }
    assert.match(await server.command('HEXISTS', meta, 'lg'), /^:0/, 'the old entries are gone: the channel is on the new layout');
  });
});
