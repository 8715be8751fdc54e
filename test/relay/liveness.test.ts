/** Seed §Heartbeat, notes §3.3: `h` every 20 s; 60 s without a data frame closes; protocol pings do not count. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/core/index.js';
import { connect, type RecordingClient } from '../helpers/ws-client.js';
import { chunks, eventually, hasChunks, sendChunks, startRelay } from './helpers.js';

const heartbeats = (c: RecordingClient) => c.messages.filter((m) => m === 'h').length;

/** Resolves when the server has processed everything this client sent before (a pong follows the frames in order). */
function roundTrip(c: RecordingClient): Promise<void> {
  return new Promise((resolve, reject) => {
    c.ws.once('pong', () => resolve());
    c.ws.once('close', () => reject(new Error('closed before the pong')));
    c.ws.ping();
  });
}

describe('relay heartbeat and idle deadline', () => {
  it('the server sends text `h` every 20 s to publishers and receivers', async (t) => {
    const clock = new ManualClock();
    const h = await startRelay({}, { clock });
    t.after(() => h.close());
    const pub = await connect(h.url('c', 'k', 'publish'));
    const rec = await connect(h.url('c', 'k', 'receive'));
    await eventually(() => h.dialect.stats().connections === 2);
    clock.advance(19_999);
    clock.advance(1);
    await pub.until(() => heartbeats(pub) === 1);
    await rec.until(() => heartbeats(rec) === 1);
    clock.advance(20_000);
    await pub.until(() => heartbeats(pub) === 2);
    await rec.until(() => heartbeats(rec) === 2);
  });

  it('a receiver sending `h` stays; 60 s after its last data frame it is closed (1000); pings do not count', async (t) => {
    const clock = new ManualClock();
    const h = await startRelay({}, { clock });
    t.after(() => h.close());
    const rec = await connect(h.url('c', 'k', 'receive'));
    await eventually(() => h.dialect.stats().connections === 1);
    clock.advance(59_000);
    rec.ws.send('h');
    await roundTrip(rec);
    clock.advance(59_000); // 118 s: 59 s after the last `h`
    await roundTrip(rec); // a ping is not data…
    clock.advance(1_000); // …so at 60 s after the `h` it is closed
    assert.equal((await rec.closed).code, 1000);
  });

  it('a publisher without data for 60 s is closed, which ends its publish', async (t) => {
    const clock = new ManualClock();
    const h = await startRelay({}, { clock });
    t.after(() => h.close());
    const pub = await connect(h.url('c', 'k', 'publish'));
    const rec = await connect(h.url('c', 'k', 'receive'));
    clock.advance(30_000);
    sendChunks(pub, 'header'); // binary data resets the deadline
    await rec.until(hasChunks(rec, 1));
    clock.advance(59_999);
    await roundTrip(pub);
    clock.advance(1);
    assert.equal((await pub.closed).code, 1000);
    assert.equal((await rec.closed).code, 1000, 'the playing receiver is closed when the publish ends');
    assert.deepEqual(chunks(rec), ['header']);
  });
});

describe('relay size limits', () => {
  it('a chunk over maxChunkBytes closes the publisher with 1009; what came before was delivered', async (t) => {
    const h = await startRelay({ maxChunkBytes: 1024 });
    t.after(() => h.close());
    const pub = await connect(h.url('c', 'k', 'publish'));
    const rec = await connect(h.url('c', 'k', 'receive'));
    pub.ws.send(Buffer.alloc(1024, 1), { binary: true });
    await rec.until(hasChunks(rec, 1));
    pub.ws.send(Buffer.alloc(1025, 2), { binary: true });
    assert.equal((await pub.closed).code, 1009);
    assert.equal((await rec.closed).code, 1000);
    assert.equal(chunks(rec).length, 1);
  });

  it('a receiver frame over maxReceiverFrameBytes closes that receiver with 1009 only', async (t) => {
    const h = await startRelay({ maxReceiverFrameBytes: 16 });
    t.after(() => h.close());
    const pub = await connect(h.url('c', 'k', 'publish'));
    const bad = await connect(h.url('c', 'k', 'receive'));
    const good = await connect(h.url('c', 'k', 'receive'));
    bad.ws.send('x'.repeat(17));
    assert.equal((await bad.closed).code, 1009);
    sendChunks(pub, 'still-flowing');
    await good.until(hasChunks(good, 1));
    pub.close();
  });
});
