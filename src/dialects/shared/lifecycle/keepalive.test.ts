import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../core/index.js';
import { AppKeepalive, IdleDeadline, Repeat } from './keepalive.js';

/** Touched at `touchAtMs`, a 60 s read deadline reports exactly 60 s later, not a millisecond before. */
function expectDeadlineAfterTouch(clock: ManualClock, touchAtMs: number, touch: () => void, fired: number[]): void {
  clock.advance(touchAtMs);
  touch();
  clock.advance(59_999);
  assert.deepEqual(fired, []);
  clock.advance(1);
  assert.deepEqual(fired, [60_000]);
}

describe('lifecycle keepalive (on the injected clock)', () => {
  it('Repeat calls back every interval with the clock time, and never after stop', () => {
    const clock = new ManualClock(0);
    const at: number[] = [];
    const r = new Repeat(clock, 1_000, (now) => at.push(now));
    r.start();
    r.start(); // idempotent: still one timer
    clock.advance(3_500);
    assert.deepEqual(at, [1_000, 2_000, 3_000]);
    r.stop();
    clock.advance(5_000);
    assert.deepEqual(at, [1_000, 2_000, 3_000]);
    assert.equal(clock.pending, 0);
  });

  it('a read deadline fires once, idleTimeout after the last touch, and re-arms for the remainder only', () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    const d = new IdleDeadline(clock, 60_000, (idleFor) => fired.push(idleFor));
    d.start();
    expectDeadlineAfterTouch(clock, 50_000, () => d.touch(), fired);
    clock.advance(600_000);
    assert.deepEqual(fired, [60_000], 'once only');
    assert.equal(clock.pending, 0);
  });

  it('an outbound idle beat (repeat) fires after each quiet period and not while something is sent', () => {
    const clock = new ManualClock(0);
    const beats: number[] = [];
    const d = new IdleDeadline(clock, 1_000, () => beats.push(clock.now()), true);
    d.start();
    clock.advance(900);
    d.touch(); // sent something at 900
    clock.advance(1_000); // 1_900: quiet for 1 s
    clock.advance(1_000); // 2_900
    assert.deepEqual(beats, [1_900, 2_900]);
    d.stop();
    clock.advance(10_000);
    assert.deepEqual(beats, [1_900, 2_900]);
  });

  it('AppKeepalive: beats every interval; silence past the idle timeout stops the beats and reports once', () => {
    const clock = new ManualClock(0);
    const beats: number[] = [];
    const idle: number[] = [];
    const k = new AppKeepalive({ clock, beatIntervalMs: 20_000, idleTimeoutMs: 60_000, beat: (now) => beats.push(now), onIdle: (s) => idle.push(s) });
    k.start();
    expectDeadlineAfterTouch(clock, 30_000, () => k.touch(), idle);
    assert.deepEqual(beats, [20_000, 40_000, 60_000, 80_000]);
    clock.advance(100_000);
    assert.deepEqual(beats, [20_000, 40_000, 60_000, 80_000], 'no beat after the peer was reported idle');
    assert.equal(clock.pending, 0);
  });
});
