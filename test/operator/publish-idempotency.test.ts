/**
 * `POST /api/publish` takes `idempotency_key` (issue 15 item 3, as Centrifugo's publish API): a
 * retried request is answered with the original position and `"duplicate": true`, and nothing is
 * published twice; a dialect publisher gets the key; a malformed key is 400.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually } from '../helpers/eventually.js';
import { json, startOperator } from './operator-harness.js';

const TOKEN = 'publish-secret';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const post = (base: string, body: unknown) => fetch(`${base}/api/publish`, { method: 'POST', headers: auth, body: JSON.stringify(body) });

describe('POST /api/publish idempotency_key', () => {
  it('publishes a retried request once and answers the original position', async (t) => {
    const h = await startOperator({ adminToken: TOKEN });
    t.after(() => h.close());
    const nova = h.dialects.find((d) => d.name === 'nova')!;
    await nova.connect('nova:idem');
    const first = await json(await post(h.base, { channel: 'nova:idem', data: { n: 1 }, idempotency_key: 'req-1' }));
    const retry = await json(await post(h.base, { channel: 'nova:idem', data: { n: 1 }, idempotency_key: 'req-1' }));
    const other = await json(await post(h.base, { channel: 'nova:idem', data: { n: 2 }, idempotency_key: 'req-2' }));
    assert.deepEqual(first, { channel: 'nova:idem', offset: 1, epoch: first.epoch });
    assert.deepEqual(retry, { channel: 'nova:idem', offset: 1, epoch: first.epoch, duplicate: true });
    assert.equal(other.offset, 2);
    await eventually(() => nova.received.length === 2, 'two deliveries');
    assert.deepEqual((await h.hub.history('nova:idem')).messages.map((m) => JSON.parse(Buffer.from(m.payload).toString())), [{ n: 1 }, { n: 2 }]);
  });

  it('hands the key to a dialect publisher and refuses a malformed key with 400', async (t) => {
    const keys: unknown[] = [];
    const h = await startOperator({
      adminToken: TOKEN,
      publishers: {
        match: async (_name, _data, options) => {
          keys.push(options.idempotencyKey);
          return { offset: 7, epoch: 'e', duplicate: true };
        },
      },
    });
    t.after(() => h.close());
    const res = await json(await post(h.base, { channel: 'match:m1', data: {}, idempotency_key: 'k:1' }));
    assert.deepEqual(res, { channel: 'match:m1', offset: 7, epoch: 'e', duplicate: true });
    assert.deepEqual(keys, ['k:1']);
    const bad = await post(h.base, { channel: 'match:m1', data: {}, idempotency_key: 'x'.repeat(129) });
    assert.equal(bad.status, 400);
    assert.equal((await json(bad)).error, 'invalid_idempotency_key');
    assert.deepEqual(keys, ['k:1'], 'a refused request reaches no publisher');
  });
});
