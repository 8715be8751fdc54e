import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import { ErrorCode, StreamHubError } from '../../src/errors.js';
import { eventually } from '../helpers/eventually.js';
import { RETENTION, json, startOperator, type OperatorHarness } from './operator-harness.js';

const TOKEN = 'publish-secret';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

function post(base: string, body: unknown, headers: Record<string, string> = auth) {
  return fetch(`${base}/api/publish`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

describe('POST /api/publish (operator listener)', () => {
  it('answers 503 without a configured token, 401 on a wrong one, 405 on GET', async (t) => {
    const off = await startOperator();
    t.after(() => off.close());
    assert.equal((await post(off.base, { channel: 'nova:x', data: 1 })).status, 503);
    const on = await startOperator({ adminToken: TOKEN });
    t.after(() => on.close());
    const wrong = await post(on.base, { channel: 'nova:x', data: 1 }, { authorization: 'Bearer nope' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('www-authenticate'), 'Bearer');
    assert.equal((await post(on.base, { channel: 'nova:x', data: 1 }, {})).status, 401);
    const get = await fetch(`${on.base}/api/publish`, { headers: auth });
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
  });

  it('publishes through the hub for a dialect without a publisher, and a subscriber receives it', async (t) => {
    const h = await startOperator({ adminToken: TOKEN });
    t.after(() => h.close());
    const nova = h.dialects.find((d) => d.name === 'nova')!;
    await nova.connect('nova:stream-1');
    const res = await post(h.base, { channel: 'nova:stream-1', data: { event: 'hello', data: { n: 1 } } });
    assert.equal(res.status, 200);
    const body = await json(res);
    assert.equal(body.channel, 'nova:stream-1');
    assert.equal(body.offset, 1);
    assert.equal(typeof body.epoch, 'string');
    await eventually(() => nova.received.length === 1, 'delivery');
    assert.deepEqual(JSON.parse(Buffer.from(nova.received[0]!.payload).toString()), { event: 'hello', data: { n: 1 } });
    // text and base64 encodings carry the bytes as given (binary dialects such as relay).
    await post(h.base, { channel: 'nova:stream-1', data: 'plain words', encoding: 'text' });
    await post(h.base, { channel: 'nova:stream-1', data: Buffer.from([0, 1, 2, 255]).toString('base64'), encoding: 'base64' });
    await eventually(() => nova.received.length === 3, 'three deliveries');
    assert.equal(Buffer.from(nova.received[1]!.payload).toString(), 'plain words');
    assert.deepEqual([...nova.received[2]!.payload], [0, 1, 2, 255]);
    // The hub path uses operator.publishRetention: history is kept for late joiners.
    const history = await h.hub.history('nova:stream-1');
    assert.equal(history.messages.length, 3);
  });

  it('hands the payload to the dialect publisher when one is supplied, and maps its refusals', async (t) => {
    const calls: [string, unknown][] = [];
    const h: OperatorHarness = await startOperator({
      adminToken: TOKEN,
      publishers: {
        match: async (name, data) => {
          if ((data as { type?: string }).type !== 'match.init') throw new StreamHubError(ErrorCode.invalidMessage, 'not a spec message');
          calls.push([name, data]);
          return { offset: 7, epoch: 'e1' };
        },
        nova: async () => {
          throw new StreamHubError(ErrorCode.notFound, 'no such stream');
        },
        relay: async (name, data) => {
          // A publisher that resolves with nothing, as MatchDialect.publish does.
          await h.hub.publish(`relay:${name}`, Buffer.from(JSON.stringify(data)), { retention: RETENTION });
        },
      },
    }, { dialectNames: ['match', 'nova', 'relay'] });
    t.after(() => h.close());
    const ok = await post(h.base, { channel: 'match:demo', data: { type: 'match.init' } });
    assert.equal(ok.status, 200);
    assert.deepEqual(await json(ok), { channel: 'match:demo', offset: 7, epoch: 'e1' });
    assert.deepEqual(calls, [['demo', { type: 'match.init' }]]);
    const bad = await post(h.base, { channel: 'match:demo', data: { type: 'nonsense' } });
    assert.equal(bad.status, 400);
    assert.equal((await json(bad)).message, 'not a spec message');
    assert.equal((await post(h.base, { channel: 'nova:x', data: {} })).status, 404);
    const relay = await json(await post(h.base, { channel: 'relay:cam', data: { n: 1 } }));
    assert.equal(relay.offset, 1);
    assert.equal(typeof relay.epoch, 'string');
  });

  it('answers 400 for bad bodies and 404 for a dialect that is not running', async (t) => {
    const h = await startOperator({ adminToken: TOKEN }, { dialectNames: ['match', 'nova'] });
    t.after(() => h.close());
    const cases: [unknown, number, string][] = [
      ['{not json', 400, 'invalid_json'],
      [[1, 2], 400, 'invalid_body'],
      [{ data: 1 }, 400, 'invalid_channel'],
      [{ channel: 'no-colon', data: 1 }, 400, 'invalid_channel'],
      [{ channel: 'nova:has space', data: 1 }, 400, 'invalid_channel'],
      [{ channel: 'nova:x' }, 400, 'missing_data'],
      [{ channel: 'nova:x', data: 1, encoding: 'zip' }, 400, 'invalid_encoding'],
      [{ channel: 'nova:x', data: 5, encoding: 'text' }, 400, 'invalid_data'],
      [{ channel: 'nova:x', data: '%%%', encoding: 'base64' }, 400, 'invalid_data'],
      [{ channel: 'relay:x', data: 1 }, 404, 'unknown_dialect'],
    ];
    for (const [body, status, error] of cases) {
      const res = await post(h.base, body);
      assert.equal(res.status, status, JSON.stringify(body));
      assert.equal((await json(res)).error, error);
    }
  });

  it('bounds the body: 413 by Content-Length and for a chunked body that grows past the limit', async (t) => {
    const h = await startOperator({ adminToken: TOKEN, maxPublishBytes: 1024 });
    t.after(() => h.close());
    const big = { channel: 'nova:x', data: 'y'.repeat(2000) };
    const res = await post(h.base, big);
    assert.equal(res.status, 413);
    assert.equal((await json(res)).error, 'payload_too_large');
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = request(`${h.base}/api/publish`, { method: 'POST', headers: { ...auth, 'transfer-encoding': 'chunked' } }, (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 8; i++) req.write('x'.repeat(512));
      req.end();
    });
    assert.equal(chunked, 413);
    // The listener still serves after refusing.
    assert.equal((await post(h.base, { channel: 'nova:x', data: 1 })).status, 200);
  });

  it('answers 503 while the broker is unhealthy', async (t) => {
    const h = await startOperator({ adminToken: TOKEN });
    t.after(() => h.close());
    await h.broker.close();
    const res = await post(h.base, { channel: 'nova:x', data: 1 });
    assert.equal(res.status, 503);
    assert.equal((await json(res)).error, 'broker_unavailable');
  });
});
