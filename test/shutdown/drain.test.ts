/**
 * The jittered drain on a ManualClock (issue 14): the ends are spread over the window — counted at
 * clock instants, never measured in wall-clock time — and an end waits for the connection's
 * queue to be written, within its limit.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/core/index.js';
import { endWhenFlushed, spreadDrain } from '../../src/dialects/shared/drain.js';

describe('spreadDrain', () => {
  it('ends item i of n inside its own slot of the window: after k slots exactly k have ended', () => {
    const clock = new ManualClock(0);
    const n = 10;
    const windowMs = 10_000;
    const ended: number[] = [];
    const drain = spreadDrain(
      Array.from({ length: n }, (_, i) => i),
      (i) => ended.push(i),
      { windowMs, clock },
    );
    assert.equal(ended.length, 0, 'nothing ends at the instant the shutdown starts');
    for (let k = 1; k <= n; k++) {
      clock.advance(k * (windowMs / n) - 1 - clock.now());
      assert.equal(ended.length, k, `after ${k} slots`);
    }
    assert.deepEqual([...ended].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i), 'each item ended once');
    return drain.done;
  });

  it('jitters: the same items end in another order and at other instants on another draw', () => {
    const run = (seed: number) => {
      let x = seed;
      const random = () => ((x = (x * 48271) % 2147483647) / 2147483647);
      const clock = new ManualClock(0);
      const at: [number, number][] = [];
      spreadDrain([0, 1, 2, 3, 4, 5, 6, 7], (i) => at.push([i, clock.now()]), { windowMs: 8_000, clock, random });
      clock.advance(8_000);
      return at;
    };
    assert.notDeepEqual(run(7), run(1234567));
  });

  it('endNow ends every item whose slot has not come (the deadline passed), each once', async () => {
    const clock = new ManualClock();
    const ended: string[] = [];
    const drain = spreadDrain(['a', 'b', 'c', 'd'], (s) => ended.push(s), { windowMs: 4_000, clock });
    clock.advance(1_999);
    assert.equal(ended.length, 2);
    drain.endNow();
    await drain.done;
    assert.deepEqual([...ended].sort(), ['a', 'b', 'c', 'd']);
    clock.advance(10_000);
    assert.equal(ended.length, 4, 'no item ends twice');
    assert.equal(clock.pending, 0, 'no timer left behind');
  });

  it('a window of 0 ends everything at once, with no timer', async () => {
    const clock = new ManualClock();
    const ended: number[] = [];
    const drain = spreadDrain([1, 2, 3], (i) => ended.push(i), { windowMs: 0, clock });
    assert.equal(ended.length, 3);
    assert.equal(clock.pending, 0);
    await drain.done;
  });

  it('one end that throws stops neither the others nor the process', async () => {
    const clock = new ManualClock();
    const ended: number[] = [];
    const drain = spreadDrain(
      [1, 2, 3],
      (i) => {
        if (i === 2) throw new Error('socket already gone');
        ended.push(i);
      },
      { windowMs: 3_000, clock },
    );
    clock.advance(3_000);
    await drain.done;
    assert.deepEqual([...ended].sort(), [1, 3]);
  });
});

describe('endWhenFlushed', () => {
  it('ends once nothing is left to write', () => {
    const clock = new ManualClock();
    let queued = 3;
    let ended = false;
    endWhenFlushed(() => (ended = true), { clock, limitMs: 5_000, pollMs: 20, flushed: () => queued === 0 });
    assert.equal(ended, false, 'data is still queued');
    queued = 0;
    clock.advance(20);
    assert.equal(ended, true);
  });

  it('ends after the limit when the queue never empties', () => {
    const clock = new ManualClock();
    let endedAt = 0;
    const start = clock.now();
    endWhenFlushed(() => (endedAt = clock.now()), { clock, limitMs: 1_000, pollMs: 300, flushed: () => false });
    clock.advance(999);
    assert.equal(endedAt, 0);
    clock.advance(1);
    assert.equal(endedAt - start, 1_000);
  });
});
