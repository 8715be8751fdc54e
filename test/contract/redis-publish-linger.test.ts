/**
 * RedisBroker's publish linger (issue 17, `publishLingerMs`, REDIS.md "Publish"): a channel that
 * sent a script call within the linger holds its next publishes until the linger has passed, so they
 * share one call; another channel is not held by it; and the setting is bounded. The assertions
 * count script calls and the order in which publishes resolve, never durations.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RedisBroker } from '../../src/brokers/redis.js';
import type { RetentionPolicy } from '../../src/core/index.js';
import { startRedis, type RedisUnderTest } from '../helpers/redis-server.js';

const RETENTION: RetentionPolicy = { maxMessages: 100, maxBytes: 1 << 20, maxAgeMs: 0, maxPinned: 0, idleTtlMs: 0 };
const bytes = (s: string) => new TextEncoder().encode(s);
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Script calls Redis ran so far (EVALSHA and EVAL). */
async function scriptCalls(redis: RedisUnderTest): Promise<number> {
  const stats = await redis.command('INFO', 'commandstats');
  return [...stats.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
}

describe('RedisBroker publish linger (issue 17)', () => {
  let server: RedisUnderTest;
  before(async () => {
    server = await startRedis();
  });
  after(() => server.stop());

  it('sends the publishes of later turns inside the linger as one script call, in order', async (t) => {
    // The longest linger allowed: the five turns below happen well inside it.
    const broker = new RedisBroker({ url: server.url, publishLingerMs: 1_000 });
    t.after(() => broker.close());
    await broker.start(() => {});
    // A quiet channel's burst is sent at once, as one call of two: from then on the channel lingers.
    await Promise.all([broker.publish('t:linger', bytes('first'), { retention: RETENTION }), broker.publish('t:linger', bytes('second'), { retention: RETENTION })]);
    const calls0 = await scriptCalls(server);
    const later: Promise<{ offset: number }>[] = [];
    for (let i = 0; i < 5; i++) {
      // Each in its own turn: without the linger the first goes alone (no call in flight), so ≥ 2 calls.
      later.push(broker.publish('t:linger', bytes(`m${i}`), { retention: RETENTION }));
      await nextTurn();
    }
    const offsets = (await Promise.all(later)).map((m) => m.offset);
    assert.deepEqual(offsets, [3, 4, 5, 6, 7]);
    assert.equal((await scriptCalls(server)) - calls0, 1, 'five publishes inside the linger share one script call');
    const h = await broker.history('t:linger');
    assert.deepEqual(h.messages.map((m) => new TextDecoder().decode(m.payload)), ['first', 'second', 'm0', 'm1', 'm2', 'm3', 'm4']);
  });

  it('holds only the channel that sent a burst within the linger, and sends a full batch at once', async (t) => {
    const broker = new RedisBroker({ url: server.url, publishLingerMs: 1_000, publishBatchMessages: 3 });
    t.after(() => broker.close());
    await broker.start(() => {});
    await Promise.all([broker.publish('t:busy', bytes('a'), { retention: RETENTION }), broker.publish('t:busy', bytes('a2'), { retention: RETENTION })]);
    let held = false;
    const lingering = broker.publish('t:busy', bytes('b'), { retention: RETENTION }).then(() => {
      held = true;
    });
    await nextTurn();
    // Another channel has not sent within the linger: it goes at the end of its turn.
    await broker.publish('t:quiet', bytes('x'), { retention: RETENTION });
    assert.equal(held, false, "the busy channel's publish is still held by its linger when the quiet channel's is done");
    // Reaching publishBatchMessages sends the batch without waiting for the linger.
    const full = [broker.publish('t:busy', bytes('c'), { retention: RETENTION }), broker.publish('t:busy', bytes('d'), { retention: RETENTION })];
    await Promise.all([lingering, ...full]);
    const h = await broker.history('t:busy');
    assert.deepEqual(h.messages.map((m) => m.offset), [1, 2, 3, 4, 5]);
  });

  it('never holds a producer that waits for each answer (every call carries one message)', async (t) => {
    const broker = new RedisBroker({ url: server.url, publishLingerMs: 1_000 });
    t.after(() => broker.close());
    await broker.start(() => {});
    // A bursting channel, held by its linger while the sequential producer below runs.
    await Promise.all([broker.publish('t:burst', bytes('a'), { retention: RETENTION }), broker.publish('t:burst', bytes('b'), { retention: RETENTION })]);
    let held = true;
    const lingering = broker.publish('t:burst', bytes('c'), { retention: RETENTION }).then(() => {
      held = false;
    });
    const calls0 = await scriptCalls(server);
    for (let i = 1; i <= 5; i++) {
      const m = await broker.publish('t:sequential', bytes(`s${i}`), { retention: RETENTION });
      assert.equal(m.offset, i);
    }
    assert.equal(held, true, 'five awaited publishes, one call each, were not held by the linger');
    assert.equal((await scriptCalls(server)) - calls0, 5);
    await lingering;
  });

  it('refuses a linger outside 0–1000 ms', () => {
    for (const publishLingerMs of [-1, 1_001, Number.NaN]) {
      assert.throws(() => new RedisBroker({ url: server.url, publishLingerMs }), /publishLingerMs/);
    }
  });
});
