/**
 * The slow-consumer policy decided once, in the core (issue 16 step 3): the `blocked` stall start
 * (relay's receivers) and the bound every consumer shares (`overBounds`, also spectra's sockets).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBroker } from '../brokers/memory.js';
import { ManualClock } from './clock.js';
import { Hub } from './hub.js';
import { overBounds } from './subscriber.js';
import type { CloseReason, Message, QueueLimits, RetentionPolicy, Sink } from './types.js';

const RETAIN: RetentionPolicy = { maxMessages: 1000, maxBytes: 1 << 20, maxAgeMs: 0, maxPinned: 10, idleTtlMs: 0 };
const SLOW: CloseReason = { code: 4008, reason: 'slow' };
const BLOCKED: QueueLimits = {
  maxMessages: 1_000,
  maxBytes: 1 << 20,
  overflow: 'close',
  overflowClose: SLOW,
  stallTimeoutMs: 300,
  stallClose: SLOW,
  maxPendingDuringReplay: 100,
  stallFrom: 'blocked',
};

/** A sink whose socket buffer the test sets: `pending` bytes not yet taken by the peer. */
class SocketSink implements Sink {
  readonly dialect = 'test';
  readonly id = 's1';
  writable = true;
  pending = 0;
  delivered = 0;
  closedWith: CloseReason | null = null;
  deliver(batch: readonly Message[]): boolean {
    this.delivered += batch.length;
    return this.writable;
  }
  pendingBytes(): number {
    return this.pending;
  }
  close(reason: CloseReason): void {
    this.closedWith = reason;
  }
}

/** A hub on a manual clock and one subscriber of `ch` whose sink the test controls. */
async function setup(limits: QueueLimits = BLOCKED) {
  const clock = new ManualClock(0);
  const hub = new Hub({ broker: new MemoryBroker({ clock }), clock, schedule: (fn) => fn() });
  await hub.start();
  const publish = (s: string) => hub.publish('ch', new TextEncoder().encode(s), { retention: RETAIN });
  const sink = new SocketSink();
  const sub = hub.attach(sink, limits);
  await sub.subscribe('ch');
  return { clock, hub, publish, sink, sub };
}

describe('slow-consumer policy: stall from blocked', () => {
  it('closes a blocked sink whose socket made no progress for a whole stall period, though its queue never overflowed', async () => {
    const { clock, hub, publish, sink } = await setup();
    sink.writable = false;
    sink.pending = 64_000;
    await publish('a');
    assert.equal(sink.delivered, 1);
    clock.advance(299);
    assert.equal(sink.closedWith, null);
    clock.advance(1);
    assert.deepEqual(sink.closedWith, SLOW);
    assert.equal(hub.stats().stallCloses, 1);
    assert.equal(hub.stats().overflowCloses, 0);
  });

  it('a socket that makes progress gets another period; one that drains (resume) is never closed', async () => {
    const { clock, publish, sink, sub } = await setup();
    sink.writable = false;
    sink.pending = 64_000;
    await publish('a');
    sink.pending = 32_000; // the peer read half
    clock.advance(300);
    assert.equal(sink.closedWith, null, 'progress: another period');
    sink.writable = true;
    sink.pending = 0;
    sub.resume();
    clock.advance(10_000);
    assert.equal(sink.closedWith, null, 'resumed: the stall clock stopped');
  });

  it('Subscriber.blocked(): a sink that wrote outside deliver and is full is covered by the same policy', async () => {
    const { clock, sink, sub } = await setup();
    sink.pending = 1_000;
    sub.blocked();
    clock.advance(300);
    assert.deepEqual(sink.closedWith, SLOW);
  });

  it('the default (stall from overflow) is not started by a refused delivery alone', async () => {
    const { clock, publish, sink } = await setup({ ...BLOCKED, stallFrom: 'overflow' });
    sink.writable = false;
    await publish('a');
    clock.advance(10_000);
    assert.equal(sink.closedWith, null);
  });
});

describe('overBounds', () => {
  it('counts messages and bytes; a lone message may exceed the byte bound', () => {
    const limits = { maxMessages: 3, maxBytes: 100 };
    assert.equal(overBounds(limits, 3, 100), false);
    assert.equal(overBounds(limits, 4, 10), true);
    assert.equal(overBounds(limits, 2, 101), true);
    assert.equal(overBounds(limits, 1, 10_000), false);
  });
});
