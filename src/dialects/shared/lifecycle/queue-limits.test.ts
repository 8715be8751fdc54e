import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { queueLimitsFrom } from './queue-limits.js';

describe('lifecycle queue limits from settings', () => {
  const settings = { maxMessages: 120, maxBytes: 8 << 20, overflow: 'drop-oldest' as const, stallTimeoutMs: 5_000, highWaterMarkBytes: 1 << 20 };
  const overrun = { code: 1011, reason: 'subscriber overrun' };

  it('copies the bounds and the named policy, and uses the overflow close for stalls unless told otherwise', () => {
    const limits = queueLimitsFrom(settings, { overflowClose: overrun, maxPendingDuringReplay: 4096 });
    assert.deepEqual(limits, {
      maxMessages: 120,
      maxBytes: 8 << 20,
      overflow: 'drop-oldest',
      overflowClose: overrun,
      stallTimeoutMs: 5_000,
      stallClose: overrun,
      maxPendingDuringReplay: 4096,
    });
    assert.ok(Object.isFrozen(limits));
  });

  it('takes a separate stall close and the blocked stall policy', () => {
    const stall = { code: 1006, reason: 'slow consumer' };
    const limits = queueLimitsFrom(settings, { overflowClose: overrun, stallClose: stall, maxPendingDuringReplay: 1, stallFrom: 'blocked' });
    assert.equal(limits.stallClose, stall);
    assert.equal(limits.stallFrom, 'blocked');
  });
});
