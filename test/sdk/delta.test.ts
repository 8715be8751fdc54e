/**
 * Delta subscriptions (PROTOCOL.md §17) against a small in-test server written with `ws` that
 * speaks the documented frames, so the cases a correct server never produces can be played: `json`
 * then `delta` publications decode to full values, a `b64` one breaks the chain, and a delta that
 * does not apply (checksum mismatch) is reported (`bad_delta`) and the subscription starts over
 * without `since`. The real server's deltas: volatile-and-delta.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Publication, StreamHubError } from '../../sdk/src/index.js';
import { eventually } from '../helpers/eventually.js';
import { DELTA, SOURCE, TARGET } from './delta-vector.js';
import { fakeServer } from './fake-server.js';
import { client, record } from './fixtures.js';

const EPOCH = 'e1';
const CHANNEL = 'match:demo';
const pub = (offset: number, body: Record<string, unknown>) => ({ type: 'pub', channel: CHANNEL, offset, epoch: EPOCH, ...body });


describe('sdk delta subscriptions (fake server per PROTOCOL.md §17)', () => {
  it('asks for fossil deltas and hands out full values: json, delta, b64, then json again', async (t) => {
    const server = await fakeServer(t, CHANNEL, { recovered: false, position: { offset: 1, epoch: EPOCH }, publications: [pub(1, { json: SOURCE })] });
    const c = client(server.url).connect();
    t.after(() => c.disconnect());
    const sub = c.subscribe(CHANNEL, { delta: true });
    const pubs = record<Publication>((l) => sub.on('publication', l));
    await sub.ready();
    const subscribe = server.received.find((f) => f.type === 'subscribe');
    assert.deepEqual(subscribe?.channels, [{ channel: CHANNEL, delta: 'fossil' }]);
    server.send(pub(2, { delta: DELTA }));
    server.send(pub(3, { b64: Buffer.from([1, 2]).toString('base64') }));
    server.send(pub(4, { json: '{"after":"binary"}' }));
    await eventually(() => pubs.length === 4, 'four publications');
    assert.deepEqual(pubs[0]?.data, JSON.parse(SOURCE));
    assert.deepEqual(pubs[1]?.data, JSON.parse(TARGET));
    assert.deepEqual([...(pubs[2]?.bytes ?? [])], [1, 2]);
    assert.deepEqual(pubs[3]?.data, { after: 'binary' });
  });

  it('a delta that does not apply: bad_delta, then a fresh subscribe without since', async (t) => {
    const server = await fakeServer(t, CHANNEL, { recovered: false, position: { offset: 1, epoch: EPOCH }, publications: [pub(1, { json: SOURCE })] });
    const c = client(server.url).connect();
    t.after(() => c.disconnect());
    const sub = c.subscribe(CHANNEL, { delta: true });
    const errors = record<StreamHubError>((l) => sub.on('error', l));
    const pubs = record<Publication>((l) => sub.on('publication', l));
    await sub.ready();
    server.send(pub(2, { delta: DELTA.replace('2CH8mj;', '2CH8mk;') }));
    await eventually(() => server.received.filter((f) => f.type === 'subscribe').length === 2, 'a second subscribe');
    assert.deepEqual(
      errors.map((e) => e.code),
      ['bad_delta'],
    );
    assert.deepEqual(
      server.received.map((f) => f.type),
      ['connect', 'subscribe', 'unsubscribe', 'subscribe'],
    );
    assert.deepEqual((server.received[3]?.channels as unknown[])[0], { channel: CHANNEL, delta: 'fossil' }, 'no since: the whole state again');
    await eventually(() => pubs.length === 2, 'the state delivered again');
    assert.deepEqual(pubs[1]?.data, JSON.parse(SOURCE));
  });
});
