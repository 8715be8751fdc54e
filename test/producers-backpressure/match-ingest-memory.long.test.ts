/**
 * Issue 15 item 2 on the memory broker: 10,000 messages/s for 5 s through one match ingest
 * connection. The producer used to be closed 1013 `ingest overloaded` once its publishes in flight
 * reached `ingest.maxInflight`, losing what it had written; now reading pauses and resumes, so
 * every message reaches a renderer once, in order, and the producer stays connected.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { connect } from '../helpers/ws-client.js';
import { startMatch, stateTimes } from '../match/fixtures.js';
import { account, drained, LOSSLESS_QUEUE, openProducer, runProducer, TIGHT_INGEST } from './ingest-traffic.js';

const RATE = 10_000;
const TOTAL = RATE * 5;

it('memory broker: 10,000 messages/s for 5 s through one ingest connection, nothing lost, not closed', async (t) => {
  const h = await startMatch({ ingest: TIGHT_INGEST, queue: LOSSLESS_QUEUE });
  t.after(() => h.close());
  const producer = await openProducer(h.base, 'fast-memory', async () => (await h.hub.history('match:fast-memory', { limit: 0 })).snapshot !== null);
  t.after(() => producer.close());
  const renderer = await connect(h.url('fast-memory'));
  t.after(() => renderer.close());
  await renderer.until((m) => m.length >= 2); // hello, MatchInit

  const run = runProducer(producer, TOTAL, RATE);
  await run.sent;
  await drained(renderer, producer, TOTAL, 90_000);

  const counts = account(stateTimes(renderer), TOTAL);
  t.diagnostic(`memory broker: ${JSON.stringify(counts)}`);
  assert.deepEqual(run.closes, [], 'the producer was never closed');
  assert.equal(producer.ws.readyState, producer.ws.OPEN);
  assert.deepEqual(producer.messages, [], 'no x_error for a valid producer');
  assert.deepEqual(counts, { received: TOTAL, lost: 0, duplicated: 0, reordered: 0 });
});
