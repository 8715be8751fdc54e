/**
 * The one-entry caches of a channel pass (issue 19, "the cost of a pass") must never outlive what
 * they cache: a subscriber that leaves a channel and joins it again gets a new replay/live seam, so
 * a live message racing that replay is delivered once, after the replay, never through the state
 * of the first subscription.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBroker } from '../brokers/memory.js';
import { ManualClock } from './clock.js';
import { Hub } from './hub.js';
import type { CloseReason, Message, QueueLimits, RetentionPolicy, Sink } from './types.js';

const RETAIN: RetentionPolicy = { maxMessages: 1000, maxBytes: 1 << 20, maxAgeMs: 0, maxPinned: 10, idleTtlMs: 0 };
const LIMITS: QueueLimits = {
  maxMessages: 100,
  maxBytes: 1 << 20,
  overflow: 'drop-oldest',
  overflowClose: { code: 1008, reason: 'overflow' },
  stallTimeoutMs: 0,
  stallClose: { code: 1011, reason: 'subscriber overrun' },
  maxPendingDuringReplay: 100,
};
const tick = () => new Promise<void>((r) => setImmediate(r));

class RecordingSink implements Sink {
  readonly dialect = 'test';
  readonly id = 'rec';
  readonly received: string[] = [];
  deliver(batch: readonly Message[]): boolean {
    for (const m of batch) this.received.push(new TextDecoder().decode(m.payload));
    return true;
  }
  close(_reason: CloseReason): void {}
}

describe('channel pass caches', () => {
  it('a subscriber that leaves and rejoins a channel gets the live tail after its new replay, each message once', async () => {
    const clock = new ManualClock();
    const hub = new Hub({ broker: new MemoryBroker({ clock }), clock });
    await hub.start();
    const publish = (s: string) => hub.publish('t:a', new TextEncoder().encode(s), { retention: RETAIN });
    const sink = new RecordingSink();
    const sub = hub.attach(sink, LIMITS);
    await sub.subscribe('t:a', { liveOnly: true });
    await publish('a1');
    await tick(); // a pass hands a1 over: receive() now remembers this subscription's state
    assert.deepEqual(sink.received, ['a1']);
    sub.unsubscribe('t:a');
    await publish('a2');
    await tick();
    // Rejoin while a live message races the replay: it must wait behind the replay and come once.
    const again = sub.subscribe('t:a');
    const racing = publish('a3');
    await again;
    await racing;
    await publish('a4');
    await tick();
    await tick();
    assert.deepEqual(sink.received, ['a1', 'a1', 'a2', 'a3', 'a4']);
    await hub.close({ code: 1001, reason: 'test over' });
  });
});
