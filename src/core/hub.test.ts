import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBroker } from '../brokers/memory.js';
import { ManualClock } from './clock.js';
import { Hub } from './hub.js';
import type { CloseReason, Message, QueueLimits, RetentionPolicy, Sink } from './types.js';

const RETAIN: RetentionPolicy = { maxMessages: 1000, maxBytes: 1 << 20, maxAgeMs: 0, maxPinned: 10, idleTtlMs: 0 };
const LIMITS: QueueLimits = {
  maxMessages: 5,
  maxBytes: 1 << 20,
  overflow: 'drop-oldest',
  overflowClose: { code: 1008, reason: 'overflow' },
  stallTimeoutMs: 5_000,
  stallClose: { code: 1011, reason: 'subscriber overrun' },
  maxPendingDuringReplay: 100,
};
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (m: Message) => new TextDecoder().decode(m.payload);
const tick = () => new Promise<void>((r) => setImmediate(r));

class TestSink implements Sink {
  readonly dialect = 'test';
  readonly batches: string[][] = [];
  /** The batch objects themselves, to see which subscribers shared one. */
  readonly raw: (readonly Message[])[] = [];
  readonly drops: number[] = [];
  closedWith: CloseReason | null = null;
  writable = true;
  constructor(readonly id: string) {}
  get received(): string[] {
    return this.batches.flat();
  }
  deliver(batch: readonly Message[]): boolean {
    this.batches.push(batch.map(dec));
    this.raw.push(batch);
    return this.writable;
  }
  dropped(count: number): void {
    this.drops.push(count);
  }
  close(reason: CloseReason): void {
    this.closedWith = reason;
  }
}

/** `schedule: runNow` flushes synchronously, so a test needs no event-loop tick between steps. */
const runNow = (fn: () => void) => fn();

async function setup(schedule?: (fn: () => void) => void, tuning: { flushSliceSize?: number; channelBatchLimit?: number } = {}) {
  const clock = new ManualClock();
  const broker = new MemoryBroker({ clock });
  const hub = new Hub({ broker, clock, ...(schedule ? { schedule } : {}), ...tuning });
  await hub.start();
  const publish = (ch: string, s: string, kind?: Message['kind']) =>
    hub.publish(ch, enc(s), { retention: RETAIN, ...(kind ? { kind } : {}) });
  return { clock, broker, hub, publish };
}

describe('Hub', () => {
  it('replays snapshot, pinned and ring, then the live tail, with no gap and no duplicate at the seam', async () => {
    const { hub, publish } = await setup();
    await publish('t:a', 'init', 'snapshot');
    await publish('t:a', 'goal', 'pinned');
    for (let i = 1; i <= 3; i++) await publish('t:a', `r${i}`);
    const sink = new TestSink('s1');
    const sub = hub.attach(sink, LIMITS);
    const subscribing = sub.subscribe('t:a');
    // Published while the history is being fetched: must come after the replay, exactly once.
    const racing = [publish('t:a', 'live1'), publish('t:a', 'live2')];
    await subscribing;
    await Promise.all(racing);
    await publish('t:a', 'live3');
    await tick();
    assert.deepEqual(sink.received, ['init', 'goal', 'r1', 'r2', 'r3', 'live1', 'live2', 'live3']);
  });

  it('sends the replay burst around the small live queue', async () => {
    const { hub, publish } = await setup();
    for (let i = 1; i <= 50; i++) await publish('t:big', `r${i}`);
    const sink = new TestSink('s1');
    await hub.attach(sink, LIMITS).subscribe('t:big');
    assert.equal(sink.received.length, 50, 'all 50 ring messages arrive although the live queue holds 5');
    assert.equal(sink.drops.length, 0);
  });

  it('coalesces one tick of live messages into one delivery per subscriber', async () => {
    const { hub, publish } = await setup();
    const sink = new TestSink('s1');
    await hub.attach(sink, LIMITS).subscribe('t:b');
    await Promise.all([publish('t:b', '1'), publish('t:b', '2'), publish('t:b', '3')]);
    await tick();
    assert.deepEqual(sink.batches, [['1', '2', '3']]);
  });

  it('drops the oldest when a stalled sink overflows, tells the sink, and closes after the stall timeout', async () => {
    const { hub, publish, clock } = await setup();
    const slow = new TestSink('slow');
    const fast = new TestSink('fast');
    await hub.attach(slow, LIMITS).subscribe('t:c');
    await hub.attach(fast, LIMITS).subscribe('t:c');
    slow.writable = false;
    await publish('t:c', 'first');
    await tick(); // slow's deliver returns false: it is paused from now on
    for (let i = 1; i <= 8; i++) await publish('t:c', `m${i}`);
    await tick();
    assert.deepEqual(fast.received, ['first', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8'], 'the fast one is not held back');
    assert.deepEqual(slow.received, ['first']);
    assert.deepEqual(hub.stats().queuedByDialect, { test: 5 }, 'the slow sink holds a full queue of 5');
    clock.advance(4_999);
    assert.equal(slow.closedWith, null);
    clock.advance(1);
    assert.deepEqual(slow.closedWith, { code: 1011, reason: 'subscriber overrun' });
    assert.equal(hub.stats().stallCloses, 1);
    assert.equal(fast.closedWith, null);
  });

  it('delivers the newest queue after resume, reporting the drop count first', async () => {
    const { hub, publish } = await setup();
    const sink = new TestSink('s');
    const sub = hub.attach(sink, LIMITS);
    await sub.subscribe('t:d');
    sink.writable = false;
    await publish('t:d', 'x');
    await tick();
    for (let i = 1; i <= 7; i++) await publish('t:d', `m${i}`);
    await tick();
    sink.writable = true;
    sub.resume();
    await tick();
    assert.deepEqual(sink.drops, [2]);
    assert.deepEqual(sink.received, ['x', 'm3', 'm4', 'm5', 'm6', 'm7']);
    assert.equal(sub.droppedMessages, 2);
  });

  it('drop-oldest spares pinned and snapshot messages: they all arrive, in order, after resume, and the bound holds', async () => {
    const { hub, publish } = await setup(runNow);
    const sink = new TestSink('s');
    const sub = hub.attach(sink, LIMITS);
    await sub.subscribe('t:pin');
    sink.writable = false;
    await publish('t:pin', 'first'); // delivered; the sink is paused from now on
    const sequence: [string, Message['kind']?][] = [
      ['m1'], ['P1', 'pinned'], ['m2'], ['m3'], ['S2', 'snapshot'],
      ['m4'], ['m5'], ['m6'], ['m7'], ['P3', 'pinned'], ['m8'],
    ];
    for (const [text, kind] of sequence) {
      await publish('t:pin', text, kind);
      assert.ok(sub.queuedMessages <= LIMITS.maxMessages, `queue of ${sub.queuedMessages} after ${text}`);
    }
    assert.equal(sub.queuedMessages, 5);
    sink.writable = true;
    sub.resume();
    // Each overflow took the oldest unprotected message (m1…m6); the pinned and the snapshot kept their places.
    assert.deepEqual(sink.received, ['first', 'P1', 'S2', 'm7', 'P3', 'm8']);
    assert.deepEqual(sink.drops, [6]);
    assert.equal(sub.droppedMessages, 6);
  });

  it('drop-oldest with only pinned messages queued: an unpinned newcomer is dropped, a pinned one drops the oldest pinned', async () => {
    // Once bounded by count, once by bytes (each payload is 2 bytes): neither bound is ever exceeded.
    for (const limits of [{ ...LIMITS, maxMessages: 3 }, { ...LIMITS, maxMessages: 100, maxBytes: 6 }]) {
      const { hub, publish } = await setup(runNow);
      const sink = new TestSink('s');
      const sub = hub.attach(sink, limits);
      await sub.subscribe('t:all');
      sink.writable = false;
      await publish('t:all', 'x0');
      for (const text of ['P1', 'P2', 'P3']) await publish('t:all', text, 'pinned');
      await publish('t:all', 'm1');
      assert.equal(sub.droppedMessages, 1, 'the unpinned newcomer went, not a pinned message');
      await publish('t:all', 'P4', 'pinned');
      await publish('t:all', 'm2');
      assert.equal(sub.queuedMessages, 3);
      sink.writable = true;
      sub.resume();
      assert.deepEqual(sink.received, ['x0', 'P2', 'P3', 'P4']);
      assert.deepEqual(sink.drops, [3]);
      await publish('t:all', 'm3');
      assert.deepEqual(sink.received.slice(4), ['m3'], 'a drained queue takes unpinned messages again');
    }
  });

  it('coalesce keeps the newest message of each channel', async () => {
    const { hub, publish } = await setup(runNow); // each message meets the subscriber as it arrives (no tick in between)
    const sink = new TestSink('s');
    const sub = hub.attach(sink, { ...LIMITS, maxMessages: 2, overflow: 'coalesce' });
    await sub.subscribe('t:x');
    await sub.subscribe('t:y');
    sink.writable = false;
    await publish('t:x', 'x0');
    await tick();
    await publish('t:x', 'x1');
    await publish('t:y', 'y1');
    await publish('t:x', 'x2');
    await publish('t:y', 'y2');
    sink.writable = true;
    sub.resume();
    await tick();
    assert.deepEqual(sink.received, ['x0', 'x2', 'y2']);
  });

  it('coalesce never drops an event while a state can go instead', async () => {
    const { hub, publish } = await setup(runNow); // each message meets the subscriber as it arrives (no tick in between)
    const sink = new TestSink('s');
    const sub = hub.attach(sink, { ...LIMITS, maxMessages: 3, overflow: 'coalesce' });
    await sub.subscribe('t:state');
    await sub.subscribe('t:events');
    sink.writable = false;
    await publish('t:state', 'first', 'snapshot');
    await tick();
    await publish('t:events', 'incident1', 'volatile');
    await publish('t:state', 's1', 'snapshot');
    await publish('t:events', 'incident2', 'volatile');
    await publish('t:events', 'incident3', 'volatile');
    await publish('t:state', 's2', 'snapshot');
    sink.writable = true;
    sub.resume();
    await tick();
    // s1 made room for incident3; s2 met a queue of events only and was itself dropped.
    assert.deepEqual(sink.received, ['first', 'incident1', 'incident2', 'incident3']);
    assert.equal(sub.droppedMessages, 2);
    await publish('t:state', 's3', 'snapshot');
    await tick();
    assert.deepEqual(sink.received.slice(4), ['s3']);
  });

  it('the close policy detaches with its close reason', async () => {
    const { hub, publish } = await setup(runNow); // each message meets the subscriber as it arrives (no tick in between)
    const sink = new TestSink('s');
    const sub = hub.attach(sink, { ...LIMITS, maxMessages: 1, overflow: 'close' });
    await sub.subscribe('t:e');
    sink.writable = false;
    await publish('t:e', 'a');
    await tick();
    await publish('t:e', 'b');
    await publish('t:e', 'c');
    assert.deepEqual(sink.closedWith, { code: 1008, reason: 'overflow' });
    assert.equal(hub.stats().overflowCloses, 1);
    assert.equal(hub.subscriberCount('t:e'), 0);
  });

  it('bounds the live messages held while a replay is fetched', async () => {
    const { hub, publish } = await setup(runNow); // each message meets the subscriber as it arrives (no tick in between)
    const sink = new TestSink('s');
    const sub = hub.attach(sink, { ...LIMITS, maxPendingDuringReplay: 2 });
    const subscribing = sub.subscribe('t:f');
    await Promise.all([publish('t:f', '1'), publish('t:f', '2'), publish('t:f', '3')]);
    await subscribing;
    assert.deepEqual(sink.closedWith, { code: 1008, reason: 'overflow' });
  });

  it('tells the broker of interest on the first subscriber and withdraws it after the last', async () => {
    const { hub, broker, publish } = await setup();
    const a = hub.attach(new TestSink('a'), LIMITS);
    const b = hub.attach(new TestSink('b'), LIMITS);
    await a.subscribe('t:g');
    await b.subscribe('t:g');
    assert.equal(hub.subscriberCount('t:g'), 2);
    a.detach();
    b.unsubscribe('t:g');
    assert.equal(hub.subscriberCount('t:g'), 0);
    assert.equal(hub.stats().channels.length, 0);
    await publish('t:g', 'nobody listens');
    assert.equal(broker.channelNames().includes('t:g'), true, 'retention continues without subscribers');
  });

  it('resumes from a position: only what came after it, and recovered=true', async () => {
    const { hub, publish } = await setup();
    await publish('t:h', 'init', 'snapshot');
    const m1 = await publish('t:h', 'm1');
    await publish('t:h', 'm2');
    const sink = new TestSink('s');
    const result = await hub.attach(sink, LIMITS).subscribe('t:h', { since: m1 });
    assert.equal(result.recovered, true);
    assert.deepEqual(sink.received, ['m2']);
  });

  it('forgets idle channels after their TTL (memory broker sweep)', async () => {
    const { hub, broker, clock } = await setup();
    await hub.publish('t:ttl', enc('x'), { retention: { ...RETAIN, idleTtlMs: 60_000 } });
    clock.advance(59_000);
    broker.sweep();
    assert.equal((await hub.history('t:ttl')).messages.length, 1);
    clock.advance(1_000);
    broker.sweep();
    assert.equal((await hub.history('t:ttl')).top, null);
  });

  it('close detaches everyone with the reason and closes the broker', async () => {
    const { hub } = await setup();
    const sink = new TestSink('s');
    await hub.attach(sink, LIMITS).subscribe('t:i');
    await hub.close({ code: 1001, reason: 'shutdown' });
    assert.deepEqual(sink.closedWith, { code: 1001, reason: 'shutdown' });
    assert.equal(hub.stats().broker.ok, false);
  });

  it('flushes a large fan-out in slices, and reports deliveries once per dialect per slice', async () => {
    const clock = new ManualClock();
    const queued: (() => void)[] = [];
    const delivered: number[] = [];
    const hub = new Hub({
      broker: new MemoryBroker({ clock }),
      clock,
      schedule: (fn) => queued.push(fn),
      flushSliceSize: 2,
      observer: { delivered: (_d, messages) => delivered.push(messages) },
    });
    await hub.start();
    const sinks = Array.from({ length: 5 }, (_, i) => new TestSink(`s${i}`));
    for (const sink of sinks) await hub.attach(sink, LIMITS).subscribe('t:slice');
    await hub.publish('t:slice', enc('m'), { retention: RETAIN });
    await Promise.resolve();
    const run = () => queued.shift()!();
    run();
    assert.deepEqual(sinks.map((s) => s.received.length), [1, 1, 0, 0, 0]);
    assert.deepEqual(delivered, [2]);
    run();
    run();
    assert.deepEqual(sinks.map((s) => s.received.length), [1, 1, 1, 1, 1]);
    assert.deepEqual(delivered, [2, 2, 1]);
    assert.equal(queued.length, 0, 'nothing left to flush');
  });
});

describe('Hub: a sink that throws', () => {
  /** A dialect defect: its deliver throws (issue 20: a failure on one connection closes only that one). */
  class ThrowingSink extends TestSink {
    /** Deliveries answered "not writable" before the sink starts throwing (0: throws at once). */
    constructor(id: string, private pausesFirst = 0) {
      super(id);
    }
    override deliver(): boolean {
      if (this.pausesFirst-- > 0) return false;
      throw new RangeError('Maximum call stack size exceeded');
    }
  }

  for (const path of ['replay', 'live pass', 'queue flush'] as const) {
    it(`detaches only that subscriber with 1011 and tells the observer (${path}); the others get every message`, async () => {
      const clock = new ManualClock();
      const failures: Array<{ dialect: string; error: unknown }> = [];
      const hub = new Hub({ broker: new MemoryBroker({ clock }), clock, observer: { sinkFailed: (dialect, error) => failures.push({ dialect, error }) } });
      await hub.start();
      const publish = (s: string) => hub.publish('t:x', enc(s), { retention: RETAIN });
      if (path === 'replay') await publish('old');
      const healthy = new TestSink('ok');
      await hub.attach(healthy, LIMITS).subscribe('t:x');
      // On the queue path the first delivery pauses the sink, so 'b' waits in its queue for resume().
      const broken = new ThrowingSink('broken', path === 'queue flush' ? 1 : 0);
      const sub = hub.attach(broken, LIMITS);
      await sub.subscribe('t:x');
      if (path === 'queue flush') {
        await publish('a');
        await tick();
        assert.equal(broken.closedWith, null, 'paused, not failed yet');
      }
      await publish('b');
      await tick();
      if (path === 'queue flush') sub.resume();
      await tick();
      assert.deepEqual(broken.closedWith, { code: 1011, reason: 'internal error' });
      assert.equal(failures.length, 1);
      assert.equal(failures[0]!.dialect, 'test');
      assert.ok(failures[0]!.error instanceof RangeError);
      await publish('c');
      await tick();
      assert.deepEqual(healthy.received.at(-1), 'c', 'the healthy subscriber is served after the failure');
      assert.equal(hub.stats().subscribers, 1, 'the broken subscriber is gone');
    });
  }
});

describe('Hub fan-out by channel pass', () => {
  const numbers = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1));

  it('hands one frozen batch object to every caught-up subscriber of a channel', async () => {
    const { hub, publish } = await setup();
    const sinks = ['a', 'b', 'c'].map((id) => new TestSink(id));
    for (const sink of sinks) await hub.attach(sink, LIMITS).subscribe('t:share');
    await Promise.all(['1', '2', '3'].map((s) => publish('t:share', s)));
    await tick();
    for (const sink of sinks) assert.deepEqual(sink.batches, [['1', '2', '3']]);
    assert.equal(sinks[0]!.raw[0], sinks[1]!.raw[0], 'the same batch object, so the writer frames it once');
    assert.equal(sinks[1]!.raw[0], sinks[2]!.raw[0]);
    assert.ok(Object.isFrozen(sinks[0]!.raw[0]), 'sinks share it, so none may change it');
  });

  it('a paused subscriber takes the pass through its own queue while the others get the shared batch, all in order', async () => {
    const { hub, publish } = await setup();
    const fast = new TestSink('fast');
    const slow = new TestSink('slow');
    await hub.attach(fast, LIMITS).subscribe('t:mix');
    const slowSub = hub.attach(slow, LIMITS);
    await slowSub.subscribe('t:mix');
    slow.writable = false;
    await publish('t:mix', '1');
    await tick(); // both get 1; slow is now paused
    for (const s of ['2', '3', '4']) await publish('t:mix', s);
    await tick();
    assert.deepEqual(fast.received, ['1', '2', '3', '4']);
    assert.deepEqual(slow.received, ['1']);
    assert.equal(slowSub.queuedMessages, 3, 'queued, not shared, while paused');
    slow.writable = true;
    slowSub.resume();
    await tick();
    assert.deepEqual(slow.received, ['1', '2', '3', '4']);
  });

  it('a writable subscriber takes a batch larger than its queue bound whole: a burst never costs a writable sink messages', async () => {
    const { hub, publish } = await setup();
    const small = new TestSink('small');
    const smallSub = hub.attach(small, { ...LIMITS, maxMessages: 2, overflow: 'close' });
    await smallSub.subscribe('t:bound');
    await Promise.all(numbers(4).map((s) => publish('t:bound', s)));
    await tick();
    assert.deepEqual(small.batches, [numbers(4)]);
    assert.equal(small.closedWith, null, 'not closed for overflow: its socket was writable');
    // Paused, the same burst meets the bound and the policy.
    small.writable = false;
    await publish('t:bound', '5'); // delivered, and the sink is now paused
    await tick();
    await Promise.all(['6', '7', '8'].map((s) => publish('t:bound', s)));
    await tick();
    assert.deepEqual(small.closedWith, { code: 1008, reason: 'overflow' });
  });

  it('bounds a channel\'s log by channelBatchLimit: a pass is finished at once and nothing is lost or reordered', async () => {
    // One subscriber per turn, so a pass spans turns while a burst arrives.
    const { hub, publish } = await setup(undefined, { flushSliceSize: 1, channelBatchLimit: 3 });
    const sinks = ['a', 'b', 'c', 'd'].map((id) => new TestSink(id));
    for (const sink of sinks) await hub.attach(sink, { ...LIMITS, maxMessages: 100 }).subscribe('t:burst');
    await publish('t:burst', '1');
    await tick(); // the pass of [1] has visited one subscriber of four
    for (const s of numbers(11).slice(1)) await publish('t:burst', s); // 2…11 in one turn
    for (let i = 0; i < 20; i++) await tick();
    for (const sink of sinks) {
      assert.deepEqual(sink.received, numbers(11), `${sink.id} got everything once, in order`);
      for (const batch of sink.batches) assert.ok(batch.length <= 3, `${sink.id}: a batch of ${batch.length} exceeds the limit`);
    }
  });

  it('a subscriber that joins while a pass is under way gets replay then live with no gap and no duplicate', async () => {
    const { hub, publish } = await setup(undefined, { flushSliceSize: 1 });
    const early = ['a', 'b', 'c'].map((id) => new TestSink(id));
    for (const sink of early) await hub.attach(sink, LIMITS).subscribe('t:join');
    for (const s of ['1', '2']) await publish('t:join', s);
    await tick(); // the pass of [1, 2] has visited one of three
    const late = new TestSink('late');
    await hub.attach(late, LIMITS).subscribe('t:join'); // replays 1, 2; the pass then visits it too
    await publish('t:join', '3');
    for (let i = 0; i < 10; i++) await tick();
    assert.deepEqual(late.received, ['1', '2', '3']);
    for (const sink of early) assert.deepEqual(sink.received, ['1', '2', '3']);
  });

  it('a message arriving mid-pass is read by the subscribers not yet visited in this pass, the others get it in the next', async () => {
    const { hub, publish } = await setup(undefined, { flushSliceSize: 1 });
    const [a, b, c] = ['a', 'b', 'c'].map((id) => new TestSink(id)) as [TestSink, TestSink, TestSink];
    for (const sink of [a, b, c]) await hub.attach(sink, LIMITS).subscribe('t:mid');
    await publish('t:mid', '1');
    await tick(); // the pass has visited a
    await publish('t:mid', '2');
    for (let i = 0; i < 6; i++) await tick();
    assert.deepEqual(a.batches, [['1'], ['2']]);
    assert.deepEqual(b.batches, [['1', '2']], 'no waiting for a second pass');
    assert.deepEqual(c.batches, [['1', '2']]);
    assert.equal(b.raw[0], c.raw[0], 'members that read up to the same place share one batch');
  });

  it('a subscriber that leaves mid-pass is not visited again', async () => {
    const { hub, publish } = await setup(undefined, { flushSliceSize: 1 });
    const sinks = ['a', 'b', 'c'].map((id) => new TestSink(id));
    const subs = [];
    for (const sink of sinks) {
      const sub = hub.attach(sink, LIMITS);
      await sub.subscribe('t:leave');
      subs.push(sub);
    }
    await publish('t:leave', '1');
    await tick();
    subs[2]!.unsubscribe('t:leave');
    for (let i = 0; i < 5; i++) await tick();
    assert.deepEqual(sinks.map((s) => s.received), [['1'], ['1'], []]);
  });
});
