import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../core/index.js';
import { TimerSweep, type Due } from './timer-sweep.js';

function due(log: string[], name: string): Due {
  return { dueAt: 0, slot: -1, fire: (now) => log.push(`${name}@${now}`) };
}

describe('lifecycle timer sweep', () => {
  it('fires many deadlines at their exact instants, in due order, on one clock timer', () => {
    const clock = new ManualClock(0);
    const sweep = new TimerSweep(clock);
    const log: string[] = [];
    const at = [500, 100, 900, 300, 700];
    at.forEach((ms, i) => sweep.schedule(due(log, `d${i}`), ms));
    assert.equal(clock.pending, 1, 'one timer for five deadlines');
    clock.advance(299);
    assert.deepEqual(log, ['d1@100']);
    clock.advance(10_000);
    assert.deepEqual(log, ['d1@100', 'd3@300', 'd0@500', 'd4@700', 'd2@900']);
    assert.equal(clock.pending, 0);
    assert.equal(sweep.size, 0);
  });

  it('a cancelled or rescheduled deadline fires only at its new time; cancelling all clears the timer', () => {
    const clock = new ManualClock(0);
    const sweep = new TimerSweep(clock);
    const log: string[] = [];
    const a = due(log, 'a');
    const b = due(log, 'b');
    const c = due(log, 'c');
    sweep.schedule(a, 100);
    sweep.schedule(b, 200);
    sweep.schedule(c, 300);
    sweep.cancel(b);
    sweep.schedule(a, 400); // postponed
    clock.advance(350);
    assert.deepEqual(log, ['c@300']);
    sweep.cancel(a);
    assert.equal(clock.pending, 0);
    clock.advance(1_000);
    assert.deepEqual(log, ['c@300']);
  });

  it('one failing callback does not stop the others', () => {
    const clock = new ManualClock(0);
    const sweep = new TimerSweep(clock);
    const log: string[] = [];
    sweep.schedule({ dueAt: 0, slot: -1, fire: () => { throw new Error('defect'); } }, 10);
    sweep.schedule(due(log, 'next'), 10);
    clock.advance(10);
    assert.deepEqual(log, ['next@10']);
  });
});
