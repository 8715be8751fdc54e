/**
 * Issue 15 item 7: the new-connection token bucket and the node's per-dialect gates, on a
 * ManualClock (the only thing mocked): the burst, the refill, the cap at the burst, the spread of
 * the retry hints a storm gets, and the per-dialect budgets taken besides the node's.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { ConnectionRate, TokenBucket, type RateVerdict } from '../../src/net/connection-rate.js';

const admittedCount = (verdicts: RateVerdict[]) => verdicts.filter((v) => v.admitted).length;
const hints = (verdicts: RateVerdict[]) => verdicts.flatMap((v) => (v.admitted ? [] : [v.retryAfterSeconds]));

describe('TokenBucket', () => {
  it('starts full, gives the burst, then one token per 1/rate seconds, and never holds more than the burst', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ perSecond: 10, burst: 5 }, clock);
    const first = Array.from({ length: 8 }, () => bucket.take());
    assert.deepEqual(first, [true, true, true, true, true, false, false, false]);
    clock.advance(99);
    assert.equal(bucket.take(), false, 'a token takes 100 ms at 10/s');
    clock.advance(1);
    assert.equal(bucket.take(), true);
    assert.equal(bucket.take(), false);
    clock.advance(60_000);
    assert.equal(bucket.tokens, 5, 'a quiet minute refills to the burst, no further');
    assert.equal(Array.from({ length: 7 }, () => bucket.take()).filter(Boolean).length, 5);
  });

  it('admits at most burst + rate x T over any span T however the attempts are spread', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ perSecond: 500, burst: 500 }, clock);
    const admittedAt: number[] = [];
    // 20 attempts every 7 ms for 10 s: far more than the rate.
    for (let t = 0; t < 10_000; t += 7) {
      for (let i = 0; i < 20; i++) if (bucket.take()) admittedAt.push(clock.now());
      clock.advance(7);
    }
    for (let i = 0, j = 0; i < admittedAt.length; i++) {
      while (admittedAt[i]! - admittedAt[j]! >= 1_000) j++;
      assert.ok(i - j + 1 <= 1_000, `at most burst + 1 s of refill in any second, saw ${i - j + 1}`);
    }
    // Over the whole 10 s: the burst plus the refill, to within one interval's rounding.
    assert.ok(admittedAt.length <= 500 + 500 * 10 && admittedAt.length >= 500 + 500 * 10 - 5, `admitted ${admittedAt.length}`);
  });

  it('ignores a clock that goes backwards', () => {
    let now = 1_000_000;
    const clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => {} };
    const bucket = new TokenBucket({ perSecond: 1, burst: 1 }, clock);
    assert.equal(bucket.take(), true);
    now -= 60_000;
    assert.equal(bucket.take(), false);
    now += 1_000;
    assert.equal(bucket.take(), true, 'refill resumes from where the clock went back to');
  });

  it('refuses bad settings', () => {
    assert.throws(() => new TokenBucket({ perSecond: 0, burst: 1 }, new ManualClock()));
    assert.throws(() => new TokenBucket({ perSecond: 1, burst: 0 }, new ManualClock()));
  });
});

describe('ConnectionRate', () => {
  it('spreads the retry hints of a storm over the refill: the Nth refused comes back when the Nth token is due', () => {
    const clock = new ManualClock();
    const rate = new ConnectionRate({ node: { perSecond: 500, burst: 500 }, retryAfterMaxSeconds: 30, clock });
    const gate = rate.gate('match');
    const storm = Array.from({ length: 2_000 }, () => gate.tryAdmit());
    assert.equal(admittedCount(storm), 500);
    const waits = hints(storm);
    assert.equal(waits.length, 1_500);
    const perSecond = new Map<number, number>();
    for (const s of waits) perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
    assert.deepEqual([...perSecond], [[1, 500], [2, 500], [3, 500]], 'no second is promised more clients than it has tokens');
    // The clients come back as told: each second's returners all find a token.
    let returned = 0;
    for (const second of [1, 2, 3]) {
      clock.advance(1_000);
      const back = Array.from({ length: perSecond.get(second)! }, () => gate.tryAdmit());
      assert.equal(admittedCount(back), back.length, `second ${second}: all returners admitted`);
      returned += back.length;
    }
    assert.equal(500 + returned, 2_000);
    assert.deepEqual(rate.refusedByDialect(), { match: 1_500 });
    assert.deepEqual(rate.admittedByDialect(), { match: 2_000 });
    assert.deepEqual(
      rate.admissionsPerSecond().map((s) => s.admitted),
      [500, 500, 500, 500],
    );
  });

  it('caps Retry-After at retryAfterMaxSeconds and forgets promises nobody came back for', () => {
    const clock = new ManualClock();
    const rate = new ConnectionRate({ node: { perSecond: 1, burst: 1 }, retryAfterMaxSeconds: 5, clock });
    const gate = rate.gate('nova');
    const storm = Array.from({ length: 20 }, () => gate.tryAdmit());
    assert.deepEqual(hints(storm), [1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5]);
    clock.advance(60_000); // nobody came back: the bucket is full again
    assert.equal(gate.tryAdmit().admitted, true);
    assert.deepEqual(gate.tryAdmit(), { admitted: false, retryAfterSeconds: 1 }, 'a new refusal is not queued behind the old promises');
  });

  it('shares the node budget between dialects, takes a dialect budget besides it, and a refusal takes no token', () => {
    const clock = new ManualClock();
    const rate = new ConnectionRate({
      node: { perSecond: 10, burst: 4 },
      byDialect: { nova: { perSecond: 1, burst: 1 } },
      retryAfterMaxSeconds: 30,
      clock,
    });
    const nova = rate.gate('nova');
    const relay = rate.gate('relay');
    assert.equal(nova.tryAdmit().admitted, true);
    assert.equal(nova.tryAdmit().admitted, false, 'nova has its own budget of 1');
    assert.equal(nova.tryAdmit().admitted, false);
    // nova's refusals took none of the node's tokens: 3 are left for the others.
    assert.equal(admittedCount(Array.from({ length: 5 }, () => relay.tryAdmit())), 3);
    assert.deepEqual(rate.refusedByDialect(), { nova: 2, relay: 2 });
    clock.advance(1_000);
    assert.equal(nova.tryAdmit().admitted, true, 'refilled after 1 s');
  });

  it('without a node budget admits everything a dialect budget allows', () => {
    const clock = new ManualClock();
    const rate = new ConnectionRate({ node: null, byDialect: { elstat: { perSecond: 1, burst: 2 } }, retryAfterMaxSeconds: 30, clock });
    assert.equal(admittedCount(Array.from({ length: 5_000 }, () => rate.gate('match').tryAdmit())), 5_000);
    assert.equal(admittedCount(Array.from({ length: 5 }, () => rate.gate('elstat').tryAdmit())), 2);
  });
});
