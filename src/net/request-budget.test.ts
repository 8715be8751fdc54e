import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ManualClock } from '../core/clock.js';
import { RequestBudget } from './request-budget.js';

const SETTINGS = { maxBytes: 1_000, maxCount: 2, maxWaiting: 2, maxWaitMs: 500 };

it('admits up to the budget, queues the next ones in order, refuses past maxWaiting and after maxWaitMs', async () => {
  const clock = new ManualClock();
  const budget = new RequestBudget(SETTINGS, clock);
  const a = await budget.acquire(100);
  const b = await budget.acquire(100);
  assert.ok(a && b);
  const order: string[] = [];
  const c = budget.acquire(100).then((p) => (order.push('c'), p));
  const d = budget.acquire(100).then((p) => (order.push('d'), p));
  assert.equal(await budget.acquire(100), null, 'past maxWaiting: refused at once');
  assert.equal(budget.waiting, 2);
  a.release();
  a.release(); // idempotent: frees one slot only
  const cPermit = await c;
  assert.ok(cPermit);
  assert.deepEqual(order, ['c']);
  clock.advance(500);
  assert.equal(await d, null, 'no room within maxWaitMs');
  assert.equal(budget.waiting, 0);
  assert.equal(budget.retryAfterSeconds, 1);
});

it('bounds the bytes too, and admits a single request larger than the whole budget alone', async () => {
  const budget = new RequestBudget(SETTINGS, new ManualClock());
  const big = await budget.acquire(5_000);
  assert.ok(big, 'alone, a large request is admitted');
  let next: unknown = 'pending';
  void budget.acquire(600).then((p) => (next = p));
  await Promise.resolve();
  assert.equal(next, 'pending');
  big.release();
  await Promise.resolve();
  assert.notEqual(next, 'pending');
  assert.ok(next);
  assert.equal(budget.inflightCount, 1);
});

it('a waiter whose client went away frees its place at once, not after maxWaitMs', async () => {
  const clock = new ManualClock();
  const budget = new RequestBudget({ ...SETTINGS, maxWaiting: 1 }, clock);
  assert.ok(await budget.acquire(100));
  assert.ok(await budget.acquire(100));
  const gone = new AbortController();
  const waiting = budget.acquire(100, gone.signal);
  assert.equal(await budget.acquire(100), null, 'the one waiting place is taken');
  gone.abort();
  assert.equal(await waiting, null);
  assert.equal(budget.waiting, 0);
  assert.equal(clock.pending, 0, 'its timer is cleared');
  const next = budget.acquire(100);
  assert.equal(budget.waiting, 1, 'the freed place is taken by the next request');
  clock.advance(500);
  assert.equal(await next, null);
});
