/**
 * Issue 15 item 2 on a real redis-server (started by the test on a free port): 10,000 messages/s
 * for 5 s through one match ingest connection. Redis round trips keep more publishes in flight
 * than the memory broker; the producer used to be closed 1013 `ingest overloaded` past
 * `ingest.maxInflight`. Now it is slowed, and a renderer gets every message once, in order.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { RedisBroker } from '../../src/brokers/redis.js';
import { startRedis, type RedisUnderTest } from '../helpers/redis-server.js';
import { connect } from '../helpers/ws-client.js';
import { createMatchDialect } from '../../src/dialects/match/index.js';
import { startDialect } from '../helpers/harness.js';
import { matchOptions, stateTimes } from '../match/fixtures.js';
import { account, drained, LOSSLESS_QUEUE, openProducer, runProducer, TIGHT_INGEST } from './ingest-traffic.js';

const RATE = 10_000;
const TOTAL = RATE * 5;

let redis: RedisUnderTest;
before(async () => {
  redis = await startRedis();
});
after(() => redis.stop());

it('redis broker: 10,000 messages/s for 5 s through one ingest connection, nothing lost, not closed', async (t) => {
  // A generous command timeout: on a loaded machine a slow reply must slow the producer, not fail a publish.
  const broker = new RedisBroker({ url: redis.url, commandTimeoutMs: 30_000 });
  const h = await startDialect((ctx) => createMatchDialect(ctx, matchOptions({ ingest: TIGHT_INGEST, queue: LOSSLESS_QUEUE })), { broker });
  t.after(() => h.close());
  const base = `ws://127.0.0.1:${h.port()}`;
  const producer = await openProducer(base, 'fast-redis', async () => (await h.hub.history('match:fast-redis', { limit: 0 })).snapshot !== null);
  t.after(() => producer.close());
  const renderer = await connect(`${base}/v1/match/fast-redis`);
  t.after(() => renderer.close());
  await renderer.until((m) => m.length >= 2); // hello, MatchInit

  const run = runProducer(producer, TOTAL, RATE);
  await run.sent;
  await drained(renderer, producer, TOTAL, 120_000);

  const counts = account(stateTimes(renderer), TOTAL);
  t.diagnostic(`redis broker: ${JSON.stringify(counts)}`);
  assert.deepEqual(run.closes, [], 'the producer was never closed');
  assert.equal(producer.ws.readyState, producer.ws.OPEN);
  assert.deepEqual(producer.messages, [], 'no x_error for a valid producer');
  assert.deepEqual(counts, { received: TOTAL, lost: 0, duplicated: 0, reordered: 0 });
});
