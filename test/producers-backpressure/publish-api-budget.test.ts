/**
 * Issue 15 item 2, `POST /api/publish`: publishes in progress on a node are bounded
 * (`operator.publishInflight`). While a real redis-server is stalled (SIGSTOP), requests used to
 * pile up without bound, each holding its body and a pending command; now the first `maxCount`
 * proceed, `maxWaiting` more wait up to `maxWaitMs`, and the rest, then the waiters, get 503
 * `busy` with `Retry-After`. The admitted ones complete once Redis runs again: the channel holds
 * exactly the publishes answered 200.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startRedis, type RedisUnderTest } from '../helpers/redis-server.js';
import { startTestHub, portOf } from '../helpers/streamhub.js';
import { stallRedis } from '../scaleout/fault-traffic.js';

const TOKEN = 'budget-admin-token';
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
  readonly body: { error?: string; offset?: number };
}

it('POST /api/publish during a Redis stall: over the node budget, 503 busy with Retry-After; the admitted publish once Redis is back', async (t) => {
  const hub = await startTestHub({ server: { redisUrl: redis.url }, operator: { adminToken: TOKEN, publishInflight: BUDGET } });
  t.after(() => hub.close());
  const base = `http://127.0.0.1:${portOf(hub, 'operator')}`;
  const publish = async (n: number): Promise<Answer> => {
    const res = await fetch(`${base}/api/publish`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'nova:budget', data: { n } }),
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Answer['body'] };
  };
  assert.equal((await publish(-1)).status, 200); // the broker works before the stall

  const resume = await stallRedis(redis);
  t.after(resume);
  const settled: Answer[] = [];
  const answers = Array.from({ length: REQUESTS }, (_, n) => publish(n).then((a) => (settled.push(a), a)));
  // Every request past the budget is answered while Redis is still stopped.
  const refusals = REQUESTS - BUDGET.maxCount;
  const deadline = Date.now() + 20_000;
  while (settled.length < refusals && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const duringStall = [...settled];
  resume();
  const all = await Promise.all(answers);

  assert.equal(duringStall.length, refusals, `${refusals} requests answered during the stall`);
  for (const a of duringStall) assert.deepEqual([a.status, a.body.error, a.retryAfter], [503, 'busy', '1']);
  const ok = all.filter((a) => a.status === 200);
  assert.equal(ok.length, BUDGET.maxCount, 'the admitted requests are published once Redis runs again');
  const history = await hub.hub.history('nova:budget');
  assert.equal(history.messages.length, 1 + ok.length, 'the channel holds exactly the publishes answered 200');
});
