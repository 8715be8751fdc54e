import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ManualClock } from './clock.js';

it('ManualClock fires due timers in order and never early', () => {
  const clock = new ManualClock(0);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push('b'), 200);
  clock.setTimeout(() => fired.push('a'), 100);
  const c = clock.setTimeout(() => fired.push('c'), 150);
  clock.clearTimeout(c);
  clock.advance(99);
  assert.deepEqual(fired, []);
  clock.advance(101);
  assert.deepEqual(fired, ['a', 'b']);
  assert.equal(clock.now(), 200);
});
