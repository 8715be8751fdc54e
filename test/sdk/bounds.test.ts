/**
 * The bounds of issue 18 ("presence info size, subscriptions per connection … errors have codes")
 * as an SDK user meets them against the real server, and the SDK's own bound on commands waiting
 * for a reply (`maxPendingCommands`).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DisconnectedEvent, PublishResult, StreamHubError } from '../../sdk/src/index.js';
import { eventually } from '../helpers/eventually.js';
import { client, record, startStreamhub, token } from './fixtures.js';

describe('sdk and the protocol bounds', () => {
  it('presence info larger than presence.maxInfoBytes: bad_request, close 4501, and no reconnect', async (t) => {
    const h = await startStreamhub({ presence: { maxInfoBytes: 64 } });
    t.after(() => h.close());
    const c = client(h.url, { token: await token(), info: { bio: 'x'.repeat(100) } });
    t.after(() => c.disconnect());
    const errors = record<StreamHubError>((l) => c.on('error', l));
    const closes = record<DisconnectedEvent>((l) => c.on('disconnected', l));
    c.connect();
    await eventually(() => closes.some((e) => !e.reconnect), 'the client giving up');
    assert.deepEqual(closes.map((e) => [e.code, e.reconnect]), [[4501, false]]);
    assert.equal(errors[0]?.code, 'bad_request');
    assert.match(errors[0]?.message ?? '', /larger than 64 bytes/);
    assert.equal(c.state, 'disconnected');

    // The same info within the bound connects.
    const small = client(h.url, { token: await token(), info: { bio: 'short' } }).connect();
    t.after(() => small.disconnect());
    await small.ready();
  });

  it('a subscription past maxSubscriptionsPerConnection ends with too_many_subscriptions; the others stay', async (t) => {
    const h = await startStreamhub({ maxSubscriptionsPerConnection: 2 });
    t.after(() => h.close());
    const c = client(h.url, { token: await token() }).connect();
    t.after(() => c.disconnect());
    const subs = ['streamhub:a', 'streamhub:b', 'streamhub:c'].map((ch) => c.subscribe(ch));
    const errors = record<StreamHubError>((l) => subs[2]!.on('error', l));
    await Promise.all([subs[0]!.ready(), subs[1]!.ready()]);
    await eventually(() => subs[2]!.state === 'unsubscribed', 'the third subscription ended');
    assert.deepEqual(errors.map((e) => e.code), ['too_many_subscriptions']);
    assert.equal(c.getSubscription('streamhub:c'), undefined, 'not resubscribed on the next connection either');
    assert.deepEqual(subs.slice(0, 2).map((s) => s.state), ['subscribed', 'subscribed']);
  });

  it('maxPendingCommands: past it a command is refused at once (too_many_pending); the queued ones are sent once connected', async (t) => {
    const h = await startStreamhub();
    t.after(() => h.close());
    const c = client(h.url, { token: await token(), maxPendingCommands: 2 }).connect();
    t.after(() => c.disconnect());
    // Still connecting: the commands wait, bounded.
    const results = await Promise.allSettled([1, 2, 3].map((n) => c.publish('streamhub:pending', { n })));
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected']);
    assert.equal(((results[2] as PromiseRejectedResult).reason as StreamHubError).code, 'too_many_pending');
    const [a, b] = results.map((r) => (r as PromiseFulfilledResult<PublishResult>).value);
    assert.equal(b!.offset, a!.offset + 1);
  });
});
