/**
 * RedisBroker edge behaviour on a real redis-server: Redis down at boot, subscribe while pub/sub is
 * down, garbage on a pub/sub topic, idle expiry starting a new epoch, and the stream length cap.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RedisBroker } from '../../src/brokers/redis.js';
import { PUBLISH_SCRIPT, publishCall } from '../../src/brokers/redis-scripts.js';
import type { Message } from '../../src/core/index.js';
import { eventually } from '../helpers/eventually.js';
import { startRedis } from '../helpers/redis-server.js';
import { bytes, RETAIN, text } from './cluster.js';

describe('RedisBroker faults and limits', () => {
  it('starts without Redis (health not ok, publish fails fast) and connects once Redis is up', async (t) => {
    const redis = await startRedis();
    t.after(() => redis.stop());
    await redis.stop();
    const broker = new RedisBroker({ url: redis.url, connectTimeoutMs: 500, reconnectMaxDelayMs: 100 });
    t.after(() => broker.close());
    await broker.start(() => {});
    assert.equal(broker.health().ok, false);
    assert.match(broker.health().detail, /^redis commands /);
    await assert.rejects(broker.publish('test:x', bytes('a'), { retention: RETAIN }), { code: 'ERR_BROKER' });
    await assert.rejects(broker.subscribe('test:x'), { code: 'ERR_BROKER' });
    assert.equal(broker.stats().channels, 0, 'a failed subscribe registers nothing');
    await redis.restart();
    await eventually(() => broker.health().ok, 'the broker to connect', 15_000);
    const msg = await broker.publish('test:x', bytes('a'), { retention: RETAIN });
    assert.equal(msg.offset, 1);
  });

  it('fills from the start a channel that was empty at subscribe time and got its first messages during a disconnect', async (t) => {
    const redis = await startRedis();
    t.after(() => redis.stop());
    const got: Message[] = [];
    const listener = new RedisBroker({ url: redis.url, reconnectMaxDelayMs: 100 });
    t.after(() => listener.close());
    await listener.start((m) => got.push(m));
    await Promise.all([listener.subscribe('test:late'), listener.subscribe('test:late')]);
    assert.equal(listener.stats().channels, 1);
    // Three messages reach the stream but not pub/sub (the real script, PUBLISHing to a topic
    // nobody hears), as if published while the listener's connection was down; then it drops.
    for (let i = 1; i <= 3; i++) {
      const call = publishCall('streamhub:', 'test:late', bytes(`m${i}`), { retention: RETAIN }, { now: i, streamMaxLen: 100, epoch: 'late1', topic: 'nowhere' });
      assert.match(await redis.command('EVAL', PUBLISH_SCRIPT.source, String(call.keys.length), ...call.keys, ...call.args.map(String)), /^\*2/);
    }
    assert.match(await redis.command('CLIENT', 'KILL', 'TYPE', 'pubsub'), /^:1/);
    await eventually(() => got.length === 3, 'the three messages', 15_000);
    assert.deepEqual(got.map(text), ['m1', 'm2', 'm3']);
    assert.equal(listener.stats().filled, 3, 'they came from the stream, read from its start');
  });

  it('keeps the last word of subscribe/unsubscribe races', async (t) => {
    const redis = await startRedis();
    t.after(() => redis.stop());
    const got: Message[] = [];
    const broker = new RedisBroker({ url: redis.url });
    t.after(() => broker.close());
    await broker.start((m) => got.push(m));
    await Promise.all([broker.subscribe('test:race'), broker.unsubscribe('test:race'), broker.subscribe('test:race')]);
    await Promise.all([broker.subscribe('test:gone'), broker.unsubscribe('test:gone')]);
    assert.equal(broker.stats().channels, 1);
    await broker.publish('test:gone', bytes('no'), { retention: RETAIN });
    await broker.publish('test:race', bytes('yes'), { retention: RETAIN });
    await eventually(() => got.length >= 1, 'the message for the channel still wanted', 15_000);
    assert.deepEqual(got.map(text), ['yes']);
    assert.match(await redis.command('PUBSUB', 'NUMSUB', 'streamhub:pub:test:gone'), /:0\r\n$/);
  });

  it('skips a pub/sub message that is not an envelope, and keeps delivering', async (t) => {
    const redis = await startRedis();
    t.after(() => redis.stop());
    const got: Message[] = [];
    const broker = new RedisBroker({ url: redis.url });
    t.after(() => broker.close());
    await broker.start((m) => got.push(m));
    await broker.subscribe('test:junk');
    assert.match(await redis.command('PUBLISH', 'streamhub:pub:test:junk', 'not an envelope'), /^:1/);
    await broker.publish('test:junk', bytes('fine'), { retention: RETAIN });
    await eventually(() => got.length === 1, 'the valid message', 15_000);
    assert.equal(text(got[0]!), 'fine');
    assert.equal(broker.stats().badEnvelopes, 1);
    assert.match(broker.health().detail, /1 undecodable/);
  });

  it('forgets an idle channel (PEXPIRE) and restarts it in a new epoch at offset 1', async (t) => {
    const redis = await startRedis();
    t.after(() => redis.stop());
    const broker = new RedisBroker({ url: redis.url });
    t.after(() => broker.close());
    await broker.start(() => {});
    const first = await broker.publish('test:idle', bytes('a'), { retention: { ...RETAIN, idleTtlMs: 60_000 } });
    await broker.publish('test:idle', bytes('s'), { retention: { ...RETAIN, idleTtlMs: 60_000 }, kind: 'snapshot' });
    for (const key of ['meta', 'snap']) {
      const ttl = Number((await redis.command('PTTL', `streamhub:{test:idle}:${key}`)).slice(1));
      assert.ok(ttl > 59_000 && ttl <= 60_000, `${key} expires with the idle TTL (${ttl})`);
    }
    await broker.publish('test:idle', bytes('b'), { retention: { ...RETAIN, idleTtlMs: 30 } });
    await eventually(async () => (await broker.history('test:idle')).top === null, 'the channel to expire', 15_000);
    const again = await broker.publish('test:idle', bytes('c'), { retention: RETAIN });
    assert.equal(again.offset, 1);
    assert.notEqual(again.epoch, first.epoch, 'a new generation of the channel gets a new epoch');
    await broker.publish('test:idle', bytes('d'), { retention: { ...RETAIN, idleTtlMs: 60_000 } });
    await broker.publish('test:idle', bytes('e'), { retention: RETAIN });
    for (const key of ['meta', 'ring']) {
      assert.equal(await redis.command('PTTL', `streamhub:{test:idle}:${key}`), ':-1\r\n', 'idleTtlMs 0 means no expiry');
    }
  });

  it('caps the stream at streamMaxLen whatever the retention asks for', async (t) => {
    const redis = await startRedis();
    t.after(() => redis.stop());
    const broker = new RedisBroker({ url: redis.url, streamMaxLen: 4, keyPrefix: 'other:' });
    t.after(() => broker.close());
    await broker.start(() => {});
    for (let i = 1; i <= 9; i++) await broker.publish('test:cap', bytes(`m${i}`), { retention: { ...RETAIN, maxMessages: 1_000 } });
    const h = await broker.history('test:cap');
    assert.deepEqual(h.messages.map(text), ['m6', 'm7', 'm8', 'm9']);
    assert.equal(await redis.command('XLEN', 'other:{test:cap}:ring'), ':4\r\n', 'the key prefix is applied');
    // The history script is flagged no-writes: replay keeps working while Redis pauses writes (as in a failover).
    assert.equal(await redis.command('CLIENT', 'PAUSE', '5000', 'WRITE'), '+OK\r\n');
    assert.equal((await broker.history('test:cap', { limit: 1 })).messages.map(text)[0], 'm9');
    await redis.command('CLIENT', 'UNPAUSE');
  });

  it('refuses a bad publish with ERR_INVALID_MESSAGE and keeps working', async (t) => {
    const redis = await startRedis();
    t.after(() => redis.stop());
    const broker = new RedisBroker({ url: redis.url });
    t.after(() => broker.close());
    await broker.start(() => {});
    const bad = { code: 'ERR_INVALID_MESSAGE' };
    await assert.rejects(broker.publish('test:bad', bytes('x'), { retention: RETAIN, kind: 'bogus' as 'data' }), bad);
    await assert.rejects(broker.publish('test:bad', bytes('x'), { retention: RETAIN, time: Number.NaN }), bad);
    await assert.rejects(broker.publish('c'.repeat(70_000), bytes('x'), { retention: RETAIN }), bad);
    const ok = await broker.publish('test:bad', bytes('x'), { retention: { ...RETAIN, maxBytes: Infinity, maxMessages: Infinity } });
    assert.equal(ok.offset, 1);
    assert.equal((await broker.history('test:bad', { since: { offset: Number.NaN, epoch: ok.epoch } })).messages.length, 1);
  });

  it('refuses bad options at construction', () => {
    assert.throws(() => new RedisBroker({ url: 'http://127.0.0.1:1' }), { code: 'ERR_CONFIG' });
    assert.throws(() => new RedisBroker({ url: 'redis://127.0.0.1:1', gapFillBatch: 0 }), { code: 'ERR_CONFIG' });
    assert.throws(() => new RedisBroker({ url: 'redis://127.0.0.1:1', commandTimeoutMs: Number.NaN }), { code: 'ERR_CONFIG' });
  });
});
