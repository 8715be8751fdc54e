/**
 * A receiver that stops reading gets a bounded queue and is then closed (4008); it never stalls
 * the publisher or the other receivers. Real clients over real TCP: the slow one pauses its socket.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { connect, type RecordingClient } from '../helpers/ws-client.js';
import { eventually, startRelay } from './helpers.js';

const CHUNK = 64 * 1024;

function stopReading(c: RecordingClient): Socket {
  const raw = (c.ws as unknown as { _socket: Socket })._socket;
  raw.pause();
  return raw;
}

function binaryCount(c: RecordingClient): number {
  return c.messages.filter((m) => Buffer.isBuffer(m)).length;
}

describe('relay slow receivers', () => {
  it('queue overflow closes the slow receiver; the publisher and a fast receiver go on, in order', async (t) => {
    const h = await startRelay({
      closeGraceMs: 200,
      queue: { highWaterMarkBytes: 16 * 1024, maxBytes: 512 * 1024, maxMessages: 10_000 },
    });
    t.after(() => h.close());
    const pub = await connect(h.url('c', 'k', 'publish'));
    const fast = await connect(h.url('c', 'k', 'receive'));
    const slow = await connect(h.url('c', 'k', 'receive'));
    await eventually(() => h.hub.subscriberCount('relay:c') === 3);
    const raw = stopReading(slow);
    const total = 300; // ~19 MiB: far past the kernel buffers, the watermark and the queue
    // The publisher goes at the fast receiver's pace (4 chunks = half its 512 KiB queue ahead at
    // most): it shares this process's event loop with the server, so an unpaced burst would make
    // even the "fast" receiver fall 512 KiB behind and be closed, which is the policy, not a fault.
    const step = 4;
    for (let i = 0; i < total; i++) {
      const chunk = Buffer.alloc(CHUNK, i % 256);
      chunk.writeUInt32BE(i, 0);
      pub.ws.send(chunk, { binary: true });
      if ((i + 1) % step === 0) await fast.until(() => binaryCount(fast) === i + 1, 20_000);
    }
    await fast.until(() => binaryCount(fast) === total, 20_000);
    assert.equal(fast.ws.readyState, fast.ws.OPEN, 'the fast receiver was never closed');
    const order = fast.messages.filter((m): m is Buffer => Buffer.isBuffer(m)).map((b) => b.readUInt32BE(0));
    assert.deepEqual(order, Array.from({ length: total }, (_, i) => i));
    await eventually(() => h.hub.stats().overflowCloses === 1, 10_000, 'overflow close');
    assert.equal(pub.ws.readyState, pub.ws.OPEN, 'the publisher was never closed');
    raw.resume();
    const closed = await slow.closed;
    assert.ok([4008, 1006].includes(closed.code), `slow receiver closed with ${closed.code}`);
    assert.ok(binaryCount(slow) < total, 'the slow receiver did not get everything');
    pub.close();
  });

  it('a socket that makes no progress for stallTimeoutMs is closed even when its queue never overflows', async (t) => {
    const h = await startRelay({
      closeGraceMs: 200,
      stallTimeoutMs: 300,
      queue: { highWaterMarkBytes: 16 * 1024, maxBytes: 1024 * 1024 * 1024, maxMessages: 100_000 },
    });
    t.after(() => h.close());
    const pub = await connect(h.url('c', 'k', 'publish'));
    const slow = await connect(h.url('c', 'k', 'receive'));
    await eventually(() => h.hub.subscriberCount('relay:c') === 2);
    const raw = stopReading(slow);
    for (let i = 0; i < 200; i++) pub.ws.send(Buffer.alloc(CHUNK, 7), { binary: true });
    await eventually(() => h.dialect.stats().receivers === 0, 10_000, 'stalled receiver closed');
    assert.equal(h.hub.stats().overflowCloses, 0);
    raw.resume();
    const closed = await slow.closed;
    assert.ok([4008, 1006].includes(closed.code), `closed with ${closed.code}`);
    assert.equal(pub.ws.readyState, pub.ws.OPEN);
    pub.close();
  });
});
