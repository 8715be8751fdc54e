import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../core/index.js';
import { drainWithDeadline, endOnceWritten } from './drain-on-close.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('lifecycle drain with deadline (on the injected clock)', () => {
  it('spreads the ends over the window, each with the flush time left before the deadline, and resolves when settled', async () => {
    const clock = new ManualClock(0);
    const ended: [string, number, number][] = [];
    let done = false;
    const closing = drainWithDeadline({
      items: ['a', 'b', 'c', 'd'],
      end: (item, flushLimitMs) => ended.push([item, clock.now(), flushLimitMs]),
      clock,
      deadlineMs: 10_000,
      drainWindowMs: 4_000,
      random: () => 0.5,
    }).then(() => (done = true));
    clock.advance(1_999);
    assert.equal(ended.length, 2, 'two of four slots are over at mid-window');
    await tick();
    assert.equal(done, false);
    clock.advance(2_000);
    assert.equal(ended.length, 4);
    assert.ok(ended.every(([, , limit]) => limit === 6_000));
    await closing;
    assert.equal(clock.pending, 0, 'the deadline timer was cleared');
  });

  it('the deadline ends at once every item whose slot has not come, when nothing settles', async () => {
    const clock = new ManualClock(0);
    const ended: string[] = [];
    let done = false;
    const closing = drainWithDeadline({
      items: ['a', 'b'],
      end: (item) => ended.push(item),
      clock,
      deadlineMs: 1_000,
      drainWindowMs: 60_000,
      settled: () => new Promise<void>(() => undefined), // never
      random: () => 0.5,
    }).then(() => (done = true));
    clock.advance(999);
    await tick();
    assert.deepEqual(ended, []);
    assert.equal(done, false);
    clock.advance(1);
    await closing;
    assert.deepEqual(ended.sort(), ['a', 'b']);
  });

  it('endOnceWritten waits for the hub queue and the socket buffer to empty, bounded by its limit', () => {
    const clock = new ManualClock(0);
    const state = { ws: { readyState: 1 }, writer: { bufferedAmount: 10 }, queued: 2 };
    let ended = 0;
    endOnceWritten(() => (ended += 1), { ws: state.ws, writer: state.writer, subscriber: () => ({ queuedMessages: state.queued }) }, clock, 1_000);
    clock.advance(100);
    assert.equal(ended, 0);
    state.queued = 0;
    clock.advance(100);
    assert.equal(ended, 0, 'the socket still holds bytes');
    state.writer.bufferedAmount = 0;
    clock.advance(20);
    assert.equal(ended, 1);

    let late = 0;
    endOnceWritten(() => (late += 1), { ws: { readyState: 1 }, writer: { bufferedAmount: 5 }, subscriber: () => null }, clock, 500);
    clock.advance(499);
    assert.equal(late, 0);
    clock.advance(1);
    assert.equal(late, 1, 'ended at the limit although never written');
  });
});
