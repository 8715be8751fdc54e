/** Full-jitter backoff (sdk/src/backoff.ts): windows double to the cap, delays stay inside them, reset starts over. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff } from '../../sdk/src/backoff.js';

describe('sdk backoff', () => {
  it('draws each delay uniformly from [0, min(cap, base·2^attempt))', () => {
    const draws = [0.999999, 0.5, 0, 0.25, 0.999999, 0.999999, 0.999999];
    const b = new Backoff({ baseMs: 100, capMs: 1_000 }, () => draws.shift() ?? 0);
    const windows: number[] = [];
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      windows.push(b.window());
      delays.push(b.next());
    }
    assert.deepEqual(windows, [100, 200, 400, 800, 1_000, 1_000, 1_000]);
    assert.deepEqual(delays, [99, 100, 0, 200, 999, 999, 999]);
    assert.equal(b.attempt, 7);
  });

  it('never exceeds the cap, even after thousands of attempts (2^n overflow)', () => {
    const b = new Backoff({ baseMs: 500, capMs: 20_000 }, () => 0.9999999);
    let max = 0;
    for (let i = 0; i < 5_000; i++) max = Math.max(max, b.next());
    assert.ok(max < 20_000 && max >= 19_990, `max delay ${max}`);
  });

  it('spreads a crowd over the whole window (full jitter, not equal jitter)', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const delays = Array.from({ length: 2_000 }, () => new Backoff({ baseMs: 1_000, capMs: 1_000 }, random).next());
    assert.ok(delays.some((d) => d < 100), 'some clients retry almost at once');
    assert.ok(delays.some((d) => d > 900), 'some wait nearly the whole window');
  });

  it('reset() after a success starts from the base window; minMs is a floor; maxAttempts exhausts', () => {
    const b = new Backoff({ baseMs: 100, capMs: 10_000, minMs: 50, maxAttempts: 3 }, () => 0);
    assert.equal(b.next(), 50);
    b.next();
    assert.equal(b.exhausted, false);
    b.next();
    assert.equal(b.exhausted, true);
    b.reset();
    assert.equal(b.window(), 100);
    assert.equal(b.exhausted, false);
  });

  it('refuses nonsense options at construction', () => {
    assert.throws(() => new Backoff({ baseMs: 0 }), TypeError);
    assert.throws(() => new Backoff({ baseMs: 1_000, capMs: 10 }), TypeError);
    assert.throws(() => new Backoff({ maxAttempts: 0 }), TypeError);
  });
});
