/**
 * Issue 15 item 2, the nova control API: control `POST`s in progress on a node are bounded
 * (`nova.controlInflight`). While a real redis-server is stalled (SIGSTOP), requests used to pile
 * up without bound; now the first `maxCount` proceed, `maxWaiting` more wait up to `maxWaitMs`,
 * and the rest, then the waiters, get 503 `BUSY` with `Retry-After`. The admitted ones complete
 * once Redis runs again.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { startRedis, type RedisUnderTest } from '../helpers/redis-server.js';
import { startTestHub, portOf } from '../helpers/streamhub.js';
import { START } from '../nova/fixtures.js';
import { stallRedis } from '../scaleout/fault-traffic.js';

const CONTROL_TOKEN = 'budget-control-token';
const BUDGET = { maxCount: 2, maxBytes: 1024 * 1024, maxWaiting: 3, maxWaitMs: 300 };
const REQUESTS = 8;

let redis: RedisUnderTest;
before(async () => {
  redis = await startRedis();
});
after(() => redis.stop());

interface Answer {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly body: { error_code?: string; stream?: { stream_id: string } };
}

it('nova control POSTs during a Redis stall: over the node budget, 503 BUSY with Retry-After; the admitted ones complete once Redis is back', async (t) => {
  const hub = await startTestHub({ server: { redisUrl: redis.url }, nova: { controlToken: CONTROL_TOKEN, controlInflight: BUDGET } });
  t.after(() => hub.close());
  const base = `http://127.0.0.1:${portOf(hub, 'nova')}`;
  const start = async (streamId: string): Promise<Answer> => {
    const res = await fetch(`${base}/api/v1/streams/${streamId}/start`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CONTROL_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(START),
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Answer['body'] };
  };
  assert.equal((await start(randomUUID())).status, 200); // the control API works before the stall

  const resume = await stallRedis(redis);
  t.after(resume);
  const settled: Answer[] = [];
  const answers = Array.from({ length: REQUESTS }, () => start(randomUUID()).then((a) => (settled.push(a), a)));
  const refusals = REQUESTS - BUDGET.maxCount;
  const deadline = Date.now() + 20_000;
  while (settled.length < refusals && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const duringStall = [...settled];
  resume();
  const all = await Promise.all(answers);

  assert.equal(duringStall.length, refusals, `${refusals} requests answered during the stall`);
  for (const a of duringStall) assert.deepEqual([a.status, a.body.error_code, a.retryAfter], [503, 'BUSY', '1']);
  const admitted = all.filter((a) => !duringStall.includes(a));
  assert.deepEqual(admitted.map((a) => a.status), [200, 200], 'the admitted requests complete once Redis runs again');
});
