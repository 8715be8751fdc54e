/**
 * A broker epoch change during a live stream (PROTOCOL.md §8): Redis loses the channel (FLUSHALL,
 * as on a Redis restart or failover), the next publication starts a new epoch at offset 1, the
 * server announces it with `gap`, and the SDK signals continuity-lost before delivering it; with
 * `resyncOnGap` it subscribes again and receives the channel's whole state.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RedisBroker } from '../../src/brokers/redis.js';
import type { ContinuityLost, Publication, SubscribedEvent } from '../../sdk/src/index.js';
import { eventually } from '../helpers/eventually.js';
import { startRedis } from '../helpers/redis-server.js';
import { client, record, startStreamhub, token } from './fixtures.js';

describe('sdk and a broker epoch change', () => {
  it('signals continuity-lost (epoch_changed) on the live gap, then follows the new epoch', async (t) => {
    const redis = await startRedis();
    t.after(() => redis.stop());
    const h = await startStreamhub({}, { broker: new RedisBroker({ url: redis.url }) });
    t.after(() => h.close());
    const c = client(h.url, { token: await token() }).connect();
    t.after(() => c.disconnect());
    const plain = c.subscribe('streamhub:ticker');
    const resyncing = c.subscribe('streamhub:board', { resyncOnGap: true });
    const pubs = record<Publication>((l) => plain.on('publication', l));
    const lost = record<ContinuityLost>((l) => plain.on('continuity-lost', l));
    const boardLost = record<ContinuityLost>((l) => resyncing.on('continuity-lost', l));
    const boardSubscribed = record<SubscribedEvent>((l) => resyncing.on('subscribed', l));
    await Promise.all([plain.ready(), resyncing.ready()]);
    await c.publish('streamhub:ticker', { n: 1 });
    await c.publish('streamhub:ticker', { n: 2 });
    await c.publish('streamhub:board', { snapshot: 'v1' }, { kind: 'snapshot' });
    await eventually(() => pubs.length === 2, 'two publications in the first epoch');
    const before = plain.position;

    await redis.flush();
    const after = await c.publish('streamhub:ticker', { n: 3 });
    assert.notEqual(after.epoch, before?.epoch, 'FLUSHALL starts a new epoch');
    await eventually(() => pubs.length === 3, 'the first publication of the new epoch');
    assert.deepEqual(lost, [{ reason: 'epoch_changed', last: before, next: { offset: after.offset, epoch: after.epoch } }]);
    assert.deepEqual(pubs[2]?.data, { n: 3 });
    assert.deepEqual(plain.position, { offset: after.offset, epoch: after.epoch });

    await c.publish('streamhub:board', { snapshot: 'v2' }, { kind: 'snapshot' });
    await eventually(() => boardSubscribed.length === 2, 'the board subscribed again after its gap');
    assert.equal(boardLost[0]?.reason, 'epoch_changed');
    assert.equal(boardSubscribed[1]?.recovered, false);
    assert.equal(boardSubscribed[1]?.resumed, false, 'a resync asks for the whole state, not a resume');
  });
});
